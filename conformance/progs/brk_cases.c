/* brk_cases: program break growth/shrink, zero fill, [heap], refusals (below start, collisions, RLIMIT_DATA), fork, sbrk. */
/* syscalls: brk, mmap, munmap, mincore, setrlimit, prlimit64, fork, wait4, openat, read, close */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static long pg;
static uintptr_t raw_brk(uintptr_t addr) { return (uintptr_t)syscall(SYS_brk, addr); }
static uintptr_t up(uintptr_t a) { return (a + pg - 1) & ~(uintptr_t)(pg - 1); }

static int mapped(uintptr_t a)
{
    unsigned char v;
    return mincore((void *)(a & ~(uintptr_t)(pg - 1)), pg, &v) == 0;
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static char filebuf[1 << 16];
static long slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    ssize_t len = 0, r;
    if (fd < 0)
        return -1;
    while (len < (ssize_t)sizeof(filebuf) - 1 && (r = read(fd, filebuf + len, sizeof(filebuf) - 1 - len)) > 0)
        len += r;
    close(fd);
    filebuf[len] = 0;
    return len;
}

/* start_data, end_data, start_brk from /proc/self/stat (fields 45-47). */
static int stat_fields(unsigned long *sd, unsigned long *ed, unsigned long *sb)
{
    if (slurp("/proc/self/stat") <= 0)
        return 0;
    char *p = strrchr(filebuf, ')');
    if (!p)
        return 0;
    p += 2; /* field 3 */
    for (int f = 3; f < 45; f++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    return sscanf(p, "%lu %lu %lu", sd, ed, sb) == 3;
}

/* End of the [heap] entry in /proc/self/maps, 0 if none. */
static uintptr_t heap_end(void)
{
    if (slurp("/proc/self/maps") <= 0)
        return 0;
    for (char *line = filebuf; line && *line;) {
        unsigned long a, b;
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &a, &b) == 2)
            return b;
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pg = sysconf(_SC_PAGESIZE);
    /* The first line makes stdio allocate its buffer now, so malloc does not move the break below. */
    uintptr_t start = raw_brk(0);
    CHECK(start != 0, "brk(0) returns the current break");
    start = raw_brk(0);
    CHECK_EQ(raw_brk(0), start, "brk(0) is stable");
    unsigned long sd = 0, ed = 0, sb = 0;
    CHECK(stat_fields(&sd, &ed, &sb) && sb <= start && ed <= sb, "/proc/self/stat: start_brk <= brk, end_data <= start_brk");

    /* Growth to an unaligned address. */
    uintptr_t target = start + (1 << 20) + 123;
    CHECK_EQ(raw_brk(target), target, "grow by 1 MiB + 123: returns the exact requested break");
    CHECK_EQ(raw_brk(0), target, "brk(0) reports the unaligned break");
    CHECK_EQ(heap_end(), up(target), "[heap] ends at the page-rounded break");
    unsigned char *mem = (unsigned char *)up(start);
    int ok = 1;
    for (uintptr_t a = up(start); a < up(target); a += pg)
        ok &= *(unsigned char *)a == 0;
    CHECK(ok, "new heap pages are zero-filled");
    CHECK(mapped(up(target) - 1) && !mapped(up(target)), "mapped up to the rounded break, not beyond");
    memset(mem, 0x5a, up(target) - up(start));
    CHECK_EQ(*(unsigned char *)(up(target) - 1), 0x5a, "heap writable up to the page end");

    /* Shrink and re-grow. */
    uintptr_t half = up(start) + 256 * pg / 2;
    CHECK_EQ(raw_brk(half), half, "shrink the break");
    CHECK(mapped(half - 1) && !mapped(half + pg) && !mapped(up(target) - 1), "pages above the new break unmapped");
    CHECK_EQ(mem[0], 0x5a, "content below the new break kept");
    CHECK_EQ(raw_brk(target), target, "grow again");
    CHECK(*(unsigned char *)(half + pg) == 0 && *(unsigned char *)(up(target) - 1) == 0,
          "re-grown pages are zero-filled");
    CHECK_EQ(*(unsigned char *)(half - 1), 0x5a, "the kept part still has its content");

    /* Refusals leave the break unchanged. */
    CHECK_EQ(raw_brk(1), target, "brk(1) refused: break unchanged");
    CHECK_EQ(raw_brk(sb - pg), target, "brk below start_brk refused");
    CHECK_EQ(raw_brk((uintptr_t)1 << 57), target, "brk above TASK_SIZE refused");
    {
        uintptr_t at = up(target) + 16 * pg;
        void *blk = mmap((void *)at, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (blk == (void *)at) {
            CHECK_EQ(raw_brk(at + 4 * pg), target, "brk across an existing mapping refused");
            CHECK_EQ(raw_brk(at), target, "brk ending exactly at a mapping refused (needs a page gap)");
            CHECK_EQ(raw_brk(at - pg), at - pg, "brk one page below the mapping allowed");
            CHECK_EQ(raw_brk(target), target, "back to the previous break");
            munmap(blk, pg);
        } else {
            if (blk != MAP_FAILED)
                munmap(blk, pg);
            CHECK_SKIP("brk collision checks", "space above the heap is occupied");
        }
    }

    /* fork: the child has its own break. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (raw_brk(0) != target)
            _exit(1);
        if (raw_brk(target + 64 * pg) != target + 64 * pg)
            _exit(2);
        *(unsigned char *)(target + 32 * pg) = 1;
        _exit(0);
    }
    CHECK_EQ(wait_code(pid), 0, "child inherits the break and grows its own");
    CHECK(raw_brk(0) == target && !mapped(up(target) + pg), "parent's break unaffected");

    /* RLIMIT_DATA. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct rlimit rl;
        /* Both the brk-specific check (heap + data segment) and the total of private writable
         * mappings (VmData) are limited by RLIMIT_DATA: leave 64 pages above the larger. */
        unsigned long used = (target - sb) + (ed - sd);
        char *vd = slurp("/proc/self/status") > 0 ? strstr(filebuf, "VmData:") : NULL;
        if (!vd)
            _exit(102);
        unsigned long vmdata = strtoul(vd + 7, NULL, 10) * 1024;
        if (vmdata > used)
            used = vmdata;
        rl.rlim_cur = rl.rlim_max = used + 64 * pg;
        if (setrlimit(RLIMIT_DATA, &rl) != 0)
            _exit(100);
        if (raw_brk(target + 32 * pg) != target + 32 * pg)
            _exit(1); /* within the limit */
        if (raw_brk(target + 128 * pg) != target + 32 * pg)
            _exit(2); /* beyond the limit: unchanged */
        if (raw_brk(target) != target)
            _exit(3); /* shrinking is fine */
        rl.rlim_cur = rl.rlim_max = 0;
        if (setrlimit(RLIMIT_DATA, &rl) != 0)
            _exit(101);
        if (raw_brk(target + pg) != target)
            _exit(4);
        if (mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED || errno != ENOMEM)
            _exit(5); /* private writable mappings count as data too */
        if (mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
            _exit(6); /* read-only mappings do not */
        _exit(0);
    }
    CHECK_EQ(wait_code(pid), 0,
             "child: RLIMIT_DATA caps brk growth (break unchanged), limit 0 blocks brk and writable private mmap");

    CHECK_EQ(raw_brk(start), start, "shrink back to the original break");

    /* libc sbrk on the same mechanism (glibc caches the break, so call brk() to resync first). */
    CHECK_OK(brk((void *)start), "brk() wrapper to the original break");
    void *old = sbrk(0);
    CHECK(old == (void *)start, "sbrk(0) is the current break");
    void *prev = sbrk(3 * pg);
    CHECK(prev == old && raw_brk(0) == start + 3 * pg, "sbrk(3 pages) returns the old break and moves it");
    memset(prev, 7, 3 * pg);
    CHECK(sbrk(-3 * pg) == (char *)old + 3 * pg && raw_brk(0) == start, "sbrk(-3 pages) returns the previous break");
    CHECK_DONE();
}
