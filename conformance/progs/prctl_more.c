/* prctl_more: parent-death signal tied to the creating thread, subreaper reparenting (nested), inheritance across fork/execve of no_new_privs, dumpable, keepcaps, timerslack; THP, TSC, MCE, TID address, per-thread names. */
/* syscalls: prctl, clone, clone3, execve, wait4, pipe2, read, write, close, openat, getpid, getppid, gettid, getuid,
   rt_sigprocmask, rt_sigtimedwait, set_tid_address, capget, setresuid, futex, clock_nanosleep, alarm, exit_group */
/* area: prctl */
#include "check.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Re-executes ourselves to report an attribute as the exit code. */
static int exec_report(const char *what)
{
    char *av[] = {"/proc/self/exe", "report", (char *)what, NULL};
    execv(av[0], av);
    return 99;
}

static int report(const char *what)
{
    int v = -1;
    if (strcmp(what, "pdeath") == 0)
        prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0);
    else if (strcmp(what, "nnp") == 0)
        v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    else if (strcmp(what, "dumpable") == 0)
        v = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    else if (strcmp(what, "keepcaps") == 0)
        v = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
    return v < 0 ? 98 : v;
}

static long read_long_file(const char *path)
{
    char buf[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    return strtol(buf, NULL, 10);
}

/* ---- parent-death signal and the creating thread ---- */
struct pd_report {
    int sig, code, pid, ppid_before, ppid_after;
};

static int out_fd, ready_fd[2], joined_fd[2];
static pid_t mid_pid;

/* Grandchild: arm SIGUSR1 as pdeathsig (blocked), say ready, collect what arrives. */
static void pd_child(int wait_joined)
{
    sigset_t s;
    siginfo_t si;
    struct pd_report r = {0, 0, 0, getppid(), 0};
    struct timespec to = {3, 0}, zero = {0, 0};
    char c;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
    write(ready_fd[1], "r", 1);
    memset(&si, 0, sizeof(si));
    if (wait_joined) {
        read(joined_fd[0], &c, 1); /* the other thread has exited and been joined */
        r.sig = (int)syscall(SYS_rt_sigtimedwait, &s, &si, &zero, 8);
    } else {
        r.sig = (int)syscall(SYS_rt_sigtimedwait, &s, &si, &to, 8);
    }
    r.code = si.si_code;
    r.pid = si.si_pid;
    r.ppid_after = getppid();
    write(out_fd, &r, sizeof(r));
    _exit(0);
}

static void *forking_thread(void *arg)
{
    (void)arg;
    char c;
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
        pd_child(0);
    read(ready_fd[0], &c, 1);
    return (void *)(long)p; /* this thread now exits: the child's parent thread is gone */
}

static void *idle_thread(void *arg)
{
    (void)arg;
    return NULL;
}

/* Middle process, mode 0: a second thread forks the child then exits. Mode 1: the main thread forks,
 * another thread exits. */
static void mid_main(int mode)
{
    pthread_t th;
    void *ret;
    char c;
    if (mode == 0) {
        pthread_create(&th, NULL, forking_thread, NULL);
        pthread_join(th, &ret);
        _exit(wait_code((pid_t)(long)ret)); /* the main thread can still reap it */
    }
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
        pd_child(1);
    read(ready_fd[0], &c, 1);
    pthread_create(&th, NULL, idle_thread, NULL);
    pthread_join(th, NULL);
    sleep_ms(20);
    write(joined_fd[1], "j", 1);
    _exit(wait_code(p));
}

static int run_pdeath(int mode, struct pd_report *r)
{
    int out[2];
    pipe2(out, 0);
    pipe2(ready_fd, 0);
    pipe2(joined_fd, 0);
    out_fd = out[1];
    fflush(stdout);
    mid_pid = fork();
    if (mid_pid == 0)
        mid_main(mode);
    close(out[1]);
    memset(r, 0, sizeof(*r));
    int n = read(out[0], r, sizeof(*r));
    int code = wait_code(mid_pid);
    close(out[0]);
    close(ready_fd[0]);
    close(ready_fd[1]);
    close(joined_fd[0]);
    close(joined_fd[1]);
    return n == sizeof(*r) ? code : -2;
}

/* ---- subreaper ---- */
static int gp_fd[2];

/* Waits up to 2 s for our parent to change from old. */
static pid_t wait_reparent(pid_t old)
{
    for (int i = 0; i < 2000 && getppid() == old; i++)
        sleep_ms(1);
    return getppid();
}

static void *thread_namer(void *arg)
{
    char name[32] = {0};
    prctl(PR_SET_NAME, "conf-thr", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    *(int *)arg = strcmp(name, "conf-thr") == 0 ? (int)syscall(SYS_gettid) : -1;
    sleep_ms(100); /* stay alive while main reads /proc */
    return NULL;
}

int main(int argc, char **argv)
{
    int v, st;
    pid_t pid;

    if (argc > 2 && strcmp(argv[1], "report") == 0)
        return report(argv[2]);

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Parent-death signal follows the thread that forked. */
    {
        struct pd_report r;
        int code = run_pdeath(0, &r);
        CHECK_EQ(code, 0, "middle process reaped the grandchild from its main thread");
        CHECK_EQ(r.sig, SIGUSR1, "pdeathsig sent when the forking *thread* exits (process still alive)");
        CHECK(r.code == SI_USER && r.pid == mid_pid, "pdeathsig siginfo: SI_USER from the exiting parent's tgid");
        CHECK(r.ppid_before == mid_pid && r.ppid_after == mid_pid,
              "child reparented to another thread of the same process: getppid unchanged");
        code = run_pdeath(1, &r);
        CHECK_EQ(code, 0, "mode 2 middle process reaped its child");
        CHECK(r.sig == -1 && r.ppid_after == mid_pid, "exit of a non-forking thread sends no pdeathsig");
    }

    /* PR_SET/GET_PDEATHSIG details. */
    CHECK_ERR(prctl(PR_GET_PDEATHSIG, (int *)8, 0, 0, 0), EFAULT, "PR_GET_PDEATHSIG bad pointer -> EFAULT");
    CHECK_ERR(prctl(PR_SET_PDEATHSIG, -1, 0, 0, 0), EINVAL, "PR_SET_PDEATHSIG -1 -> EINVAL");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
        _exit(exec_report("pdeath"));
    }
    CHECK_EQ(wait_code(pid), SIGUSR2, "pdeathsig preserved across execve");
    CHECK(prctl(PR_SET_PDEATHSIG, SIGHUP, 0, 0, 0) == 0 && prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) == 0 &&
              prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0) == 0 && v == 0,
          "PR_SET_PDEATHSIG 0 clears it");

    /* Subreaper. */
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 2, 0, 0, 0) == 0 && prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0) == 0 && v == 1,
          "PR_SET_CHILD_SUBREAPER 2 reads back as 1");
    CHECK_ERR(prctl(PR_GET_CHILD_SUBREAPER, (int *)8, 0, 0, 0), EFAULT, "PR_GET_CHILD_SUBREAPER bad pointer -> EFAULT");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int c = -1;
        prctl(PR_GET_CHILD_SUBREAPER, &c, 0, 0, 0);
        _exit(c);
    }
    CHECK_EQ(wait_code(pid), 0, "subreaper flag is not inherited by fork");
    {
        pid_t gcs[2] = {0, 0}, newpp = 0;
        pipe2(gp_fd, 0);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            pid_t me = getpid();
            pid_t g = fork();
            if (g == 0) {
                pid_t pp = wait_reparent(me);
                pid_t self = getpid();
                write(gp_fd[1], &self, sizeof(self));
                write(gp_fd[1], &pp, sizeof(pp));
                _exit(7);
            }
            _exit(g > 0 ? 0 : 1);
        }
        close(gp_fd[1]);
        CHECK_EQ(wait_code(pid), 0, "middle child exits, orphaning its child");
        CHECK(read(gp_fd[0], &gcs[0], sizeof(pid_t)) == sizeof(pid_t) && read(gp_fd[0], &newpp, sizeof(pid_t)) == sizeof(pid_t),
              "orphan reported back");
        close(gp_fd[0]);
        CHECK_EQ(newpp, getpid(), "orphan's getppid is the subreaper (us), not init");
        CHECK_EQ(wait_code(gcs[0]), 7, "subreaper reaps the orphan by pid (exit 7)");
    }
    {
        /* Nested: the nearest subreaper ancestor adopts. us(subreaper) -> A(subreaper) -> B -> C. */
        pipe2(gp_fd, 0);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            pid_t a = getpid(), c = 0, pp = 0;
            int p2[2];
            prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
            pipe2(p2, 0);
            pid_t b = fork();
            if (b == 0) {
                pid_t bb = getpid();
                pid_t cc = fork();
                if (cc == 0) {
                    pid_t np = wait_reparent(bb);
                    write(p2[1], &np, sizeof(np));
                    _exit(8);
                }
                write(p2[1], &cc, sizeof(cc));
                _exit(0);
            }
            read(p2[0], &c, sizeof(c));
            if (wait_code(b) != 0)
                _exit(20);
            read(p2[0], &pp, sizeof(pp));
            if (pp != a)
                _exit(21);
            if (wait_code(c) != 8)
                _exit(22);
            write(gp_fd[1], &c, sizeof(c));
            _exit(0);
        }
        close(gp_fd[1]);
        pid_t c = 0;
        CHECK_EQ(wait_code(pid), 0, "nested subreaper adopted and reaped the orphaned great-grandchild");
        CHECK(read(gp_fd[0], &c, sizeof(c)) == sizeof(c) && c > 0, "great-grandchild pid reported");
        CHECK_ERR(waitpid(c, &st, WNOHANG), ECHILD, "outer subreaper never saw it");
        close(gp_fd[0]);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0) == 0 && v == 0, "PR_SET_CHILD_SUBREAPER 0 clears it");

    /* no_new_privs inheritance. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
            _exit(90);
        if (prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0) != -1 || errno != EINVAL)
            _exit(91);
        pid_t g = fork();
        if (g == 0)
            _exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        if (wait_code(g) != 1)
            _exit(92);
        _exit(exec_report("nnp"));
    }
    CHECK_EQ(wait_code(pid), 1, "no_new_privs: GET with arg2 -> EINVAL, inherited by fork, kept across execve");

    /* dumpable: inherited by fork, reset by execve. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        pid_t g = fork();
        if (g == 0)
            _exit(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        if (wait_code(g) != 0)
            _exit(50);
        _exit(exec_report("dumpable"));
    }
    CHECK_EQ(wait_code(pid), 1, "dumpable 0 inherited by fork; execve resets it to 1");
    CHECK_ERR(prctl(PR_SET_DUMPABLE, -1, 0, 0, 0), EINVAL, "PR_SET_DUMPABLE -1 -> EINVAL");

    /* timer slack: the child's default is the parent's value at fork. */
    {
        int orig = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
        CHECK(orig > 0, "PR_GET_TIMERSLACK returns a positive value");
        CHECK_EQ(read_long_file("/proc/self/timerslack_ns"), orig, "/proc/self/timerslack_ns matches");
        prctl(PR_SET_TIMERSLACK, 200000, 0, 0, 0);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            if (prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) != 200000)
                _exit(1);
            prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0);
            if (prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) != 1000 || read_long_file("/proc/self/timerslack_ns") != 1000)
                _exit(2);
            prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0);
            _exit(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 200000 ? 0 : 3);
        }
        CHECK_EQ(wait_code(pid), 0, "child inherits slack 200000; SET 0 restores that inherited default");
        prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0);
        CHECK_EQ(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), orig, "SET 0 in the parent restores its original slack");
    }

    /* keepcaps. */
    if (getuid() == 0) {
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
            struct __user_cap_data_struct d[2];
            if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
                _exit(1);
            pid_t g = fork();
            if (g == 0)
                _exit(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
            if (wait_code(g) != 1)
                _exit(2);
            if (setresuid(65534, 65534, 65534) != 0)
                _exit(3);
            if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 1)
                _exit(4);
            memset(d, 0, sizeof(d));
            if (syscall(SYS_capget, &h, d) != 0)
                _exit(5);
            if (d[0].permitted == 0 || d[0].effective != 0)
                _exit(6);
            _exit(0);
        }
        /* needs root: setresuid from root with and without keepcaps */
        CHECK_EQ(wait_code(pid), 0, "keepcaps: inherited by fork; after setresuid permitted kept, effective cleared");
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
            struct __user_cap_data_struct d[2];
            if (setresuid(65534, 65534, 65534) != 0)
                _exit(3);
            memset(d, 0xff, sizeof(d));
            if (syscall(SYS_capget, &h, d) != 0)
                _exit(5);
            _exit(d[0].permitted == 0 && d[1].permitted == 0 && d[0].effective == 0 ? 0 : 6);
        }
        /* needs root: see above */
        CHECK_EQ(wait_code(pid), 0, "without keepcaps setresuid(65534) clears the permitted set");
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
            _exit(exec_report("keepcaps"));
        }
        CHECK_EQ(wait_code(pid), 0, "keepcaps cleared by execve");
    } else {
        CHECK_SKIP("keepcaps across setresuid", "not root");
        CHECK_SKIP("permitted cleared without keepcaps", "not root");
        CHECK_SKIP("keepcaps cleared by execve", "not root");
    }

    /* PR_GET_TID_ADDRESS (CONFIG_CHECKPOINT_RESTORE). */
    {
        int *addr = NULL;
        if (prctl(PR_GET_TID_ADDRESS, &addr, 0, 0, 0) == 0) {
            CHECK(addr != NULL, "PR_GET_TID_ADDRESS: glibc registered a clear_child_tid address");
            fflush(stdout);
            pid = fork();
            if (pid == 0) {
                static int word;
                int *got = NULL;
                syscall(SYS_set_tid_address, &word);
                prctl(PR_GET_TID_ADDRESS, &got, 0, 0, 0);
                _exit(got == &word ? 0 : 1);
            }
            CHECK_EQ(wait_code(pid), 0, "PR_GET_TID_ADDRESS returns the address given to set_tid_address");
            CHECK_ERR(prctl(PR_GET_TID_ADDRESS, (int **)8, 0, 0, 0), EFAULT, "PR_GET_TID_ADDRESS bad pointer -> EFAULT");
        } else {
            CHECK_SKIP("PR_GET_TID_ADDRESS", "not configured");
            CHECK_SKIP("PR_GET_TID_ADDRESS after set_tid_address", "not configured");
            CHECK_SKIP("PR_GET_TID_ADDRESS EFAULT", "not configured");
        }
    }

    /* THP disable: per-process, inherited by fork. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0 || prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 1)
            _exit(1);
        pid_t g = fork();
        if (g == 0)
            _exit(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
        if (wait_code(g) != 1)
            _exit(2);
        if (prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0) != 0 || prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 0)
            _exit(3);
        if (prctl(PR_GET_THP_DISABLE, 1, 0, 0, 0) != -1 || errno != EINVAL)
            _exit(4);
        _exit(0);
    }
    CHECK_EQ(wait_code(pid), 0, "PR_SET/GET_THP_DISABLE round trip, inherited by fork, GET args checked");

    /* TSC (x86). */
    CHECK(prctl(PR_GET_TSC, &v, 0, 0, 0) == 0 && v == PR_TSC_ENABLE, "PR_GET_TSC: PR_TSC_ENABLE");
    CHECK_ERR(prctl(PR_SET_TSC, 3, 0, 0, 0), EINVAL, "PR_SET_TSC 3 -> EINVAL");
    CHECK_ERR(prctl(PR_GET_TSC, (int *)8, 0, 0, 0), EFAULT, "PR_GET_TSC bad pointer -> EFAULT");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        unsigned lo, hi;
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) != 0)
            _exit(1);
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        _exit(2);
    }
    CHECK_EQ(wait_code(pid), 200 + SIGSEGV, "PR_TSC_SIGSEGV: rdtsc raises SIGSEGV");

    /* Machine-check kill policy. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0) != 0 ||
            prctl(PR_MCE_KILL_GET, 0, 0, 0, 0) != PR_MCE_KILL_EARLY)
            _exit(1);
        if (prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0) != 0 || prctl(PR_MCE_KILL_GET, 0, 0, 0, 0) != PR_MCE_KILL_DEFAULT)
            _exit(2);
        if (prctl(PR_MCE_KILL, 7, 0, 0, 0) != -1 || errno != EINVAL)
            _exit(3);
        _exit(0);
    }
    CHECK_EQ(wait_code(pid), 0, "PR_MCE_KILL set early / clear / invalid -> EINVAL");

    /* Names are per thread. */
    {
        char before[32] = {0}, after[32] = {0}, comm[32] = {0}, path[64];
        int tid = 0;
        pthread_t th;
        prctl(PR_GET_NAME, before, 0, 0, 0);
        pthread_create(&th, NULL, thread_namer, &tid);
        for (int i = 0; i < 2000 && tid == 0; i++)
            sleep_ms(1);
        CHECK(tid > 0, "thread set and read back its own name");
        snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            ssize_t n = read(fd, comm, sizeof(comm) - 1);
            if (n > 0 && comm[n - 1] == '\n')
                comm[n - 1] = 0;
            close(fd);
        }
        CHECK_STREQ(comm, "conf-thr", "/proc/self/task/<tid>/comm shows the thread's name");
        prctl(PR_GET_NAME, after, 0, 0, 0);
        CHECK_STREQ(after, before, "main thread's name unchanged");
        pthread_join(th, NULL);
    }

    CHECK_ERR(prctl(-1, 0, 0, 0, 0), EINVAL, "option -1 -> EINVAL");
    CHECK_ERR(waitpid(-1, &st, WNOHANG), ECHILD, "no children left");
    CHECK_DONE();
}
