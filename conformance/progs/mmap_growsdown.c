/* mmap_growsdown: MAP_GROWSDOWN expansion, stack guard gap, RLIMIT_STACK, main-thread stack growth, [stack]. */
/* syscalls: mmap, munmap, mprotect, getrlimit, setrlimit, prlimit64, rt_sigaction, sigaltstack, fork, wait4, openat, read */
/* area: memory */
#include "check.h"

#include <alloca.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB (1024UL * 1024)

static long pg;
static sigjmp_buf jb;
static volatile int f_sig, f_code;
static void *volatile f_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    f_sig = sig;
    f_code = si->si_code;
    f_addr = si->si_addr;
    siglongjmp(jb, 1);
}

static void install(int onstack)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | (onstack ? SA_ONSTACK : 0);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

/* Writes v at p; returns 1 if it faulted. */
static int touch(volatile char *p, char v)
{
    f_sig = 0;
    f_addr = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        *p = v;
        return 0;
    }
    return 1;
}

/* Finds the /proc/self/maps entry containing addr (or, with name, the entry so named). */
static int find_vma(uintptr_t addr, const char *name, uintptr_t *start, uintptr_t *end, char perms[5])
{
    static char buf[1 << 16];
    int fd = open("/proc/self/maps", O_RDONLY), found = 0;
    ssize_t len = 0, r;
    if (fd < 0)
        return 0;
    while (len < (ssize_t)sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += r;
    close(fd);
    buf[len] = 0;
    for (char *line = buf; line && *line;) {
        unsigned long a, b;
        char p[5];
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (!found && sscanf(line, "%lx-%lx %4s", &a, &b, p) == 3 &&
            (name ? strstr(line, name) != NULL : (addr >= a && addr < b))) {
            *start = a;
            *end = b;
            if (perms)
                memcpy(perms, p, 5);
            found = 1;
        }
        if (nl)
            *nl = '\n';
        line = nl ? nl + 1 : NULL;
    }
    return found;
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Recursion that uses about 4 KiB of stack per level. */
static int recurse(int depth)
{
    volatile char frame[4000];
    frame[0] = (char)depth;
    frame[sizeof(frame) - 1] = (char)depth;
    if (depth <= 0)
        return frame[0];
    return recurse(depth - 1) + frame[sizeof(frame) - 1];
}

static volatile int stop_depth = -1; /* never reached: recursion stops only by overflow */
static int recurse_forever(int depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (depth == stop_depth)
        return 0;
    return recurse_forever(depth + 1) + frame[0];
}

static int use_alloca(size_t n)
{
    volatile char *p = alloca(n);
    for (size_t i = n; i >= (size_t)pg; i -= pg)
        p[i - 1] = 1; /* from the top down, as a real stack would be used */
    p[0] = 2;
    return p[0] + p[n - 1];
}

static char altstack[65536];

int main(void)
{
    uintptr_t s, e, s2, e2;
    char perms[5];
    struct rlimit rl;
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pg = sysconf(_SC_PAGESIZE);
    install(0);

    /* Make sure RLIMIT_STACK leaves room for the growth done below. */
    getrlimit(RLIMIT_STACK, &rl);
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 16 * MB) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= 16 * MB ? 16 * MB : rl.rlim_max;
        setrlimit(RLIMIT_STACK, &rl);
    }

    /* Layout: [low RW page] ... 8 MiB hole ... [growsdown mapping, 4 pages]. */
    char *res = mmap(NULL, 8 * MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(res != MAP_FAILED, "reserve 8 MiB");
    if (res == MAP_FAILED)
        CHECK_DONE();
    char *low = mmap(res, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    char *g = mmap(res + 8 * MB - 4 * pg, 4 * pg, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
    CHECK(low == res && g == res + 8 * MB - 4 * pg, "MAP_FIXED|MAP_GROWSDOWN mapping created");
    CHECK_OK(munmap(res + pg, 8 * MB - 5 * pg), "unmap the hole between them");
    CHECK(find_vma((uintptr_t)g, NULL, &s, &e, NULL) && s == (uintptr_t)g && e == (uintptr_t)g + 4 * pg,
          "maps entry of the growsdown mapping starts at its address");

    /* Touch just below: the mapping grows by one page. */
    CHECK_EQ(touch(g - 8, 'x'), 0, "write 8 bytes below a growsdown mapping does not fault");
    CHECK(find_vma((uintptr_t)g - 8, NULL, &s, &e, NULL) && s == (uintptr_t)g - pg && e == (uintptr_t)g + 4 * pg,
          "mapping grew down by exactly one page");
    CHECK(g[-8] == 'x' && g[-pg] == 0 && g[-16] == 0, "grown page keeps the write, rest zero-filled");

    /* Touch 2 MiB below (still far from the low page): grows to cover it. */
    char *far = g - 2 * MB;
    CHECK_EQ(touch(far, 'y'), 0, "write 2 MiB below the mapping grows it");
    CHECK(find_vma((uintptr_t)far, NULL, &s, &e, NULL) && s == (uintptr_t)far - ((uintptr_t)far % pg) &&
              e == (uintptr_t)g + 4 * pg,
          "one entry now spans from the touched page to the original end");
    CHECK(g[-8] == 'x' && far[0] == 'y' && far[pg] == 0, "contents kept, intermediate pages zero");

    /* The guard gap keeps hinted mappings away from the growsdown start. */
    {
        char *hint = (char *)s - 4 * pg;
        char *m = mmap(hint, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(m != MAP_FAILED && m != hint, "hint inside the stack guard gap is not honoured");
        if (m != MAP_FAILED)
            munmap(m, pg);
    }

    /* mprotect with PROT_GROWSDOWN extends the change to the start of the mapping. */
    CHECK_OK(mprotect(g, pg, PROT_READ | PROT_GROWSDOWN), "mprotect(PROT_READ|PROT_GROWSDOWN) on growsdown mapping");
    CHECK(find_vma(s, NULL, &s2, &e2, perms) && s2 == s && strncmp(perms, "r--", 3) == 0,
          "whole lower part of the mapping became read-only");
    CHECK(touch(far, 'z') == 1 && f_sig == SIGSEGV && f_code == SEGV_ACCERR && f_addr == far,
          "write into it now SIGSEGV/SEGV_ACCERR at the exact address");
    CHECK_OK(mprotect(far - ((uintptr_t)far % pg), 4 * pg + 2 * MB, PROT_READ | PROT_WRITE), "restore RW");
    CHECK_EQ(touch(far, 'z'), 0, "write works again");
    CHECK_ERR(mprotect(low, pg, PROT_READ | PROT_GROWSDOWN), EINVAL,
              "PROT_GROWSDOWN on a normal mapping -> EINVAL");

    /* Inside the guard gap above the accessible low page: no growth, SIGSEGV. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *p = low + pg + 64 * 1024;
        if (!touch(p, 1))
            _exit(1);
        if (f_sig != SIGSEGV)
            _exit(2);
        if (f_code != SEGV_MAPERR)
            _exit(3);
        if (f_addr != p)
            _exit(4);
        if (!find_vma((uintptr_t)g, NULL, &s2, &e2, NULL) || s2 != s)
            _exit(5); /* mapping unchanged */
        _exit(0);
    }
    CHECK_EQ(wait_code(pid), 0, "child: touch inside the guard gap -> SIGSEGV SEGV_MAPERR, exact si_addr");

    /* Growth limited by RLIMIT_STACK. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct rlimit small = {64 * 1024, 64 * 1024};
        if (setrlimit(RLIMIT_STACK, &small) != 0)
            _exit(9);
        char *p = (char *)s - 1 * MB;
        if (!touch(p, 1))
            _exit(1);
        _exit(f_sig == SIGSEGV && f_code == SEGV_MAPERR && f_addr == p ? 0 : 2);
    }
    CHECK_EQ(wait_code(pid), 0, "child: growth beyond RLIMIT_STACK (64 KiB) -> SIGSEGV");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *p = (char *)s - 1 * MB;
        _exit(touch(p, 1) ? 1 : (find_vma((uintptr_t)p, NULL, &s2, &e2, NULL) && s2 < s) ? 0 : 2);
    }
    CHECK_EQ(wait_code(pid), 0, "child: the same touch with the normal limit grows the mapping");
    munmap(low, pg);
    munmap((void *)s, (uintptr_t)g + 4 * pg - s);

    /* The main thread stack. */
    {
        int local = 0;
        uintptr_t ss, se, ss2, se2;
        CHECK(find_vma(0, "[stack]", &ss, &se, NULL), "/proc/self/maps has a [stack] entry");
        CHECK((uintptr_t)&local >= ss && (uintptr_t)&local < se, "a local variable lies inside [stack]");
        getrlimit(RLIMIT_STACK, &rl);
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 8 * MB) {
            CHECK_SKIP("deep recursion grows [stack]", "RLIMIT_STACK below 8 MiB");
            CHECK_SKIP("alloca grows [stack]", "RLIMIT_STACK below 8 MiB");
        } else {
            int want = 0;
            for (int d = 1; d <= 512; d++)
                want += (char)d;
            CHECK_EQ(recurse(512), want, "recursion 512 x 4 KiB completes with the right result");
            CHECK(find_vma(0, "[stack]", &ss2, &se2, NULL) && se2 == se && ss2 + 1 * MB <= ss,
                  "deep recursion (~2 MB) grew [stack] down by >= 1 MiB");
            ss = ss2;
            CHECK_EQ(use_alloca(4 * MB), 3, "alloca(4 MiB) usable");
            CHECK(find_vma(0, "[stack]", &ss2, &se2, NULL) && ss2 < ss && se - ss2 >= 4 * MB,
                  "alloca grew [stack] further");
        }
    }

    /* Unbounded recursion past RLIMIT_STACK. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct rlimit small = {1 * MB, 1 * MB};
        signal(SIGSEGV, SIG_DFL);
        setrlimit(RLIMIT_STACK, &small);
        _exit(recurse_forever(0) == 12345 ? 1 : 2);
    }
    CHECK_EQ(wait_code(pid), 200 + SIGSEGV, "child: unbounded recursion is killed by SIGSEGV");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct rlimit small = {1 * MB, 1 * MB};
        stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0};
        if (sigaltstack(&ss, NULL) != 0)
            _exit(9);
        install(1);
        setrlimit(RLIMIT_STACK, &small);
        f_sig = 0;
        if (sigsetjmp(jb, 1) == 0)
            _exit(recurse_forever(0) == 12345 ? 1 : 2);
        _exit(f_sig == SIGSEGV ? 0 : 3);
    }
    CHECK_EQ(wait_code(pid), 0, "child: stack overflow SIGSEGV caught on sigaltstack");
    CHECK_DONE();
}
