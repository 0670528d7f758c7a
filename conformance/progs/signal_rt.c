/* signal_rt: realtime signals queue, carry values, and are delivered in order. */
/* syscalls: rt_sigqueueinfo, rt_tgsigqueueinfo, rt_sigtimedwait, rt_sigaction, rt_sigprocmask, rt_sigpending, kill, fork, wait4 */
/* area: signals */
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXREC 256
static int rec_sig[MAXREC], rec_val[MAXREC], rec_code[MAXREC];
static volatile int nrec;

static void rec_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (nrec < MAXREC) {
        rec_sig[nrec] = sig;
        rec_val[nrec] = si->si_value.sival_int;
        rec_code[nrec] = si->si_code;
    }
    nrec++;
}

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = rec_handler;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask); /* keep delivery strictly one at a time */
    sigaction(sig, &sa, NULL);
}

static void mask_rt(int how)
{
    sigset_t s;
    sigemptyset(&s);
    for (int i = SIGRTMIN; i <= SIGRTMIN + 3; i++)
        sigaddset(&s, i);
    sigaddset(&s, SIGUSR1);
    sigprocmask(how, &s, NULL);
}

static int q(int sig, int val)
{
    return sigqueue(getpid(), sig, (union sigval){ .sival_int = val });
}

static long rt_timedwait(const sigset_t *set, siginfo_t *si, long ns)
{
    struct timespec ts = { 0, ns };
    return syscall(SYS_rt_sigtimedwait, set, si, &ts, 8);
}

