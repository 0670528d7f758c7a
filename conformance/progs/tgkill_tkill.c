/* tgkill_tkill: thread-directed signals (tgkill, tkill, rt_tgsigqueueinfo): target thread, per-thread vs shared pending, delivery to the only unblocked thread, si_code rules, errnos. */
/* syscalls: tgkill, tkill, kill, rt_tgsigqueueinfo, rt_sigqueueinfo, rt_sigaction, rt_sigprocmask,
   rt_sigpending, rt_sigtimedwait, rt_sigreturn, gettid, getpid, getppid, getuid, clone, clone3, wait4,
   futex, setgroups, setgid, setuid, clock_nanosleep, alarm, write, exit_group */
/* area: signals */
#include "check.h"

#include <limits.h>
#include <pthread.h>
#include <grp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int gettid_(void)
{
    return (int)syscall(SYS_gettid);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Raw rt_sigtimedwait: glibc's sigtimedwait rewrites SI_TKILL to SI_USER. */
static int rt_timedwait(const sigset_t *s, siginfo_t *si, const struct timespec *ts)
{
    return (int)syscall(SYS_rt_sigtimedwait, s, si, ts, 8);
}

/* SIGUSR1 handler records where and how it ran. */
static volatile int h_count, h_tid, h_code, h_pid, h_uid;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    h_tid = gettid_();
    h_code = si->si_code;
    h_pid = si->si_pid;
    h_uid = si->si_uid;
    __atomic_add_fetch(&h_count, 1, __ATOMIC_SEQ_CST);
}

/* Waits (<= 2 s) for the handler count to exceed c. */
static int wait_handler(int c)
{
    for (int i = 0; i < 2000 && __atomic_load_n(&h_count, __ATOMIC_SEQ_CST) <= c; i++)
        sleep_ms(1);
    return __atomic_load_n(&h_count, __ATOMIC_SEQ_CST) > c;
}

/* Worker threads run small commands for the main thread. */
struct worker {
    pthread_t th;
    volatile int tid;
    volatile int seq, done;
    void (*fn)(struct worker *);
    int arg;
    long res;
    int err;
    sigset_t set;
    siginfo_t si;
};

static void *worker_main(void *p)
{
    struct worker *w = p;
    __atomic_store_n(&w->tid, gettid_(), __ATOMIC_SEQ_CST);
    for (;;) {
        while (__atomic_load_n(&w->seq, __ATOMIC_SEQ_CST) == w->done)
            sleep_ms(1);
        if (!w->fn)
            return NULL;
        w->fn(w);
        __atomic_store_n(&w->done, w->seq, __ATOMIC_SEQ_CST);
    }
}

static int run_in(struct worker *w, void (*fn)(struct worker *), int arg)
{
    w->fn = fn;
    w->arg = arg;
    int s = __atomic_add_fetch(&w->seq, 1, __ATOMIC_SEQ_CST);
    if (!fn)
        return 1; /* the worker exits; the caller joins it */
    for (int i = 0; i < 2000 && __atomic_load_n(&w->done, __ATOMIC_SEQ_CST) != s; i++)
        sleep_ms(1);
    return __atomic_load_n(&w->done, __ATOMIC_SEQ_CST) == s;
}

static void w_unblock(struct worker *w)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, w->arg);
    w->res = pthread_sigmask(SIG_UNBLOCK, &s, NULL);
}

static void w_block(struct worker *w)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, w->arg);
    w->res = pthread_sigmask(SIG_BLOCK, &s, NULL);
}

static void w_pending(struct worker *w)
{
    w->res = sigpending(&w->set);
}

static void w_take(struct worker *w)
{
    sigset_t s;
    struct timespec zero = {0, 0};
    sigemptyset(&s);
    sigaddset(&s, w->arg);
    memset(&w->si, 0, sizeof(w->si));
    errno = 0;
    w->res = rt_timedwait(&s, &w->si, &zero);
    w->err = errno;
}

static void w_self_tgkill(struct worker *w)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    int c = h_count;
    syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1);
    /* The handler must already have run when tgkill returns to user space. */
    w->res = h_count == c + 1 && h_tid == gettid_();
    pthread_sigmask(SIG_BLOCK, &s, NULL);
}

