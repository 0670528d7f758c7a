/* madvise_cases: MADV_DONTNEED/FREE/REMOVE semantics, fork advice, access-pattern hints and errnos. */
/* syscalls: madvise, mmap, munmap, mincore, memfd_create, ftruncate, pwrite64, pread64, openat, read, fork, wait4, close */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static long pg;

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* 1 if /proc/self/smaps lists flag (two letters) in VmFlags of the vma containing addr. */
static int vmflag(void *addr, const char *flag)
{
    static char buf[1 << 18];
    int fd = open("/proc/self/smaps", O_RDONLY);
    ssize_t len = 0, r;
    if (fd < 0)
        return -1;
    while (len < (ssize_t)sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += r;
    close(fd);
    buf[len] = 0;
    char *best = NULL;
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        unsigned long lo, hi;
        char c;
        if (sscanf(line, "%lx-%lx %c", &lo, &hi, &c) == 3 && (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
            best = line;
            break;
        }
    }
    char *p = best ? strstr(best, "VmFlags:") : NULL;
    if (!p)
        return -1;
    char *nl = strchr(p, '\n');
    if (nl)
        *nl = 0;
    char pat[8];
    snprintf(pat, sizeof(pat), " %s", flag);
    int found = strstr(p, pat) != NULL;
    if (nl)
        *nl = '\n';
    return found;
}

static int resident(void *p)
{
    unsigned char v = 0;
    if (mincore(p, pg, &v) != 0)
        return -1;
    return v & 1;
}

int main(void)
{
    pid_t pid;
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pg = sysconf(_SC_PAGESIZE);

    char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED, "mmap 4 private anonymous pages");
    if (a == MAP_FAILED)
        CHECK_DONE();
    memset(a, 'a', 4 * pg);

    /* MADV_DONTNEED on private anonymous memory. */
    CHECK_EQ(resident(a + pg), 1, "touched page is resident");
    CHECK_OK(madvise(a + pg, 2 * pg, MADV_DONTNEED), "MADV_DONTNEED on two pages");
    CHECK_EQ(resident(a + pg), 0, "page is no longer resident after MADV_DONTNEED");
    CHECK(a[pg] == 0 && a[3 * pg - 1] == 0, "private anonymous pages read zero after MADV_DONTNEED");
    CHECK(a[pg - 1] == 'a' && a[3 * pg] == 'a', "pages outside the range keep content");

    /* Access-pattern hints. */
    CHECK_OK(madvise(a, 4 * pg, MADV_RANDOM), "MADV_RANDOM accepted");
    CHECK_EQ(vmflag(a, "rr"), 1, "smaps VmFlags shows rr after MADV_RANDOM");
    CHECK_OK(madvise(a, 4 * pg, MADV_SEQUENTIAL), "MADV_SEQUENTIAL accepted");
    CHECK(vmflag(a, "sr") == 1 && vmflag(a, "rr") == 0, "VmFlags sr replaces rr after MADV_SEQUENTIAL");
    CHECK_OK(madvise(a, 4 * pg, MADV_NORMAL), "MADV_NORMAL accepted");
    CHECK(vmflag(a, "sr") == 0 && vmflag(a, "rr") == 0, "MADV_NORMAL clears both");
    CHECK_OK(madvise(a, 4 * pg, MADV_WILLNEED), "MADV_WILLNEED on anonymous memory accepted");
    CHECK_OK(madvise(a, 4 * pg, MADV_DONTDUMP), "MADV_DONTDUMP accepted");
    CHECK_EQ(vmflag(a, "dd"), 1, "VmFlags shows dd after MADV_DONTDUMP");
    CHECK(madvise(a, 4 * pg, MADV_DODUMP) == 0 && vmflag(a, "dd") == 0, "MADV_DODUMP clears dd");
    CHECK_OK(madvise(a, 4 * pg, MADV_COLD), "MADV_COLD accepted");
    CHECK_OK(madvise(a, 4 * pg, MADV_PAGEOUT), "MADV_PAGEOUT accepted");
    CHECK(a[0] == 'a' && a[4 * pg - 1] == 'a' && a[pg] == 0, "content preserved across COLD/PAGEOUT");

    /* MADV_FREE. */
    CHECK_OK(madvise(a, 2 * pg, MADV_FREE), "MADV_FREE on private anonymous pages");
    a[0] = 'n';
    CHECK_EQ(a[0], 'n', "write after MADV_FREE sticks");
    CHECK(a[pg - 1] == 'a' || a[pg - 1] == 0, "freed page reads old content or zero");

    /* MADV_POPULATE_WRITE faults pages in. */
    CHECK_OK(madvise(a + pg, pg, MADV_DONTNEED), "drop a page again");
    CHECK(madvise(a + pg, pg, MADV_POPULATE_WRITE) == 0 && resident(a + pg) == 1,
          "MADV_POPULATE_WRITE makes the page resident");
    CHECK_OK(madvise(a, 4 * pg, MADV_POPULATE_READ), "MADV_POPULATE_READ accepted");

    /* Errors. */
    CHECK_ERR(madvise(a, pg, 999), EINVAL, "invalid advice -> EINVAL");
    CHECK_ERR(madvise(a + 1, pg, MADV_NORMAL), EINVAL, "unaligned start -> EINVAL");
    CHECK_OK(madvise(a, 0, MADV_DONTNEED), "length 0 -> success");
    CHECK_OK(munmap(a + 3 * pg, pg), "unmap the last page");
    CHECK_ERR(madvise(a + 3 * pg, pg, MADV_NORMAL), ENOMEM, "unmapped range -> ENOMEM");
    CHECK_ERR(madvise(a + 2 * pg, 2 * pg, MADV_DONTNEED), ENOMEM, "range ending in a hole -> ENOMEM");
    CHECK_EQ(a[2 * pg], 0, "... but the mapped part was still zapped");
    CHECK_ERR(madvise(a, pg, MADV_REMOVE), EINVAL, "MADV_REMOVE on private anonymous memory -> EINVAL");

    /* Fork advice. */
    memset(a, 'f', 3 * pg);
    CHECK_OK(madvise(a, pg, MADV_DONTFORK), "MADV_DONTFORK on the first page");
    CHECK_EQ(vmflag(a, "dc"), 1, "VmFlags shows dc");
    CHECK_OK(madvise(a + pg, pg, MADV_WIPEONFORK), "MADV_WIPEONFORK on the second page");
    CHECK_EQ(vmflag(a + pg, "wf"), 1, "VmFlags shows wf");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (a[pg] != 0 || a[2 * pg - 1] != 0)
            _exit(1); /* wipe-on-fork page must be zero */
        if (a[2 * pg] != 'f')
            _exit(2); /* normal page inherited */
        signal(SIGSEGV, SIG_DFL);
        (void)*(volatile char *)a; /* not present in the child */
        _exit(3);
    }
    CHECK_EQ(wait_code(pid), 200 + SIGSEGV,
             "child: WIPEONFORK page zero, normal page copied, DONTFORK page faults (SIGSEGV)");
    CHECK(a[0] == 'f' && a[pg] == 'f', "parent keeps both pages");
    CHECK(madvise(a, pg, MADV_DOFORK) == 0 && madvise(a + pg, pg, MADV_KEEPONFORK) == 0, "MADV_DOFORK/KEEPONFORK");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(a[0] == 'f' && a[pg] == 'f' ? 0 : 1);
    CHECK_EQ(wait_code(pid), 0, "after DOFORK/KEEPONFORK the child sees both pages normally");
    munmap(a, 3 * pg);

    /* File-backed mappings. */
    {
        int fd = memfd_create("madv", 0);
        char buf[8];
        CHECK(fd >= 0 && ftruncate(fd, 2 * pg) == 0 && pwrite(fd, "file", 4, 0) == 4 &&
                  pwrite(fd, "more", 4, pg) == 4,
              "memfd with content in both pages");
        char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        char *s = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        CHECK(p != MAP_FAILED && s != MAP_FAILED, "private and shared mappings of it");
        if (p != MAP_FAILED && s != MAP_FAILED) {
            memcpy(p, "priv", 4);
            CHECK(memcmp(p, "priv", 4) == 0 && memcmp(s, "file", 4) == 0, "private write is a COW copy");
            CHECK_OK(madvise(p, 2 * pg, MADV_DONTNEED), "MADV_DONTNEED on the private file mapping");
            CHECK_EQ(memcmp(p, "file", 4), 0, "private file page is re-read from the file");
            memcpy(s, "shar", 4);
            CHECK(madvise(s, pg, MADV_DONTNEED) == 0 && memcmp(s, "shar", 4) == 0,
                  "MADV_DONTNEED on a shared mapping keeps the data");
            CHECK_ERR(madvise(s, pg, MADV_FREE), EINVAL, "MADV_FREE on a shared mapping -> EINVAL");
            CHECK_ERR(madvise(s, pg, MADV_WIPEONFORK), EINVAL, "MADV_WIPEONFORK on a shared mapping -> EINVAL");
            CHECK_OK(madvise(s, 2 * pg, MADV_WILLNEED), "MADV_WILLNEED on a file mapping");
            CHECK_OK(madvise(s + pg, pg, MADV_REMOVE), "MADV_REMOVE on the shared memfd mapping");
            CHECK(s[pg] == 0 && s[pg + 3] == 0, "removed range reads zero in the mapping");
            CHECK(pread(fd, buf, 4, pg) == 4 && memcmp(buf, "\0\0\0\0", 4) == 0,
                  "and in the file (hole punched)");
            CHECK(pread(fd, buf, 4, 0) == 4 && memcmp(buf, "shar", 4) == 0, "page outside the range kept");
            CHECK_ERR(madvise(p, pg, MADV_REMOVE), EACCES, "MADV_REMOVE on a private file mapping -> EACCES");
        }
        if (p != MAP_FAILED)
            munmap(p, 2 * pg);
        if (s != MAP_FAILED)
            munmap(s, 2 * pg);
        if (fd >= 0)
            close(fd);
    }
    CHECK_DONE();
}
