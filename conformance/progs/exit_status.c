/* exit_status: exit code truncation and raw wait statuses, fatal-signal deaths without core dumps, thread exits vs group exit, leader exit with live threads, vfork _exit, atexit vs _exit. */
/* syscalls: exit, exit_group, wait4, waitid, clone, clone3, vfork, execve, kill, tgkill, gettid, getpid,
   pipe2, read, write, close, dup, fcntl, prctl, prlimit64, rt_sigprocmask, rt_sigaction, futex, set_tid_address,
   pause, clock_nanosleep, alarm */
/* area: process */
#include "check.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int pfd[2]; /* child -> parent pipe */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs fn(arg) in a forked child (which must not return) and returns the raw wait status. */
static int run(void (*fn)(long), long arg)
{
    int st;
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        fn(arg);
        _exit(250);
    }
    if (p < 0 || waitpid(p, &st, 0) != p)
        return -1;
    return st;
}

static void no_core(void)
{
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void c_exit(long code) { _exit((int)code); }
static void c_exit_group(long code) { syscall(SYS_exit_group, (int)code); }
static void c_libc_exit(long code) { exit((int)code); }

static void c_signal(long sig)
{
    no_core();
    /* An ignored disposition (SIGQUIT from a background shell) survives exec: reset it. */
    signal((int)sig, SIG_DFL);
    kill(getpid(), (int)sig);
    for (;;)
        pause();
}

static void c_segv(long unused)
{
    (void)unused;
    no_core();
    *(volatile int *)(long)16 = 1;
}

static void c_abort(long unused)
{
    (void)unused;
    no_core();
    abort();
}

static volatile int zero;
static void c_fpe(long unused)
{
    (void)unused;
    no_core();
    unsigned a = 1, b = (unsigned)zero;
    __asm__ volatile("xorl %%edx, %%edx; divl %1" : "+a"(a) : "r"(b) : "edx"); /* #DE */
}

static void c_ill(long unused)
{
    (void)unused;
    no_core();
    __builtin_trap();
}

/* ---- thread scenarios ---- */
static void *t_exit_group(void *arg)
{
    syscall(SYS_exit_group, (int)(long)arg);
    return NULL;
}

static void c_thread_exit_group(long code)
{
    pthread_t th;
    pthread_create(&th, NULL, t_exit_group, (void *)code);
    for (;;)
        pause(); /* killed by the group exit */
}

static void *t_libc_exit(void *arg)
{
    exit((int)(long)arg);
}

static void c_thread_libc_exit(long code)
{
    pthread_t th;
    pthread_create(&th, NULL, t_libc_exit, (void *)code);
    for (;;)
        pause();
}

static void *t_raw_exit(void *arg)
{
    syscall(SYS_exit, (int)(long)arg); /* ends only this thread */
    return NULL;
}

static void c_thread_raw_exit(long code)
{
    pthread_t th;
    pthread_create(&th, NULL, t_raw_exit, (void *)77);
    pthread_join(th, NULL);
    _exit((int)code);
}

/* Main thread leaves; a second thread reports it still runs, then exits the process. */
static int leader_word;

static void *t_survivor(void *arg)
{
    long mode = (long)arg;
    sleep_ms(50);
    /* mode 1: wait until the leader has really exited (its clear_child_tid word is zeroed). */
    for (int i = 0; mode == 1 && i < 200 && __atomic_load_n(&leader_word, __ATOMIC_SEQ_CST); i++) {
        struct timespec to = {0, 10000000};
        syscall(SYS_futex, &leader_word, FUTEX_WAIT, 1, &to, NULL, 0);
    }
    pid_t me = getpid();
    write(pfd[1], &me, sizeof(me));
    if (mode == 0)
        exit(9);
    if (mode == 1)
        syscall(SYS_exit, 5); /* last thread leaves with a raw exit */
    for (;;)
        pause(); /* mode 2: wait to be killed */
    return NULL;
}

static void c_main_pthread_exit(long mode)
{
    pthread_t th;
    close(pfd[0]);
    pthread_create(&th, NULL, t_survivor, (void *)mode);
    if (mode == 1) {
        leader_word = 1;
        syscall(SYS_set_tid_address, &leader_word);
        syscall(SYS_exit, 3); /* raw exit of the leader only */
    }
    pthread_exit(NULL);
}

/* Thread of a child receives a fatal signal. */
static void *t_report(void *arg)
{
    (void)arg;
    int tid = (int)syscall(SYS_gettid);
    write(pfd[1], &tid, sizeof(tid));
    for (;;)
        pause();
    return NULL;
}

static void c_thread_target(long unused)
{
    (void)unused;
    pthread_t th;
    close(pfd[0]);
    pthread_create(&th, NULL, t_report, NULL);
    for (;;)
        pause();
}

/* ---- atexit ---- */
static void h1(void) { write(pfd[1], "1", 1); }
static void h2(void) { write(pfd[1], "2", 1); }

static void c_atexit(long how)
{
    close(pfd[0]);
    atexit(h1);
    atexit(h2);
    FILE *f = fdopen(dup(pfd[1]), "w");
    if (f) {
        setvbuf(f, NULL, _IOFBF, 4096);
        fputs("B", f); /* stays in the stdio buffer */
    }
    if (how == 0)
        _exit(11);
    exit(12);
}

static int read_all(int fd, char *buf, int n)
{
    int got = 0;
    ssize_t r;
    while (got < n - 1 && (r = read(fd, buf + got, n - 1 - got)) > 0)
        got += r;
    buf[got] = 0;
    return got;
}

int main(int argc, char **argv)
{
    int st;

    if (argc > 1 && strcmp(argv[1], "ret") == 0)
        return 513; /* main's return value goes through exit(): 513 & 0xff = 1 */

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Exit codes are truncated to 8 bits. */
    {
        static const struct {
            int code, want;
        } t[] = {{0, 0}, {1, 1}, {127, 127}, {128, 128}, {255, 255}, {256, 0}, {257, 1}, {-1, 255}, {1000, 232}};
        for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
            char d[64];
            snprintf(d, sizeof(d), "_exit(%d) -> WEXITSTATUS %d", t[i].code, t[i].want);
            st = run(c_exit, t[i].code);
            CHECK(WIFEXITED(st) && !WIFSIGNALED(st) && WEXITSTATUS(st) == t[i].want, d);
        }
    }
    CHECK_EQ(run(c_exit, 3), 0x300, "raw status for exit 3 is 0x0300");
    CHECK_EQ(run(c_exit_group, 300), 300 % 256 << 8, "exit_group(300): raw status 0x2c00");
    CHECK_EQ(run(c_libc_exit, 258), 2 << 8, "exit(258) -> status 2");
    {
        siginfo_t si;
        fflush(stdout);
        pid_t p = fork();
        if (p == 0)
            _exit(512);
        memset(&si, 0x5a, sizeof(si));
        CHECK(waitid(P_PID, p, &si, WEXITED) == 0 && si.si_code == CLD_EXITED && si.si_status == 0,
              "waitid: exit(512) reported as CLD_EXITED, si_status 0");
    }
    {
        fflush(stdout);
        pid_t p = fork();
        if (p == 0) {
            char *av[] = {"/proc/self/exe", "ret", NULL};
            execv(av[0], av);
            _exit(99);
        }
        CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 1, "main returning 513 -> status 1");
    }

    /* Signal deaths, no core dump possible (RLIMIT_CORE 0, not dumpable). */
    st = run(c_signal, SIGTERM);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM && !WCOREDUMP(st) && !WIFEXITED(st) && st == SIGTERM,
          "SIGTERM death: WTERMSIG 15, no WCOREDUMP, raw status 15");
    st = run(c_signal, SIGKILL);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && st == SIGKILL, "SIGKILL death: raw status 9");
    st = run(c_signal, SIGQUIT);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGQUIT && !WCOREDUMP(st), "SIGQUIT (core action) without core: no WCOREDUMP");
    st = run(c_segv, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV && !WCOREDUMP(st), "invalid write: SIGSEGV death, no WCOREDUMP");
    st = run(c_abort, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && !WCOREDUMP(st), "abort(): SIGABRT death, no WCOREDUMP");
    st = run(c_fpe, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGFPE && !WCOREDUMP(st), "integer divide by zero: SIGFPE death");
    st = run(c_ill, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGILL && !WCOREDUMP(st), "ud2 (__builtin_trap): SIGILL death");
    {
        /* waitid's si_code and wait4's WCOREDUMP agree for the same child. */
        siginfo_t si;
        fflush(stdout);
        pid_t p = fork();
        if (p == 0)
            c_segv(0);
        memset(&si, 0, sizeof(si));
        int ok = waitid(P_PID, p, &si, WEXITED | WNOWAIT) == 0;
        ok = ok && waitpid(p, &st, 0) == p;
        CHECK(ok && si.si_status == SIGSEGV && (si.si_code == CLD_DUMPED) == (WCOREDUMP(st) != 0) && si.si_code == CLD_KILLED,
              "waitid CLD_KILLED agrees with wait4 !WCOREDUMP for the same child");
    }
    {
        /* A blocked fatal signal still kills once unblocked; SIGKILL cannot be blocked. */
        char c = 0;
        pipe2(pfd, 0);
        fflush(stdout);
        pid_t p = fork();
        if (p == 0) {
            sigset_t all;
            sigfillset(&all);
            sigprocmask(SIG_BLOCK, &all, NULL);
            write(pfd[1], "r", 1);
            for (;;)
                pause();
        }
        close(pfd[1]);
        read(pfd[0], &c, 1);
        close(pfd[0]);
        kill(p, SIGTERM);
        kill(p, SIGKILL);
        CHECK(waitpid(p, &st, 0) == p && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
              "child blocking all signals: SIGKILL wins, WTERMSIG 9");
    }

    /* Threads. */
    CHECK_EQ(run(c_thread_exit_group, 42), 42 << 8, "exit_group(42) from a non-main thread ends the process: status 42");
    CHECK_EQ(run(c_thread_libc_exit, 43), 43 << 8, "exit(43) from a non-main thread: status 43");
    CHECK_EQ(run(c_thread_raw_exit, 8), 8 << 8, "SYS_exit in a thread ends only that thread; process exits 8 later");
    for (long mode = 0; mode < 3; mode++) {
        pid_t reported = 0;
        pipe2(pfd, 0);
        fflush(stdout);
        pid_t p = fork();
        if (p == 0) {
            c_main_pthread_exit(mode);
            _exit(250);
        }
        close(pfd[1]);
        int n = read(pfd[0], &reported, sizeof(reported));
        if (mode == 0)
            CHECK(n == sizeof(reported) && reported == p,
                  "after main's pthread_exit the other thread still runs (getpid unchanged)");
        if (mode == 2)
            kill(p, SIGKILL);
        close(pfd[0]);
        CHECK_EQ(waitpid(p, &st, 0), p, "reap the process whose main thread exited first");
        if (mode == 0)
            CHECK_EQ(st, 9 << 8, "main pthread_exit, other thread exit(9): status 9");
        if (mode == 1)
            /* Linux >= 5.19 (synchronize_group_exit): the last thread to exit sets the group exit code. */
            CHECK_EQ(st, 5 << 8, "leader SYS_exit(3), last thread SYS_exit(5): status is the last thread's 5");
        if (mode == 2)
            CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL after the leader exited: WTERMSIG 9");
    }
    {
        int tid = 0;
        pipe2(pfd, 0);
        fflush(stdout);
        pid_t p = fork();
        if (p == 0) {
            c_thread_target(0);
            _exit(250);
        }
        close(pfd[1]);
        CHECK(read(pfd[0], &tid, sizeof(tid)) == sizeof(tid) && tid != p, "child thread reported its tid");
        close(pfd[0]);
        CHECK_OK(syscall(SYS_tgkill, p, tid, SIGTERM), "tgkill SIGTERM to the child's non-main thread");
        CHECK(waitpid(p, &st, 0) == p && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
              "fatal signal to one thread kills the whole process");
    }

    /* vfork child _exit. */
    {
        fflush(stdout);
        pid_t p = vfork();
        if (p == 0)
            _exit(17);
        CHECK(p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 17, "vfork child _exit(17)");
    }

    /* atexit handlers and stdio buffers: run by exit(), skipped by _exit(). */
    {
        char buf[16];
        pipe2(pfd, 0);
        st = run(c_atexit, 0);
        close(pfd[1]);
        read_all(pfd[0], buf, sizeof(buf));
        close(pfd[0]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 11, "_exit(11) status 11");
        CHECK_STREQ(buf, "", "_exit runs no atexit handlers and flushes no stdio buffers");
        pipe2(pfd, 0);
        st = run(c_atexit, 1);
        close(pfd[1]);
        read_all(pfd[0], buf, sizeof(buf));
        close(pfd[0]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 12, "exit(12) status 12");
        CHECK_STREQ(buf, "21B", "exit runs atexit handlers in reverse order, then flushes stdio");
    }

    CHECK_ERR(waitpid(-1, &st, WNOHANG), ECHILD, "no children left");
    CHECK_DONE();
}
