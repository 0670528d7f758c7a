/* clone3: clone3(2) struct clone_args: fork-like use, exit_signal, pidfd, settid, set_tid and argument validation. */
/* syscalls: clone3, wait4, waitid, poll, fcntl, close, read, openat, rt_sigaction, getpid, gettid, setresuid, exit_group */
/* area: process */
#include "check.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_ARGS_SIZE_VER0
#define CLONE_ARGS_SIZE_VER0 64
#endif
#ifndef CLONE_ARGS_SIZE_VER2
#define CLONE_ARGS_SIZE_VER2 88
#endif

struct cargs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
        cgroup;
};

static long c3(struct cargs *a, size_t size)
{
    fflush(stdout);
    return syscall(SYS_clone3, a, size);
}

static int wait_code(pid_t pid, int opts)
{
    int st;
    if (waitpid(pid, &st, opts) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void handler(int s)
{
    (void)s;
}

/* pid namespace nesting level from the NSpid: line (number of ids - 1), -1 if unknown. */
static int pidns_level(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int level = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "NSpid:", 6) == 0) {
            level = -1;
            for (char *p = strtok(line + 6, " \t\n"); p; p = strtok(NULL, " \t\n"))
                level++;
        }
    }
    fclose(f);
    return level;
}

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct cargs a;
    long pid;
    int pidfd;

    /* Plain fork-like clone3. */
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    pid = c3(&a, sizeof(a));
    if (pid == 0)
        _exit(getppid() > 0 ? 7 : 8);
    CHECK(pid > 0, "clone3 with exit_signal SIGCHLD returns child pid");
    if (pid > 0)
        CHECK_EQ(wait_code(pid, 0), 7, "clone3 child runs like fork and exits 7");

    /* Smallest valid size (VER0). */
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    pid = c3(&a, CLONE_ARGS_SIZE_VER0);
    if (pid == 0)
        _exit(9);
    CHECK(pid > 0 && wait_code(pid, 0) == 9, "clone3 with size CLONE_ARGS_SIZE_VER0 (64) works");

    /* Larger struct with zero tail is accepted. */
    {
        unsigned char big[256];
        memset(big, 0, sizeof(big));
        ((struct cargs *)big)->exit_signal = SIGCHLD;
        pid = c3((struct cargs *)big, sizeof(big));
        if (pid == 0)
            _exit(10);
        CHECK(pid > 0 && wait_code(pid, 0) == 10, "clone3 with larger size and zero tail works");
        big[200] = 1;
        CHECK_ERR(c3((struct cargs *)big, sizeof(big)), E2BIG, "clone3 with non-zero unknown tail -> E2BIG");
    }
    {
        static unsigned char huge[8192];
        ((struct cargs *)huge)->exit_signal = SIGCHLD;
        CHECK_ERR(c3((struct cargs *)huge, 8192), E2BIG, "clone3 with size > page size -> E2BIG");
    }

    /* Argument validation. */
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    CHECK_ERR(c3(&a, CLONE_ARGS_SIZE_VER0 - 1), EINVAL, "clone3 with size 63 -> EINVAL");
    CHECK_ERR(c3(&a, 0), EINVAL, "clone3 with size 0 -> EINVAL");
    CHECK_ERR(c3((struct cargs *)8, sizeof(a)), EFAULT, "clone3 with bad args pointer -> EFAULT");
    a.flags = 1ULL << 40;
    CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "clone3 with unknown flag bit -> EINVAL");
    a.flags = SIGCHLD; /* CSIGNAL bits are not flags in clone3 */
    CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "clone3 with CSIGNAL bits in flags -> EINVAL");
    a.flags = 0;
    a.exit_signal = 65;
    CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "clone3 with exit_signal 65 -> EINVAL");
    a.exit_signal = SIGCHLD;
    a.flags = CLONE_SIGHAND;
    CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "clone3 CLONE_SIGHAND without CLONE_VM -> EINVAL");
    a.flags = CLONE_VM | CLONE_THREAD;
    CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "clone3 CLONE_THREAD without CLONE_SIGHAND -> EINVAL");
    a.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
    CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "clone3 CLONE_CLEAR_SIGHAND with CLONE_SIGHAND -> EINVAL");
    a.flags = 0;
    {
        static char stackmem[4096];
        a.stack = (uint64_t)(uintptr_t)stackmem;
        a.stack_size = 0;
        CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "clone3 with stack pointer and stack_size 0 -> EINVAL");
        a.stack = 0;
        a.stack_size = sizeof(stackmem);
        CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "clone3 with stack_size but NULL stack -> EINVAL");
        a.stack_size = 0;
    }
    a.flags = CLONE_INTO_CGROUP;
    a.cgroup = (uint64_t)-1;
    CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "clone3 CLONE_INTO_CGROUP with cgroup > INT_MAX -> EINVAL");
    a.cgroup = 987; /* not an open fd */
    CHECK_ERR(c3(&a, sizeof(a)), EBADF, "clone3 CLONE_INTO_CGROUP with closed cgroup fd -> EBADF");
    CHECK_ERR(c3(&a, CLONE_ARGS_SIZE_VER0), EINVAL, "clone3 CLONE_INTO_CGROUP with VER0 size -> EINVAL");
    a.flags = 0;
    a.cgroup = 0;

    /* CLONE_PIDFD. */
    memset(&a, 0, sizeof(a));
    pidfd = -1;
    a.flags = CLONE_PIDFD;
    a.pidfd = (uint64_t)(uintptr_t)&pidfd;
    a.exit_signal = SIGCHLD;
    pid = c3(&a, sizeof(a));
    if (pid == 0) {
        usleep(30000);
        _exit(12);
    }
    CHECK(pid > 0, "clone3 CLONE_PIDFD creates a child");
    if (pid > 0) {
        struct pollfd pfd = {pidfd, POLLIN, 0};
        CHECK(pidfd >= 0, "CLONE_PIDFD stores a pidfd");
        CHECK_EQ(fcntl(pidfd, F_GETFD), FD_CLOEXEC, "clone3 pidfd has close-on-exec set");
        CHECK_EQ(poll(&pfd, 1, 2000), 1, "pidfd becomes readable when the child exits");
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        CHECK_OK(waitid(P_PIDFD, pidfd, &si, WEXITED), "waitid(P_PIDFD) on clone3 pidfd");
        CHECK(si.si_pid == pid && si.si_status == 12 && si.si_code == CLD_EXITED,
              "waitid(P_PIDFD) reports the child's pid and exit status 12");
        close(pidfd);
    }

    /* exit_signal 0: needs __WCLONE; use a pidfd to know when it has exited. */
    memset(&a, 0, sizeof(a));
    pidfd = -1;
    a.flags = CLONE_PIDFD;
    a.pidfd = (uint64_t)(uintptr_t)&pidfd;
    a.exit_signal = 0;
    pid = c3(&a, sizeof(a));
    if (pid == 0)
        _exit(13);
    if (pid > 0 && pidfd >= 0) {
        struct pollfd pfd = {pidfd, POLLIN, 0};
        int st;
        CHECK_EQ(poll(&pfd, 1, 2000), 1, "exit_signal 0 child: pidfd readable at exit");
        CHECK_ERR(waitpid(pid, &st, WNOHANG), ECHILD, "exit_signal 0 child: waitpid without __WCLONE -> ECHILD");
        CHECK_EQ(wait_code(pid, __WCLONE), 13, "exit_signal 0 child reaped with __WCLONE");
        close(pidfd);
    } else
        CHECK(0, "clone3 with exit_signal 0");

    /* CLONE_PARENT_SETTID and CLONE_CHILD_SETTID. */
    {
        pid_t ptid = 0, ctid = 0;
        memset(&a, 0, sizeof(a));
        a.flags = CLONE_PARENT_SETTID | CLONE_CHILD_SETTID;
        a.parent_tid = (uint64_t)(uintptr_t)&ptid;
        a.child_tid = (uint64_t)(uintptr_t)&ctid;
        a.exit_signal = SIGCHLD;
        pid = c3(&a, sizeof(a));
        if (pid == 0)
            _exit(ctid == (pid_t)syscall(SYS_gettid) && ctid == getpid() ? 0 : 1);
        CHECK(pid > 0, "clone3 with SETTID flags");
        if (pid > 0) {
            CHECK_EQ(ptid, pid, "CLONE_PARENT_SETTID stores child tid in parent memory");
            CHECK_EQ(ctid, 0, "CLONE_CHILD_SETTID does not write parent memory (no CLONE_VM)");
            CHECK_EQ(wait_code(pid, 0), 0, "CLONE_CHILD_SETTID wrote tid in the child's memory");
        }
    }

    /* CLONE_CLEAR_SIGHAND resets handlers to default; ignored stays ignored. */
    {
        signal(SIGUSR1, handler);
        signal(SIGUSR2, SIG_IGN);
        memset(&a, 0, sizeof(a));
        a.flags = CLONE_CLEAR_SIGHAND;
        a.exit_signal = SIGCHLD;
        pid = c3(&a, sizeof(a));
        if (pid == 0) {
            struct sigaction s1, s2;
            sigaction(SIGUSR1, NULL, &s1);
            sigaction(SIGUSR2, NULL, &s2);
            _exit((s1.sa_handler == SIG_DFL ? 0 : 1) | (s2.sa_handler == SIG_IGN ? 0 : 2));
        }
        CHECK_EQ(pid > 0 ? wait_code(pid, 0) : -1, 0,
                 "CLONE_CLEAR_SIGHAND: handled signal reset to SIG_DFL, SIG_IGN kept");
        memset(&a, 0, sizeof(a));
        a.exit_signal = SIGCHLD;
        pid = c3(&a, sizeof(a));
        if (pid == 0) {
            struct sigaction s1;
            sigaction(SIGUSR1, NULL, &s1);
            _exit(s1.sa_handler == handler ? 0 : 1);
        }
        CHECK_EQ(pid > 0 ? wait_code(pid, 0) : -1, 0, "without CLONE_CLEAR_SIGHAND the handler is inherited");
        signal(SIGUSR1, SIG_DFL);
        signal(SIGUSR2, SIG_DFL);
    }

    /* set_tid validation. */
    {
        pid_t tids[40];
        int level = pidns_level();
        memset(&a, 0, sizeof(a));
        a.exit_signal = SIGCHLD;
        a.set_tid_size = 1;
        CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "set_tid_size without set_tid array -> EINVAL");
        tids[0] = getpid();
        a.set_tid = (uint64_t)(uintptr_t)tids;
        a.set_tid_size = 33;
        CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "set_tid_size > 32 -> EINVAL");
        if (level >= 0) {
            for (int i = 0; i < 40; i++)
                tids[i] = getpid();
            /* 32 passes the MAX_PID_NS_LEVEL check but is deeper than any real nesting; the
             * level itself cannot be read reliably (NSpid stops at the /proc mount's ns). */
            a.set_tid_size = 32;
            CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "set_tid_size 32, deeper than pid ns nesting -> EINVAL");
            for (int i = 0; i <= level; i++)
                tids[i] = getpid(); /* outermost entry is last; all are in use somewhere */
            a.set_tid_size = 1;
            tids[0] = -5;
            CHECK_ERR(c3(&a, sizeof(a)), EINVAL, "set_tid with negative pid -> EINVAL");
        } else
            CHECK_SKIP("set_tid_size deeper than pid ns nesting", "no NSpid line");
        /* needs root: CAP_SYS_ADMIN/CAP_CHECKPOINT_RESTORE over the pid namespace. An unprivileged
         * caller is refused before the pid is looked at. */
        fflush(stdout);
        pid_t k = fork();
        if (k == 0) {
            if (setresuid(65534, 65534, 65534) != 0)
                _exit(50);
            struct cargs b;
            pid_t t[1] = {getpid()};
            memset(&b, 0, sizeof(b));
            b.exit_signal = SIGCHLD;
            b.set_tid = (uint64_t)(uintptr_t)t;
            b.set_tid_size = 1;
            long r = syscall(SYS_clone3, &b, sizeof(b));
            if (r == 0)
                _exit(0);
            _exit(r == -1 && errno == EPERM ? 0 : 1);
        }
        CHECK_EQ(k > 0 ? wait_code(k, 0) : -1, 0, "set_tid as uid 65534 -> EPERM");
        if (level == 0) {
            /* needs root: in the initial pid ns, asking for an in-use pid -> EEXIST. */
            tids[0] = getpid();
            a.set_tid_size = 1;
            pid = c3(&a, sizeof(a));
            if (pid == 0)
                _exit(0);
            if (pid > 0)
                wait_code(pid, 0);
            CHECK(pid == -1 && errno == EEXIST, "set_tid with a pid in use -> EEXIST (root)");
        } else
            CHECK_SKIP("set_tid with a pid in use -> EEXIST", "not in the initial pid namespace");
    }

    CHECK_ERR(waitpid(-1, NULL, WNOHANG | __WALL), ECHILD, "no leftover children");
    CHECK_DONE();
}
