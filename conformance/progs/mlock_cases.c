/* mlock_cases: mlock/munlock/mlock2/mlockall/munlockall, VmLck accounting, RLIMIT_MEMLOCK and errnos. */
/* syscalls: mlock, munlock, mlock2, mlockall, munlockall, mmap, munmap, mincore, setrlimit, prlimit64, setuid, fork, wait4, openat, read */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static long pg;

static long read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    ssize_t len = 0, r;
    if (fd < 0)
        return -1;
    while (len < (ssize_t)size - 1 && (r = read(fd, buf + len, size - 1 - len)) > 0)
        len += r;
    close(fd);
    buf[len] = 0;
    return len;
}

/* VmLck in kB, -1 if absent. */
static long vmlck(void)
{
    char buf[4096];
    if (read_file("/proc/self/status", buf, sizeof(buf)) < 0)
        return -1;
    char *p = strstr(buf, "VmLck:");
    return p ? strtol(p + 6, NULL, 10) : -1;
}

/* 1 if VmFlags of the vma containing addr lists flag. */
static int vmflag(void *addr, const char *flag)
{
    static char buf[1 << 18];
    char pat[8];
    if (read_file("/proc/self/smaps", buf, sizeof(buf)) < 0)
        return -1;
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
    snprintf(pat, sizeof(pat), " %s", flag);
    return strstr(p, pat) != NULL;
}

static int resident(void *p)
{
    unsigned char v = 0;
    return mincore(p, pg, &v) == 0 ? (v & 1) : -1;
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int mlock2_(void *a, size_t len, unsigned flags) { return syscall(SYS_mlock2, a, len, flags); }

/* Unprivileged child: bits set for each expectation that failed. */
static int unpriv_child(char *a)
{
    int bad = 0;
    struct rlimit rl = {0, 0};
    if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0 || setuid(65534) != 0)
        return 100;
    if (mlock(a, pg) != -1 || errno != EPERM)
        bad |= 1;
    if (mlockall(MCL_CURRENT) != -1 || errno != EPERM)
        bad |= 2;
    if (mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0) != MAP_FAILED || errno != EPERM)
        bad |= 4;
    if (munlock(a, pg) != 0)
        bad |= 8; /* munlock needs no privilege */
    return bad;
}

static int small_limit_child(char *a)
{
    int bad = 0;
    struct rlimit rl = {pg, pg};
    if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0 || setuid(65534) != 0)
        return 100;
    if (mlock(a, pg) != 0)
        bad |= 1; /* one page fits the limit */
    if (mlock(a + pg, pg) != -1 || errno != ENOMEM)
        bad |= 2; /* a second page does not */
    if (munlock(a, pg) != 0 || mlock(a + pg, pg) != 0)
        bad |= 4; /* after unlocking one page, another can be locked */
    if (mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0) != MAP_FAILED ||
        errno != EAGAIN)
        bad |= 8;
    if (mlockall(MCL_CURRENT) != -1 || errno != ENOMEM)
        bad |= 16;
    return bad;
}

