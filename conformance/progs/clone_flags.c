/* clone_flags: clone(2) sharing flags (VM, FILES, FS, SIGHAND, THREAD), settid, exit signal, vfork. */
/* syscalls: clone, wait4, mmap, munmap, openat, fcntl, close, chdir, fchdir, getcwd, umask, rt_sigaction, rt_sigprocmask, rt_sigtimedwait, gettid, getpid, futex, nanosleep, clock_gettime, exit, exit_group */
/* area: process */
#include "check.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK_SIZE (128 * 1024)

static volatile int shared_value;
static volatile int child_fd = -1;
static volatile pid_t child_tid_seen, child_pid_seen;
static volatile pid_t ptid_word, ctid_word;
static void *stacks[16];
static int nstacks;

static void *new_stack(void)
{
    void *s = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (s == MAP_FAILED)
        return NULL;
    if (nstacks < 16)
        stacks[nstacks++] = s;
    return (char *)s + STACK_SIZE;
}

static pid_t do_clone(int (*fn)(void *), int flags, void *arg, pid_t *ptid, pid_t *ctid)
{
    void *top = new_stack();
    if (!top) {
        errno = ENOMEM;
        return -1;
    }
    fflush(stdout);
    return clone(fn, top, flags, arg, ptid, NULL, ctid);
}