int main(void)
{
    sigset_t set, pend;
    siginfo_t si;
    int ok;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    CHECK(SIGRTMIN >= 32 && SIGRTMAX == 64, "SIGRTMIN >= 32, SIGRTMAX == 64");
    for (int i = SIGRTMIN; i <= SIGRTMIN + 3; i++)
        install(i);
    install(SIGUSR1);

    /* Multiple instances of one RT signal queue up with their values. */
    mask_rt(SIG_BLOCK);
    CHECK(q(SIGRTMIN, 1) == 0 && q(SIGRTMIN, 2) == 0 && q(SIGRTMIN, 3) == 0, "sigqueue SIGRTMIN x3 while blocked");
    sigpending(&pend);
    CHECK(sigismember(&pend, SIGRTMIN), "SIGRTMIN pending");
    nrec = 0;
    mask_rt(SIG_UNBLOCK);
    CHECK_EQ(nrec, 3, "all three queued instances delivered");
    CHECK(rec_val[0] == 1 && rec_val[1] == 2 && rec_val[2] == 3, "instances delivered in FIFO order with values");
    CHECK(rec_code[0] == SI_QUEUE && rec_sig[0] == SIGRTMIN, "si_code SI_QUEUE, si_signo SIGRTMIN");

    /* Lower-numbered RT signals are delivered first. */
    mask_rt(SIG_BLOCK);
    q(SIGRTMIN + 2, 20);
    q(SIGRTMIN + 1, 10);
    q(SIGRTMIN + 3, 30);
    q(SIGRTMIN, 0);
    nrec = 0;
    mask_rt(SIG_UNBLOCK);
    CHECK_EQ(nrec, 4, "four different RT signals delivered");
    CHECK(rec_sig[0] == SIGRTMIN && rec_sig[1] == SIGRTMIN + 1 && rec_sig[2] == SIGRTMIN + 2 &&
              rec_sig[3] == SIGRTMIN + 3,
          "RT signals delivered lowest number first");
    CHECK(rec_val[1] == 10 && rec_val[2] == 20 && rec_val[3] == 30, "each carries its own value");

    /* Standard signals are delivered before RT signals. */
    mask_rt(SIG_BLOCK);
    q(SIGRTMIN, 5);
    kill(getpid(), SIGUSR1);
    nrec = 0;
    mask_rt(SIG_UNBLOCK);
    CHECK(nrec == 2 && rec_sig[0] == SIGUSR1 && rec_sig[1] == SIGRTMIN, "SIGUSR1 delivered before SIGRTMIN");
    CHECK_EQ(rec_code[0], SI_USER, "kill() gives SI_USER");

    /* Many instances. */
    mask_rt(SIG_BLOCK);
    ok = 1;
    for (int i = 0; i < 100; i++)
        ok &= q(SIGRTMIN + 1, 1000 + i) == 0;
    CHECK(ok, "queue 100 instances of SIGRTMIN+1");
    nrec = 0;
    mask_rt(SIG_UNBLOCK);
    CHECK_EQ(nrec, 100, "100 instances delivered");
    ok = 1;
    for (int i = 0; i < 100; i++)
        ok &= rec_val[i] == 1000 + i;
    CHECK(ok, "100 instances delivered in order");

    /* Synchronous retrieval with rt_sigtimedwait. */
    mask_rt(SIG_BLOCK);
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGRTMIN + 1);
    q(SIGRTMIN + 1, 71);
    q(SIGRTMIN, 70);
    q(SIGRTMIN, 72);
    CHECK_EQ(rt_timedwait(&set, &si, 0), SIGRTMIN, "sigtimedwait picks lowest signal first");
    CHECK(si.si_value.sival_int == 70 && si.si_pid == getpid() && si.si_uid == getuid() && si.si_code == SI_QUEUE,
          "siginfo: value, pid, uid, SI_QUEUE");
    CHECK(rt_timedwait(&set, &si, 0) == SIGRTMIN && si.si_value.sival_int == 72, "second SIGRTMIN instance, value 72");
    CHECK(rt_timedwait(&set, &si, 0) == SIGRTMIN + 1 && si.si_value.sival_int == 71, "then SIGRTMIN+1, value 71");
    CHECK_ERR(rt_timedwait(&set, &si, 0), EAGAIN, "queue drained -> EAGAIN");
    sigpending(&pend);
    CHECK(!sigismember(&pend, SIGRTMIN) && !sigismember(&pend, SIGRTMIN + 1), "nothing left pending");

    /* rt_sigqueueinfo / rt_tgsigqueueinfo with a custom negative si_code to self. */
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGRTMIN;
    si.si_code = SI_QUEUE;
    si.si_value.sival_int = 99;
    si.si_pid = getpid();
    si.si_uid = getuid();
    CHECK_OK(syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN, &si), "rt_sigqueueinfo to self");
    CHECK(rt_timedwait(&set, &si, 0) == SIGRTMIN && si.si_value.sival_int == 99, "value from rt_sigqueueinfo");
    memset(&si, 0, sizeof(si));
    si.si_code = SI_QUEUE;
    si.si_value.sival_int = 98;
    CHECK_OK(syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGRTMIN, &si), "rt_tgsigqueueinfo to self");
    CHECK(rt_timedwait(&set, &si, 0) == SIGRTMIN && si.si_value.sival_int == 98, "value from rt_tgsigqueueinfo");

    /* Impersonating the kernel/kill to another process is refused. */
    {
        int status;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            sigset_t s;
            siginfo_t got;
            struct timespec ts = { 2, 0 };
            sigemptyset(&s);
            sigaddset(&s, SIGRTMIN);
            _exit(syscall(SYS_rt_sigtimedwait, &s, &got, &ts, 8) == SIGRTMIN && got.si_value.sival_int == 55 ? 0 : 1);
        }
        memset(&si, 0, sizeof(si));
        si.si_code = SI_USER;
        CHECK_ERR(syscall(SYS_rt_sigqueueinfo, pid, SIGRTMIN, &si), EPERM,
                  "rt_sigqueueinfo with si_code SI_USER to another process -> EPERM");
        si.si_code = SI_KERNEL;
        CHECK_ERR(syscall(SYS_rt_sigqueueinfo, pid, SIGRTMIN, &si), EPERM,
                  "rt_sigqueueinfo with si_code SI_KERNEL to another process -> EPERM");
        CHECK_OK(sigqueue(pid, SIGRTMIN, (union sigval){ .sival_int = 55 }), "sigqueue to child");
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child received the queued value (blocked SIGRTMIN inherited)");
    }
    CHECK_ERR(sigqueue(4194305, SIGRTMIN, (union sigval){ 0 }), ESRCH, "sigqueue nonexistent pid -> ESRCH");
    CHECK_ERR(sigqueue(getpid(), 65, (union sigval){ 0 }), EINVAL, "sigqueue signal 65 -> EINVAL");
    CHECK_DONE();
}