int main(void)
{
    pid_t pid;
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pg = sysconf(_SC_PAGESIZE);
    long kb = pg / 1024;

    long base = vmlck();
    CHECK(base >= 0, "/proc/self/status has VmLck");
    char *a = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED, "mmap 8 pages");
    if (a == MAP_FAILED)
        CHECK_DONE();

    /* mlock / munlock. */
    CHECK(resident(a) == 0 && resident(a + 3 * pg) == 0, "fresh pages are not resident");
    CHECK_OK(mlock(a, 4 * pg), "mlock 4 pages");
    CHECK_EQ(vmlck() - base, 4 * kb, "VmLck grows by 4 pages");
    CHECK(resident(a) == 1 && resident(a + 3 * pg) == 1, "mlock populates the pages");
    CHECK_EQ(vmflag(a, "lo"), 1, "VmFlags shows lo");
    CHECK_OK(mlock(a, 4 * pg), "mlock the same range again");
    CHECK_EQ(vmlck() - base, 4 * kb, "re-locking does not double-count");
    CHECK_OK(munlock(a + pg, 2 * pg), "munlock the middle 2 pages");
    CHECK_EQ(vmlck() - base, 2 * kb, "VmLck drops by 2 pages");
    CHECK_OK(munlock(a, 8 * pg), "munlock everything (including never-locked pages)");
    CHECK_EQ(vmlck(), base, "VmLck back to the start value");
    CHECK_OK(mlock(a + 5 * pg + 100, 10), "mlock unaligned address and length");
    CHECK_EQ(vmlck() - base, kb, "... locks the containing page");
    munlock(a + 5 * pg, pg);
    CHECK_OK(mlock(a, 0), "mlock length 0");

    /* mlock2. */
    CHECK_OK(mlock2_(a + 4 * pg, 4 * pg, MLOCK_ONFAULT), "mlock2 MLOCK_ONFAULT");
    CHECK(vmflag(a + 4 * pg, "lf") == 1 && vmflag(a + 4 * pg, "lo") == 1, "VmFlags shows lo and lf");
    CHECK_EQ(vmlck() - base, 4 * kb, "VmLck counts the ONFAULT range");
    CHECK_EQ(resident(a + 7 * pg), 0, "MLOCK_ONFAULT does not populate untouched pages");
    a[7 * pg] = 1;
    CHECK_EQ(resident(a + 7 * pg), 1, "touched ONFAULT page becomes resident");
    CHECK_OK(mlock2_(a, pg, 0), "mlock2 flags 0 works like mlock");
    CHECK_EQ(vmlck() - base, 5 * kb, "VmLck 5 pages");
    CHECK_ERR(mlock2_(a, pg, 2), EINVAL, "mlock2 unknown flag -> EINVAL");
    CHECK_OK(munlock(a, 8 * pg), "munlock all");
    CHECK(vmlck() == base && vmflag(a + 4 * pg, "lf") == 0, "ONFAULT cleared by munlock");

    /* Errors on unmapped ranges. */
    munmap(a + 6 * pg, 2 * pg);
    CHECK_ERR(mlock(a + 6 * pg, pg), ENOMEM, "mlock unmapped range -> ENOMEM");
    CHECK_ERR(mlock(a + 4 * pg, 4 * pg), ENOMEM, "mlock range ending in a hole -> ENOMEM");
    CHECK_ERR(munlock(a + 6 * pg, pg), ENOMEM, "munlock unmapped range -> ENOMEM");
    CHECK_ERR(mlock2_(a + 6 * pg, pg, MLOCK_ONFAULT), ENOMEM, "mlock2 unmapped range -> ENOMEM");

    /* mlockall / munlockall. */
    CHECK_ERR(mlockall(0), EINVAL, "mlockall(0) -> EINVAL");
    CHECK_ERR(mlockall(MCL_ONFAULT), EINVAL, "mlockall(MCL_ONFAULT) alone -> EINVAL");
    CHECK_ERR(mlockall(MCL_CURRENT | 0x10), EINVAL, "mlockall unknown flag -> EINVAL");
    CHECK_OK(mlockall(MCL_CURRENT | MCL_FUTURE), "mlockall(MCL_CURRENT|MCL_FUTURE)"); /* needs RLIMIT_MEMLOCK or root */
    long all = vmlck();
    CHECK(all >= base + 6 * kb, "VmLck covers at least the existing test pages");
    CHECK_EQ(vmflag(a, "lo"), 1, "existing mapping is locked");
    char *b = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(b != MAP_FAILED && vmflag(b, "lo") == 1 && resident(b + pg) == 1,
          "MCL_FUTURE: a new mapping is locked and populated");
    CHECK_EQ(vmlck() - all, 2 * kb, "VmLck includes the new mapping");
    CHECK_OK(munlockall(), "munlockall");
    CHECK(vmlck() == 0 && vmflag(a, "lo") == 0, "VmLck 0 after munlockall");
    char *c = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(c != MAP_FAILED && vmflag(c, "lo") == 0, "munlockall also cancels MCL_FUTURE");
    munmap(c, pg);
    munmap(b, 2 * pg);

    /* RLIMIT_MEMLOCK for an unprivileged process. */
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(unpriv_child(a));
    CHECK_EQ(wait_code(pid), 0,
             "uid 65534, RLIMIT_MEMLOCK 0: mlock/mlockall/MAP_LOCKED -> EPERM, munlock ok"); /* needs root: setuid */
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(small_limit_child(a));
    CHECK_EQ(wait_code(pid), 0,
             "uid 65534, RLIMIT_MEMLOCK 1 page: 2nd page ENOMEM, MAP_LOCKED EAGAIN, mlockall ENOMEM"); /* needs root: setuid */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct rlimit rl = {0, 0};
        if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0)
            _exit(100);
        _exit(mlock(a, pg) == 0 ? 0 : 1);
    }
    CHECK_EQ(wait_code(pid), 0, "root (CAP_IPC_LOCK) ignores RLIMIT_MEMLOCK 0"); /* needs root: CAP_IPC_LOCK */
    munmap(a, 6 * pg);
    CHECK_DONE();
}
