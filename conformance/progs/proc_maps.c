/* proc_maps: /proc/self/maps and smaps lines for anonymous, file, shared mappings; mprotect splits, munmap, mremap, mlock, child maps. */
/* syscalls: mmap, mprotect, munmap, mremap, mlock, munlock, madvise, brk, openat, read, lseek, close, ftruncate,
   unlink, newfstatat, readlink, pipe2, clone, wait4, waitid, write, getpid */
/* area: proc-dev */
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char maps[1 << 17];
static char smaps[1 << 20];
static long pg;

static long slurp_into(const char *path, char *buf, long size)
{
    int fd = open(path, O_RDONLY);
    long n = 0, r;
    if (fd < 0)
        return -1;
    while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    close(fd);
    return n;
}

static long read_maps(void)
{
    return slurp_into("/proc/self/maps", maps, sizeof(maps));
}

/* Copies the maps line (of the last read) whose range covers addr into out; 0 if none. */
static int line_covering(uintptr_t addr, char *out, size_t outsz, unsigned long *lo, unsigned long *hi)
{
    for (char *line = maps; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        unsigned long a, b;
        if (sscanf(line, "%lx-%lx", &a, &b) == 2 && addr >= a && addr < b) {
            if (out) {
                if (len >= outsz)
                    len = outsz - 1;
                memcpy(out, line, len);
                out[len] = 0;
            }
            if (lo)
                *lo = a;
            if (hi)
                *hi = b;
            return 1;
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return 0;
}

/* Fresh read; 1 if a line covers addr exactly from lo to hi with the given perms. */
static int has_range(const void *lo, const void *hi, const char *perms)
{
    char line[512], p[8];
    unsigned long a, b;
    if (read_maps() <= 0 || !line_covering((uintptr_t)lo, line, sizeof(line), &a, &b))
        return 0;
    if (sscanf(line, "%*s %7s", p) != 1)
        return 0;
    return a == (uintptr_t)lo && b == (uintptr_t)hi && strcmp(p, perms) == 0;
}

/* Fresh read; number of maps lines overlapping [lo, hi). */
static int lines_in(const void *lo, const void *hi)
{
    int n = 0;
    read_maps();
    for (char *line = maps; *line;) {
        char *nl = strchr(line, '\n');
        unsigned long a, b;
        if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < (uintptr_t)hi && b > (uintptr_t)lo)
            n++;
        if (!nl)
            break;
        line = nl + 1;
    }
    return n;
}

/* Pathname column of a maps line ("" if none). */
static const char *path_of(const char *line)
{
    int pos = 0;
    sscanf(line, "%*s %*s %*s %*s %*s %n", &pos);
    return pos ? line + pos : "";
}

/* Value (kB) of key in the smaps block of the mapping starting at lo, or -1. */
static long smaps_value(const void *lo, const char *key)
{
    char head[32], pat[64];
    snprintf(head, sizeof(head), "%08lx-", (unsigned long)(uintptr_t)lo);
    if (slurp_into("/proc/self/smaps", smaps, sizeof(smaps)) <= 0)
        return -1;
    char *blk = strncmp(smaps, head, strlen(head)) == 0 ? smaps : NULL;
    if (!blk) {
        char nhead[40];
        snprintf(nhead, sizeof(nhead), "\n%s", head);
        blk = strstr(smaps, nhead);
        if (!blk)
            return -1;
        blk++;
    }
    char *end = strstr(blk, "\nVmFlags:");
    snprintf(pat, sizeof(pat), "\n%s:", key);
    char *k = strstr(blk, pat);
    if (!k || !end || k > end + 1)
        return -1;
    if (strcmp(key, "VmFlags") == 0)
        return 0;
    return strtol(k + strlen(pat), NULL, 10);
}

/* VmFlags text of the smaps block at lo, copied to out. */
static int smaps_vmflags(const void *lo, char *out, size_t outsz)
{
    char head[40];
    snprintf(head, sizeof(head), "%08lx-", (unsigned long)(uintptr_t)lo);
    if (slurp_into("/proc/self/smaps", smaps, sizeof(smaps)) <= 0)
        return 0;
    char *blk = strstr(smaps, head);
    if (!blk)
        return 0;
    char *v = strstr(blk, "\nVmFlags:");
    if (!v)
        return 0;
    v += 9;
    size_t n = strcspn(v, "\n");
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, v, n);
    out[n] = 0;
    return 1;
}