static void w_queue_to_process(struct worker *w)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGRTMIN;
    si.si_code = w->arg;
    si.si_pid = getpid();
    si.si_uid = getuid();
    errno = 0;
    w->res = syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN, &si);
    w->err = errno;
}

static long tgsq(int tid, int sig, int code, int val, int fake_pid, int fake_uid)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = code;
    si.si_pid = fake_pid;
    si.si_uid = fake_uid;
    si.si_value.sival_int = val;
    return syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, sig, &si);
}

/* Main thread: take sig with a zero timeout. */
static int take_main(int sig, siginfo_t *si)
{
    sigset_t s;
    struct timespec zero = {0, 0};
    sigemptyset(&s);
    sigaddset(&s, sig);
    memset(si, 0, sizeof(*si));
    return rt_timedwait(&s, si, &zero);
}

static int pending_main(int sig)
{
    sigset_t s;
    sigpending(&s);
    return sigismember(&s, sig);
}

int main(void)
{
    struct worker w1, w2;
    struct sigaction sa;
    sigset_t blk;
    siginfo_t si;
    int me = getpid(), c;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    sigaddset(&blk, SIGUSR2);
    sigaddset(&blk, SIGRTMIN);
    sigaddset(&blk, SIGRTMIN + 1);
    sigaddset(&blk, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &blk, NULL); /* inherited by the workers */

    memset(&w1, 0, sizeof(w1));
    memset(&w2, 0, sizeof(w2));
    pthread_create(&w1.th, NULL, worker_main, &w1);
    pthread_create(&w2.th, NULL, worker_main, &w2);
    while (!w1.tid || !w2.tid)
        sleep_ms(1);

    /* tgkill / tkill reach the named thread. */
    run_in(&w1, w_unblock, SIGUSR1);
    c = h_count;
    CHECK_OK(syscall(SYS_tgkill, me, w1.tid, SIGUSR1), "tgkill(pid, worker1, SIGUSR1)");
    CHECK(wait_handler(c) && h_tid == w1.tid, "handler ran on worker1 (gettid in handler)");
    CHECK(h_code == SI_TKILL && h_pid == me && h_uid == (int)getuid(), "tgkill siginfo: SI_TKILL, si_pid, si_uid");
    run_in(&w2, w_unblock, SIGUSR1);
    c = h_count;
    CHECK_OK(syscall(SYS_tkill, w2.tid, SIGUSR1), "tkill(worker2, SIGUSR1)");
    CHECK(wait_handler(c) && h_tid == w2.tid && h_code == SI_TKILL, "handler ran on worker2 with SI_TKILL");
    CHECK(run_in(&w1, w_self_tgkill, 0) && w1.res == 1, "tgkill to oneself: handler has run when tgkill returns");

    /* Process-directed signal goes to the only thread not blocking it. */
    run_in(&w1, w_block, SIGUSR1);
    {
        int all_w2 = 1;
        for (int i = 0; i < 5; i++) {
            c = h_count;
            kill(me, SIGUSR1);
            all_w2 &= wait_handler(c) && h_tid == w2.tid && h_code == SI_USER;
        }
        CHECK(all_w2, "kill(): 5 of 5 deliveries on worker2, the only thread unblocking SIGUSR1 (SI_USER)");
    }
    run_in(&w2, w_block, SIGUSR1);
    run_in(&w1, w_unblock, SIGUSR1);
    c = h_count;
    kill(me, SIGUSR1);
    CHECK(wait_handler(c) && h_tid == w1.tid, "after swapping masks, kill() delivers to worker1");
    run_in(&w1, w_block, SIGUSR1);

    /* Blocked everywhere: stays pending for the process, visible in every thread. */
    c = h_count;
    kill(me, SIGUSR1);
    sleep_ms(30);
    CHECK_EQ(h_count, c, "SIGUSR1 blocked in all threads: not delivered");
    run_in(&w2, w_pending, 0);
    CHECK(pending_main(SIGUSR1) && sigismember(&w2.set, SIGUSR1), "process-directed pending shows in main and worker2");
    run_in(&w2, w_unblock, SIGUSR1);
    CHECK(wait_handler(c) && h_tid == w2.tid, "delivered to worker2 as soon as it unblocks");
    CHECK(!pending_main(SIGUSR1), "no longer pending anywhere");
    run_in(&w2, w_block, SIGUSR1);

    /* Thread-directed pending is private to the target. */
    CHECK_OK(syscall(SYS_tgkill, me, w1.tid, SIGUSR2), "tgkill(worker1, SIGUSR2) while blocked");
    CHECK_OK(syscall(SYS_tgkill, me, w1.tid, SIGUSR2), "second tgkill(worker1, SIGUSR2)");
    run_in(&w1, w_pending, 0);
    run_in(&w2, w_pending, 0);
    CHECK(sigismember(&w1.set, SIGUSR2), "sigpending in worker1 shows SIGUSR2");
    CHECK(!sigismember(&w2.set, SIGUSR2) && !pending_main(SIGUSR2), "not pending in worker2 or main");
    CHECK_ERR(take_main(SIGUSR2, &si), EAGAIN, "main cannot sigtimedwait another thread's signal -> EAGAIN");
    run_in(&w1, w_take, SIGUSR2);
    CHECK(w1.res == SIGUSR2 && w1.si.si_code == SI_TKILL && w1.si.si_pid == me, "worker1 takes it: SI_TKILL, si_pid");
    run_in(&w1, w_take, SIGUSR2);
    CHECK(w1.res == -1 && w1.err == EAGAIN, "standard signal sent twice was pending once");

    syscall(SYS_tgkill, me, w1.tid, SIGRTMIN + 2);
    syscall(SYS_tgkill, me, w1.tid, SIGRTMIN + 2);
    run_in(&w1, w_take, SIGRTMIN + 2);
    long r1 = w1.res;
    run_in(&w1, w_take, SIGRTMIN + 2);
    long r2 = w1.res;
    run_in(&w1, w_take, SIGRTMIN + 2);
    CHECK(r1 == SIGRTMIN + 2 && r2 == SIGRTMIN + 2 && w1.res == -1 && w1.err == EAGAIN,
          "realtime signal tgkill'ed twice is queued twice for the thread");

    /* Process-directed while blocked can be taken by any thread. */
    kill(me, SIGRTMIN + 1);
    run_in(&w1, w_pending, 0);
    CHECK(pending_main(SIGRTMIN + 1) && sigismember(&w1.set, SIGRTMIN + 1), "kill() pending shows in main and worker1");
    run_in(&w1, w_take, SIGRTMIN + 1);
    CHECK(w1.res == SIGRTMIN + 1 && w1.si.si_code == SI_USER, "worker1 dequeues the process-directed signal (SI_USER)");
    CHECK(!pending_main(SIGRTMIN + 1), "then it is gone for main too");

    /* rt_tgsigqueueinfo. */
    CHECK_OK(tgsq(w1.tid, SIGRTMIN, SI_QUEUE, 1234, 4242, 77), "rt_tgsigqueueinfo SI_QUEUE to worker1");
    CHECK(!pending_main(SIGRTMIN), "queued signal is pending only on worker1");
    run_in(&w1, w_take, SIGRTMIN);
    CHECK(w1.res == SIGRTMIN && w1.si.si_code == SI_QUEUE && w1.si.si_value.sival_int == 1234,
          "worker1 gets SI_QUEUE with value 1234");
    CHECK(w1.si.si_pid == 4242 && w1.si.si_uid == 77, "caller-supplied si_pid/si_uid passed through unchanged");
    CHECK_ERR(tgsq(w1.tid, SIGRTMIN, SI_USER, 0, me, 0), EPERM, "rt_tgsigqueueinfo si_code SI_USER to another thread -> EPERM");
    CHECK_ERR(tgsq(w1.tid, SIGRTMIN, SI_TKILL, 0, me, 0), EPERM, "rt_tgsigqueueinfo SI_TKILL to another thread -> EPERM");
    CHECK_ERR(tgsq(w1.tid, SIGRTMIN, 1, 0, me, 0), EPERM, "rt_tgsigqueueinfo positive si_code to another thread -> EPERM");
    CHECK_OK(tgsq(gettid_(), SIGRTMIN, SI_USER, 5, me, 0), "rt_tgsigqueueinfo SI_USER to the calling thread is allowed");
    CHECK(take_main(SIGRTMIN, &si) == SIGRTMIN && si.si_code == SI_USER, "self-queued SI_USER dequeued");
    CHECK_OK(tgsq(w1.tid, SIGRTMIN, -42, 6, me, 0), "other negative si_code (-42) to another thread is allowed");
    run_in(&w1, w_take, SIGRTMIN);
    CHECK(w1.res == SIGRTMIN && w1.si.si_code == -42 && w1.si.si_value.sival_int == 6, "si_code -42 delivered as is");
    CHECK_ERR(tgsq(w1.tid, 65, SI_QUEUE, 0, me, 0), EINVAL, "rt_tgsigqueueinfo signal 65 -> EINVAL");
    CHECK_ERR(tgsq(INT_MAX, SIGRTMIN, SI_QUEUE, 0, me, 0), ESRCH, "rt_tgsigqueueinfo SI_QUEUE to a nonexistent tid -> ESRCH");
    CHECK_ERR(tgsq(INT_MAX, SIGRTMIN, SI_USER, 0, me, 0), EPERM,
              "rt_tgsigqueueinfo SI_USER to a nonexistent tid -> EPERM (si_code checked before the lookup)");
    /* rt_sigqueueinfo compares the target pid with the caller's tid, so a non-main thread is "another process". */
    run_in(&w1, w_queue_to_process, SI_USER);
    CHECK(w1.res == -1 && w1.err == EPERM, "rt_sigqueueinfo SI_USER to own process from a non-main thread -> EPERM");
    run_in(&w1, w_queue_to_process, SI_QUEUE);
    CHECK(w1.res == 0, "same with SI_QUEUE is allowed");
    CHECK(take_main(SIGRTMIN, &si) == SIGRTMIN && si.si_code == SI_QUEUE, "dequeued in main (process-directed)");

    /* Probing and errnos. */
    CHECK_OK(syscall(SYS_tkill, w1.tid, 0), "tkill(worker1, 0) probes a live thread");
    CHECK_OK(syscall(SYS_tgkill, me, w1.tid, 0), "tgkill(pid, worker1, 0)");
    CHECK_ERR(syscall(SYS_tkill, w1.tid, 65), EINVAL, "tkill signal 65 -> EINVAL");
    CHECK_ERR(syscall(SYS_tgkill, me, w1.tid, -1), EINVAL, "tgkill signal -1 -> EINVAL");
    CHECK_ERR(syscall(SYS_tkill, INT_MAX, 65), ESRCH, "tkill(nonexistent, 65) -> ESRCH (target looked up first)");
    CHECK_ERR(syscall(SYS_tgkill, 1, w1.tid, 0), ESRCH, "tgkill with a tgid that does not own the tid -> ESRCH");

    /* Exited thread. */
    int old_tid = w1.tid;
    run_in(&w1, NULL, 0);
    pthread_join(w1.th, NULL);
    /* pthread_join returns when the kernel clears the tid word, before the thread is
     * released; give it up to 2 s to be gone. */
    for (int i = 0; i < 2000 && syscall(SYS_tkill, old_tid, 0) == 0; i++)
        usleep(1000);
    CHECK_ERR(syscall(SYS_tkill, old_tid, 0), ESRCH, "tkill(exited thread) -> ESRCH");
    CHECK_ERR(syscall(SYS_tgkill, me, old_tid, SIGUSR1), ESRCH, "tgkill(exited thread, SIGUSR1) -> ESRCH");
    run_in(&w2, NULL, 0);
    pthread_join(w2.th, NULL);

    /* Unprivileged sender to a root process. */
    if (getuid() == 0) {
        int st;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            pid_t pp = getppid();
            if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
                _exit(10);
            if (syscall(SYS_tgkill, pp, pp, 0) != -1 || errno != EPERM)
                _exit(11);
            if (syscall(SYS_tkill, pp, SIGUSR1) != -1 || errno != EPERM)
                _exit(12);
            if (syscall(SYS_tgkill, getpid(), gettid_(), 0) != 0)
                _exit(13);
            _exit(0);
        }
        /* needs root: drops to uid 65534 to be refused signalling a root process */
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "uid 65534: tgkill/tkill to a root process -> EPERM, to itself ok");
    } else {
        CHECK_SKIP("uid 65534: tgkill/tkill to a root process -> EPERM", "not root");
    }
    CHECK(!pending_main(SIGUSR1) && !pending_main(SIGUSR2) && !pending_main(SIGRTMIN), "nothing left pending");
    CHECK_DONE();
}