static int wait_code(pid_t pid, int opts)
{
    int st;
    if (waitpid(pid, &st, opts) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int fn_write(void *arg)
{
    shared_value = (int)(intptr_t)arg;
    return 3;
}

static int fn_open(void *arg)
{
    (void)arg;
    child_fd = open("/dev/null", O_RDONLY);
    return child_fd >= 0 ? 0 : 1;
}

static int fn_chdir(void *arg)
{
    if (chdir((const char *)arg) != 0)
        return 1;
    umask(0027);
    return 0;
}

static void usr2_handler(int sig)
{
    (void)sig;
}

static int fn_sigaction(void *arg)
{
    (void)arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = usr2_handler;
    return sigaction(SIGUSR2, &sa, NULL) == 0 ? 0 : 1;
}

static int fn_ids(void *arg)
{
    (void)arg;
    child_tid_seen = (pid_t)syscall(SYS_gettid);
    child_pid_seen = getpid();
    return 0;
}

/* Child without CLONE_VM: checks its own copy of the CLONE_CHILD_SETTID word. */
static int fn_check_ctid(void *arg)
{
    (void)arg;
    return ctid_word == (pid_t)syscall(SYS_gettid) ? 0 : 1;
}

static int fn_sleep_set(void *arg)
{
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    shared_value = (int)(intptr_t)arg;
    return 0;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t pid;
    int st;

    /* CLONE_VM: memory shared; without it, a private copy. */
    shared_value = 0;
    pid = do_clone(fn_write, CLONE_VM | SIGCHLD, (void *)(intptr_t)11, NULL, NULL);
    CHECK(pid > 0, "clone(CLONE_VM|SIGCHLD) returns a child pid");
    if (pid > 0) {
        CHECK_EQ(wait_code(pid, 0), 3, "CLONE_VM child: fn return value is the exit status");
        CHECK_EQ(shared_value, 11, "CLONE_VM: child's write visible in parent");
    }
    shared_value = 0;
    pid = do_clone(fn_write, SIGCHLD, (void *)(intptr_t)12, NULL, NULL);
    if (pid > 0) {
        CHECK_EQ(wait_code(pid, 0), 3, "clone(SIGCHLD) child exits with fn return value");
        CHECK_EQ(shared_value, 0, "without CLONE_VM: child's write not visible in parent");
    } else
        CHECK(0, "clone(SIGCHLD)");

    /* CLONE_FILES: fd opened in the child appears in the parent's table. */
    child_fd = -1;
    pid = do_clone(fn_open, CLONE_VM | CLONE_FILES | SIGCHLD, NULL, NULL, NULL);
    if (pid > 0 && wait_code(pid, 0) == 0 && child_fd >= 0) {
        CHECK_OK(fcntl(child_fd, F_GETFD), "CLONE_FILES: fd opened by child is valid in parent");
        close(child_fd);
    } else
        CHECK(0, "CLONE_FILES child opened a fd");
    child_fd = -1;
    pid = do_clone(fn_open, CLONE_VM | SIGCHLD, NULL, NULL, NULL);
    if (pid > 0 && wait_code(pid, 0) == 0 && child_fd >= 0) {
        /* The child's table was a copy; the slot it used is free in ours. */
        CHECK_ERR(fcntl(child_fd, F_GETFD), EBADF, "without CLONE_FILES: child's fd not in parent -> EBADF");
    } else
        CHECK(0, "non-CLONE_FILES child opened a fd");

    /* CLONE_FS: cwd and umask shared. */
    {
        int here = open(".", O_PATH | O_DIRECTORY);
        mode_t old = umask(0022);
        char buf[256];
        pid = do_clone(fn_chdir, CLONE_VM | CLONE_FS | SIGCHLD, (void *)"/tmp", NULL, NULL);
        CHECK_EQ(pid > 0 ? wait_code(pid, 0) : -1, 0, "CLONE_FS child chdir(/tmp) succeeded");
        CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/tmp") == 0, "CLONE_FS: child's chdir changes parent's cwd");
        CHECK_EQ(umask(0022), 0027, "CLONE_FS: child's umask visible in parent");
        chdir("/");
        pid = do_clone(fn_chdir, CLONE_VM | SIGCHLD, (void *)"/tmp", NULL, NULL);
        CHECK_EQ(pid > 0 ? wait_code(pid, 0) : -1, 0, "non-CLONE_FS child chdir(/tmp) succeeded");
        CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0, "without CLONE_FS: parent's cwd unchanged");
        CHECK_EQ(umask(old), 0022, "without CLONE_FS: parent's umask unchanged");
        if (here >= 0) {
            fchdir(here);
            close(here);
        }
    }

    /* CLONE_SIGHAND: handler table shared. */
    {
        struct sigaction sa;
        signal(SIGUSR2, SIG_DFL);
        pid = do_clone(fn_sigaction, CLONE_VM | CLONE_SIGHAND | SIGCHLD, NULL, NULL, NULL);
        CHECK_EQ(pid > 0 ? wait_code(pid, 0) : -1, 0, "CLONE_SIGHAND child installed a handler");
        sigaction(SIGUSR2, NULL, &sa);
        CHECK(sa.sa_handler == usr2_handler, "CLONE_SIGHAND: child's sigaction visible in parent");
        signal(SIGUSR2, SIG_DFL);
        pid = do_clone(fn_sigaction, CLONE_VM | SIGCHLD, NULL, NULL, NULL);
        CHECK_EQ(pid > 0 ? wait_code(pid, 0) : -1, 0, "non-CLONE_SIGHAND child installed a handler");
        sigaction(SIGUSR2, NULL, &sa);
        CHECK(sa.sa_handler == SIG_DFL, "without CLONE_SIGHAND: parent's handler unchanged");
    }

    /* Invalid flag combinations (raw syscall; none of these creates a child). */
    CHECK_ERR(syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, NULL, NULL, NULL, NULL), EINVAL,
              "CLONE_SIGHAND without CLONE_VM -> EINVAL");
    CHECK_ERR(syscall(SYS_clone, CLONE_VM | CLONE_THREAD, NULL, NULL, NULL, NULL), EINVAL,
              "CLONE_THREAD without CLONE_SIGHAND -> EINVAL");
    CHECK_ERR(syscall(SYS_clone, CLONE_FS | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, NULL), EINVAL,
              "CLONE_FS with CLONE_NEWNS -> EINVAL");
    CHECK_ERR(syscall(SYS_clone, CLONE_FS | CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL), EINVAL,
              "CLONE_FS with CLONE_NEWUSER -> EINVAL");
    CHECK_ERR(syscall(SYS_clone, CLONE_PIDFD | 0x00400000 /* CLONE_DETACHED */ | SIGCHLD, NULL, NULL, NULL, NULL),
              EINVAL, "CLONE_PIDFD with CLONE_DETACHED -> EINVAL");
    CHECK_ERR(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, NULL, &ptid_word, NULL, NULL),
              EINVAL, "CLONE_PIDFD with CLONE_PARENT_SETTID (same pointer slot) -> EINVAL");

    /* CLONE_PARENT_SETTID / CLONE_CHILD_SETTID. */
    ptid_word = 0;
    ctid_word = 0;
    pid = do_clone(fn_ids, CLONE_VM | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, NULL,
                   (pid_t *)&ptid_word, (pid_t *)&ctid_word);
    if (pid > 0) {
        CHECK_EQ(wait_code(pid, 0), 0, "settid child exits 0");
        CHECK_EQ(ptid_word, pid, "CLONE_PARENT_SETTID writes the child tid into the parent's word");
        CHECK_EQ(ctid_word, pid, "CLONE_CHILD_SETTID writes the child tid (shared VM)");
        CHECK_EQ(child_tid_seen, pid, "child's gettid() equals returned pid");
        CHECK_EQ(child_pid_seen, pid, "non-thread child's getpid() equals its tid");
    } else
        CHECK(0, "clone with SETTID flags");
    ctid_word = 0;
    pid = do_clone(fn_check_ctid, CLONE_CHILD_SETTID | SIGCHLD, NULL, NULL, (pid_t *)&ctid_word);
    CHECK_EQ(pid > 0 ? wait_code(pid, 0) : -1, 0, "CLONE_CHILD_SETTID writes the tid into the child's own copy");
    CHECK_EQ(ctid_word, 0, "CLONE_CHILD_SETTID without CLONE_VM does not touch parent's memory");

    /* Exit signal 0: a "clone" child, invisible to plain waitpid. */
    pid = do_clone(fn_write, CLONE_VM, (void *)(intptr_t)5, NULL, NULL);
    if (pid > 0) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        for (int i = 0; i < 100 && shared_value != 5; i++)
            nanosleep(&ts, NULL);
        nanosleep(&ts, NULL);
        CHECK_ERR(waitpid(pid, &st, WNOHANG), ECHILD, "exit signal 0 child: waitpid without __WCLONE -> ECHILD");
        CHECK_EQ(wait_code(pid, __WCLONE), 3, "exit signal 0 child reaped with __WCLONE");
    } else
        CHECK(0, "clone with exit signal 0");
    pid = do_clone(fn_write, CLONE_VM, (void *)(intptr_t)6, NULL, NULL);
    CHECK_EQ(pid > 0 ? wait_code(pid, __WALL) : -1, 3, "exit signal 0 child reaped with __WALL");

    /* Exit signal SIGUSR1 delivered to the parent on child death. */
    {
        sigset_t set, old;
        siginfo_t si;
        struct timespec to = {2, 0};
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, &old);
        pid = do_clone(fn_write, CLONE_VM | SIGUSR1, (void *)(intptr_t)7, NULL, NULL);
        if (pid > 0) {
            int sig = sigtimedwait(&set, &si, &to);
            CHECK_EQ(sig, SIGUSR1, "exit signal SIGUSR1 sent to parent when child exits");
            CHECK_EQ(si.si_pid, pid, "exit signal carries child's pid in si_pid");
            CHECK_EQ(wait_code(pid, __WCLONE), 3, "SIGUSR1-exit child reaped with __WCLONE");
        } else
            CHECK(0, "clone with exit signal SIGUSR1");
        sigprocmask(SIG_SETMASK, &old, NULL);
    }

    /* CLONE_VFORK: parent suspended until the child exits. */
    shared_value = 0;
    {
        double t0 = now_sec();
        pid = do_clone(fn_sleep_set, CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)(intptr_t)21, NULL, NULL);
        double dt = now_sec() - t0;
        int seen = shared_value;
        CHECK(pid > 0, "clone(CLONE_VFORK) returns");
        CHECK_EQ(seen, 21, "CLONE_VFORK: child finished before the parent resumed");
        CHECK(dt >= 0.049 && dt < 2.0, "CLONE_VFORK: parent blocked for the child's 50 ms sleep");
        if (pid > 0)
            CHECK_EQ(wait_code(pid, 0), 0, "vfork child reaped");
    }

    /* CLONE_THREAD: same pid, different tid, not waitable, CLONE_CHILD_CLEARTID wakes us. */
    {
        child_tid_seen = child_pid_seen = 0;
        ctid_word = -1;
        pid = do_clone(fn_ids, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                                   CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID,
                       NULL, (pid_t *)&ctid_word, (pid_t *)&ctid_word);
        CHECK(pid > 0, "clone(CLONE_THREAD) creates a thread");
        if (pid > 0) {
            struct timespec to = {0, 100 * 1000 * 1000};
            for (int i = 0; i < 20 && ctid_word != 0; i++) {
                pid_t v = ctid_word;
                if (v != 0)
                    syscall(SYS_futex, &ctid_word, FUTEX_WAIT, v, &to, NULL, 0);
            }
            CHECK_EQ(ctid_word, 0, "thread exit clears CLONE_CHILD_CLEARTID word");
            CHECK_EQ(child_pid_seen, getpid(), "thread's getpid() equals the parent's");
            CHECK_EQ(child_tid_seen, pid, "thread's gettid() equals the clone return value");
            CHECK(child_tid_seen != getpid(), "thread's tid differs from the process pid");
            CHECK_ERR(waitpid(pid, &st, WNOHANG | __WALL), ECHILD, "a thread is not a waitable child");
        }
    }

    for (int i = 0; i < nstacks; i++)
        munmap(stacks[i], STACK_SIZE);
    CHECK_DONE();
}