int main(void)
{
    char line[512], want[512], path[128], fpath[128];
    unsigned long lo, hi;
    struct stat st;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pg = sysconf(_SC_PAGESIZE);
    snprintf(fpath, sizeof(fpath), "/tmp/proc_maps%s.%d", CONF_TAG, (int)getpid());

    /* Format of every line: start-end perms offset maj:min inode [path], sorted, non-overlapping. */
    CHECK(read_maps() > 0, "read /proc/self/maps");
    {
        int bad = 0, lines = 0;
        unsigned long prev_end = 0;
        for (char *l = maps; *l;) {
            char *nl = strchr(l, '\n');
            unsigned long a, b, off, ino;
            unsigned maj, mn;
            char p[8];
            if (sscanf(l, "%lx-%lx %7s %lx %x:%x %lu", &a, &b, p, &off, &maj, &mn, &ino) != 7 || strlen(p) != 4 ||
                a >= b || a < prev_end || (p[3] != 'p' && p[3] != 's'))
                bad++;
            prev_end = b;
            lines++;
            if (!nl)
                break;
            l = nl + 1;
        }
        CHECK(lines > 3 && bad == 0, "every maps line parses, ranges ascending and disjoint");
    }

    /* Anonymous private mapping inside a PROT_NONE reservation so nothing merges with it. */
    char *res = mmap(NULL, 5 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *m = res == MAP_FAILED ? MAP_FAILED
                                : mmap(res + pg, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(m != MAP_FAILED, "mmap 3 anonymous pages inside a PROT_NONE reservation");
    if (m == MAP_FAILED)
        CHECK_DONE();
    CHECK(has_range(m, m + 3 * pg, "rw-p"), "anonymous mapping: exact range, perms rw-p");
    line_covering((uintptr_t)m, line, sizeof(line), NULL, NULL);
    snprintf(want, sizeof(want), "%08lx-%08lx rw-p 00000000 00:00 0", (unsigned long)(uintptr_t)m,
             (unsigned long)(uintptr_t)(m + 3 * pg));
    CHECK(strncmp(line, want, strlen(want)) == 0 && line[strlen(want) + strspn(line + strlen(want), " ")] == 0,
          "anonymous line: offset 0, dev 00:00, inode 0, no path");
    CHECK(has_range(res, res + pg, "---p") && has_range(m + 3 * pg, res + 5 * pg, "---p"),
          "PROT_NONE neighbours shown as ---p");

    CHECK_OK(mprotect(m + pg, pg, PROT_READ), "mprotect middle page read-only");
    CHECK(lines_in(m, m + 3 * pg) == 3 && has_range(m, m + pg, "rw-p") && has_range(m + pg, m + 2 * pg, "r--p") &&
              has_range(m + 2 * pg, m + 3 * pg, "rw-p"),
          "mprotect splits the mapping into rw-p / r--p / rw-p");
    CHECK_OK(mprotect(m + pg, pg, PROT_READ | PROT_WRITE), "mprotect middle page back to rw");
    CHECK(lines_in(m, m + 3 * pg) == 1 && has_range(m, m + 3 * pg, "rw-p"), "restored protection merges back to one line");
    mprotect(m, 3 * pg, PROT_READ | PROT_EXEC);
    CHECK(has_range(m, m + 3 * pg, "r-xp"), "PROT_READ|PROT_EXEC shows r-xp");
    mprotect(m, 3 * pg, PROT_WRITE);
    CHECK(has_range(m, m + 3 * pg, "-w-p"), "PROT_WRITE alone shows -w-p");
    mprotect(m, 3 * pg, PROT_NONE);
    CHECK(lines_in(res, res + 5 * pg) == 1 && has_range(res, res + 5 * pg, "---p"),
          "PROT_NONE merges with the PROT_NONE neighbours");
    mprotect(m, 3 * pg, PROT_READ | PROT_WRITE);

    /* smaps for the anonymous mapping. */
    m[0] = 1;
    m[2 * pg] = 1;
    CHECK_EQ(smaps_value(m, "Size"), 3 * pg / 1024, "smaps Size: is the mapping length in kB");
    CHECK_EQ(smaps_value(m, "Rss"), 2 * pg / 1024, "smaps Rss: counts the two touched pages");
    CHECK_EQ(smaps_value(m, "Anonymous"), 2 * pg / 1024, "smaps Anonymous: two pages");
    CHECK_EQ(smaps_value(m, "KernelPageSize"), pg / 1024, "smaps KernelPageSize: page size");
    {
        char fl[256] = "";
        CHECK(smaps_vmflags(m, fl, sizeof(fl)) && strstr(fl, " rd") && strstr(fl, " wr") && !strstr(fl, " ex") &&
                  !strstr(fl, " sh"),
              "smaps VmFlags: rd wr, no ex, no sh");
    }
    CHECK_OK(madvise(m, 3 * pg, MADV_DONTNEED), "madvise MADV_DONTNEED");
    CHECK_EQ(smaps_value(m, "Rss"), 0, "Rss drops to 0 after MADV_DONTNEED");
    CHECK_OK(mlock(m, pg), "mlock first page");
    {
        char fl[256] = "";
        CHECK(lines_in(m, m + 3 * pg) == 2 && has_range(m, m + pg, "rw-p") && smaps_value(m, "Locked") == pg / 1024 &&
                  smaps_vmflags(m, fl, sizeof(fl)) && strstr(fl, " lo"),
              "mlock splits the mapping; locked part shows Locked: and VmFlags lo");
    }
    munlock(m, pg);
    CHECK(lines_in(m, m + 3 * pg) == 1, "munlock merges it back");

    /* smaps headers are exactly the maps lines. */
    {
        int missing = 0, lines = 0;
        read_maps();
        slurp_into("/proc/self/smaps", smaps, sizeof(smaps));
        for (char *l = maps; *l;) {
            char *nl = strchr(l, '\n');
            size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);
            if (!memmem(smaps, strlen(smaps), l, len))
                missing++;
            lines++;
            if (!nl)
                break;
            l = nl + 1;
        }
        CHECK(lines > 0 && missing == 0, "every maps line appears verbatim as an smaps header");
    }

    /* munmap a hole, then everything. */
    CHECK_OK(munmap(m + pg, pg), "munmap middle page");
    read_maps();
    CHECK(!line_covering((uintptr_t)(m + pg), NULL, 0, NULL, NULL) && has_range(m, m + pg, "rw-p") &&
              has_range(m + 2 * pg, m + 3 * pg, "rw-p"),
          "munmap leaves a hole between two lines");
    munmap(res, 5 * pg);
    read_maps();
    CHECK(!line_covering((uintptr_t)res, NULL, 0, NULL, NULL) && !line_covering((uintptr_t)m, NULL, 0, NULL, NULL) &&
              !line_covering((uintptr_t)(m + 2 * pg), NULL, 0, NULL, NULL),
          "munmap removes the lines");

    /* mremap moves the line. */
    {
        char *a = mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char *dst = mmap(NULL, 6 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char *b = (a == MAP_FAILED || dst == MAP_FAILED)
                      ? MAP_FAILED
                      : mremap(a, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 2 * pg);
        CHECK(b == dst + 2 * pg, "mremap MREMAP_FIXED to a new address");
        read_maps();
        CHECK(b != MAP_FAILED && !line_covering((uintptr_t)a, NULL, 0, NULL, NULL) && has_range(b, b + 2 * pg, "r--p"),
              "mremap: old range gone, line at the new address keeps perms");
        if (dst != MAP_FAILED)
            munmap(dst, 6 * pg);
    }

    /* File mappings. */
    int fd = open(fpath, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && ftruncate(fd, 4 * pg) == 0 && fstat(fd, &st) == 0, "create a 4-page file");
    if (fd >= 0) {
        char *f = mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE, fd, pg);
        char *s = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        char *w = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 3 * pg);
        CHECK(f != MAP_FAILED && s != MAP_FAILED && w != MAP_FAILED, "mmap the file private, shared, private-writable");
        if (f != MAP_FAILED && s != MAP_FAILED && w != MAP_FAILED) {
            unsigned long off = 99, ino = 0;
            unsigned maj = 999, mn = 999;
            char p[8] = "";
            CHECK(has_range(f, f + 2 * pg, "r--p"), "file mapping: exact range, r--p");
            line_covering((uintptr_t)f, line, sizeof(line), NULL, NULL);
            sscanf(line, "%*s %7s %lx %x:%x %lu", p, &off, &maj, &mn, &ino);
            CHECK_EQ(off, pg, "file mapping offset column is the mmap offset");
            CHECK_EQ(ino, st.st_ino, "file mapping inode column is st_ino");
            CHECK(maj == major(st.st_dev) && mn == minor(st.st_dev), "file mapping dev column is major:minor of st_dev");
            CHECK_STREQ(path_of(line), fpath, "file mapping shows the path");
            CHECK(has_range(s, s + pg, "rw-s"), "MAP_SHARED file mapping shows rw-s");
            CHECK(has_range(w, w + pg, "rw-p"), "writable MAP_PRIVATE file mapping shows rw-p");
            line_covering((uintptr_t)w, line, sizeof(line), NULL, NULL);
            CHECK(sscanf(line, "%*s %*s %lx", &off) == 1 && off == (unsigned long)(3 * pg) &&
                      strcmp(path_of(line), fpath) == 0,
                  "private writable mapping keeps offset and path");

            /* readlink of map_files works unprivileged; following the link needs CAP_SYS_ADMIN */
            snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)(uintptr_t)f,
                     (unsigned long)(uintptr_t)(f + 2 * pg));
            memset(want, 0, sizeof(want));
            CHECK(readlink(path, want, sizeof(want) - 1) > 0 && strcmp(want, fpath) == 0,
                  "/proc/self/map_files/<range> links to the file");

            unlink(fpath);
            read_maps();
            line_covering((uintptr_t)f, line, sizeof(line), NULL, NULL);
            snprintf(want, sizeof(want), "%s (deleted)", fpath);
            CHECK_STREQ(path_of(line), want, "after unlink the path shows (deleted)");
            munmap(f, 2 * pg);
            munmap(s, pg);
            munmap(w, pg);
        }
        close(fd);
        unlink(fpath);
    }

    /* Shared anonymous memory is backed by a deleted /dev/zero object. */
    {
        char *s = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        CHECK(s != MAP_FAILED && has_range(s, s + pg, "rw-s"), "MAP_SHARED|MAP_ANONYMOUS shows rw-s");
        line_covering((uintptr_t)s, line, sizeof(line), NULL, NULL);
        CHECK(strncmp(path_of(line), "/dev/zero", 9) == 0, "shared anonymous mapping named /dev/zero");
        if (s != MAP_FAILED)
            munmap(s, pg);
    }

    /* Special mappings. */
    {
        int local = 0;
        char p[8] = "";
        read_maps();
        CHECK(line_covering((uintptr_t)&local, line, sizeof(line), NULL, NULL) && strcmp(path_of(line), "[stack]") == 0 &&
                  sscanf(line, "%*s %7s", p) == 1 && strcmp(p, "rw-p") == 0,
              "local variable lies in the rw-p [stack] line");
        uintptr_t vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
        CHECK(vdso && line_covering(vdso, line, sizeof(line), &lo, NULL) && lo == vdso &&
                  strcmp(path_of(line), "[vdso]") == 0,
              "[vdso] line starts at AT_SYSINFO_EHDR");
        CHECK(line_covering((uintptr_t)main, line, sizeof(line), NULL, NULL) && sscanf(line, "%*s %7s", p) == 1 &&
                  p[0] == 'r' && p[2] == 'x' && path_of(line)[0] == '/',
              "main() lies in an r-x mapping of the executable file");
        (void)local;
    }

    /* [heap] follows the program break. */
    {
        char *old = sbrk(0);
        char *r = sbrk(2 * pg);
        CHECK(r == old && r != (void *)-1, "sbrk(2 pages)");
        read_maps();
        CHECK(line_covering((uintptr_t)old, line, sizeof(line), &lo, &hi) && strcmp(path_of(line), "[heap]") == 0 &&
                  hi >= (uintptr_t)(old + 2 * pg) && hi - (uintptr_t)(old + 2 * pg) < (unsigned long)pg,
              "[heap] line covers the new break, ends at the page-rounded break");
        sbrk(-2 * pg);
        read_maps();
        uintptr_t above = ((uintptr_t)old + pg - 1) & ~(uintptr_t)(pg - 1);
        CHECK(sbrk(0) == old && !line_covering(above, NULL, 0, NULL, NULL),
              "shrinking the break back unmaps the pages above it");
    }

    /* Reading in tiny chunks yields the same text as one big read. */
    {
        static char small[1 << 17];
        int mfd = open("/proc/self/maps", O_RDONLY);
        long n = 0, r;
        while (mfd >= 0 && n < (long)sizeof(small) - 8 && (r = read(mfd, small + n, 7)) > 0)
            n += r;
        small[n] = 0;
        read_maps();
        CHECK(n > 0 && strcmp(small, maps) == 0, "7-byte reads give the same maps text");
        CHECK(mfd >= 0 && lseek(mfd, 0, SEEK_SET) == 0 && read(mfd, small, 20) == 20 && memcmp(small, maps, 20) == 0,
              "lseek to 0 and read again restarts");
        if (mfd >= 0)
            close(mfd);
    }

    /* A child's maps, read by the parent. */
    {
        int ready[2], go[2];
        char *shared = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        pipe2(ready, O_CLOEXEC);
        pipe2(go, O_CLOEXEC);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            char c = 'r';
            mprotect(shared + pg, pg, PROT_NONE);
            write(ready[1], &c, 1);
            read(go[0], &c, 1);
            _exit(0);
        }
        char c;
        CHECK(pid > 0 && read(ready[0], &c, 1) == 1, "child split its copy of a mapping");
        snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
        CHECK(slurp_into(path, maps, sizeof(maps)) > 0 && line_covering((uintptr_t)(shared + pg), line, sizeof(line), &lo, &hi) &&
                  lo == (uintptr_t)(shared + pg) && hi == (uintptr_t)(shared + 2 * pg) && strstr(line, " ---p "),
              "parent reads /proc/<child>/maps and sees the child's ---p page");
        CHECK(lines_in(shared, shared + 3 * pg) == 1, "parent's own maps keep one line");
        write(go[1], "g", 1);
        siginfo_t si;
        CHECK(pid > 0 && waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "child exits (still unreaped)");
        CHECK_EQ(slurp_into(path, maps, sizeof(maps)), 0, "maps of a zombie reads empty");
        waitpid(pid, NULL, 0);
        CHECK_ERR(open(path, O_RDONLY), ENOENT, "maps of a reaped child -> ENOENT");
        close(ready[0]);
        close(ready[1]);
        close(go[0]);
        close(go[1]);
        munmap(shared, 3 * pg);
    }
    CHECK_DONE();
}
