/* signal_basic: sigaction, SA_SIGINFO, sigprocmask/sigpending, SIG_IGN, EINTR/SA_RESTART. */
/* syscalls: rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, rt_sigtimedwait, kill, tgkill, rt_sigqueueinfo, read, write */
/* area: signals */
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t count, last_sig;
static siginfo_t last_info;
static sigset_t mask_in_handler;

static void handler(int sig)
{
    count++;
    last_sig = sig;
    sigprocmask(SIG_BLOCK, NULL, &mask_in_handler);
}

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    count++;
    last_sig = sig;
    last_info = *si;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static void set_info_handler(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

static int is_pending(int sig)
{
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, sig);
}

static void block(int sig, int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

/* Thread that keeps signalling the main thread until told to stop. */
static pthread_t main_thread;
static volatile int stop_kicker;
static int kick_pipe = -1;
static void *kicker(void *arg)
{
    int rounds = (int)(long)arg;
    for (int i = 0; (rounds == 0 || i < rounds) && !stop_kicker && i < 500; i++) {
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
        pthread_kill(main_thread, SIGUSR2);
    }
    if (rounds)
        write(kick_pipe, "z", 1);
    return NULL;
}

int main(void)
{
    struct sigaction sa, old;
    sigset_t s;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */

    set_handler(SIGUSR1, handler, 0);
    CHECK_OK(raise(SIGUSR1), "raise(SIGUSR1)");
    CHECK(count == 1 && last_sig == SIGUSR1, "handler ran once with signo SIGUSR1");
    CHECK(sigismember(&mask_in_handler, SIGUSR1), "signal is blocked while its handler runs");
    CHECK(!is_pending(SIGUSR1), "nothing pending after delivery");
    CHECK_OK(sigaction(SIGUSR1, NULL, &old), "sigaction query");
    CHECK(old.sa_handler == handler, "sigaction returns the installed handler");

    set_handler(SIGUSR1, handler, SA_NODEFER);
    raise(SIGUSR1);
    CHECK(!sigismember(&mask_in_handler, SIGUSR1), "SA_NODEFER: signal not blocked in handler");
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    CHECK(sigismember(&mask_in_handler, SIGTERM), "sa_mask is added to the mask during the handler");
    sigprocmask(SIG_BLOCK, NULL, &s);
    CHECK(!sigismember(&s, SIGTERM), "mask restored after handler returns");

    set_handler(SIGUSR1, handler, SA_RESETHAND);
    count = 0;
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    CHECK(count == 1 && old.sa_handler == SIG_DFL, "SA_RESETHAND: disposition reset to SIG_DFL");

    /* SA_SIGINFO fields. */
    set_info_handler(SIGUSR1);
    raise(SIGUSR1);
    CHECK(last_info.si_signo == SIGUSR1 && last_info.si_code == SI_TKILL, "raise: si_signo, si_code SI_TKILL");
    CHECK(last_info.si_pid == getpid() && last_info.si_uid == getuid(), "raise: si_pid/si_uid are ours");
    kill(getpid(), SIGUSR1);
    CHECK_EQ(last_info.si_code, SI_USER, "kill: si_code SI_USER");
    sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 31337 });
    CHECK(last_info.si_code == SI_QUEUE && last_info.si_value.sival_int == 31337,
          "sigqueue: si_code SI_QUEUE, si_value delivered");

    /* Blocking and pending. */
    count = 0;
    block(SIGUSR1, SIG_BLOCK);
    raise(SIGUSR1);
    raise(SIGUSR1);
    CHECK_EQ(count, 0, "blocked signal is not delivered");
    CHECK(is_pending(SIGUSR1), "blocked signal shows in sigpending");
    block(SIGUSR1, SIG_UNBLOCK);
    CHECK_EQ(count, 1, "unblocking delivers a standard signal once (no queueing)");
    CHECK(!is_pending(SIGUSR1), "no longer pending after unblock");

    block(SIGUSR1, SIG_BLOCK);
    raise(SIGUSR1);
    signal(SIGUSR1, SIG_IGN);
    CHECK(!is_pending(SIGUSR1), "setting SIG_IGN discards the pending signal");
    raise(SIGUSR1);
    block(SIGUSR1, SIG_UNBLOCK);
    CHECK_OK(raise(SIGUSR1), "SIG_IGN: raise is harmless");
    CHECK(!is_pending(SIGUSR1), "SIG_IGN: nothing pending");

    sigfillset(&s);
    sigprocmask(SIG_SETMASK, &s, NULL);
    sigprocmask(SIG_SETMASK, NULL, &s);
    CHECK(!sigismember(&s, SIGKILL) && !sigismember(&s, SIGSTOP), "SIGKILL/SIGSTOP cannot be blocked");
    sigemptyset(&s);
    sigprocmask(SIG_SETMASK, &s, NULL);
    CHECK_ERR(sigprocmask(99, &s, NULL), EINVAL, "sigprocmask bad how -> EINVAL");
    CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL, "sigaction(SIGKILL) -> EINVAL");
    CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL, "sigaction(SIGSTOP) -> EINVAL");
    CHECK_ERR(syscall(SYS_rt_sigaction, 65, NULL, &old, 8), EINVAL, "rt_sigaction signal 65 -> EINVAL");
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4), EINVAL, "rt_sigaction bad sigsetsize -> EINVAL");
    CHECK_OK(kill(getpid(), 0), "kill(self, 0) existence probe");
    CHECK_ERR(kill(getpid(), 1000), EINVAL, "kill invalid signal -> EINVAL");
    CHECK_ERR(kill(4194304 + 1, SIGUSR1), ESRCH, "kill nonexistent pid -> ESRCH");

    /* sigsuspend and sigtimedwait. */
    set_handler(SIGUSR1, handler, 0);
    count = 0;
    block(SIGUSR1, SIG_BLOCK);
    raise(SIGUSR1);
    sigemptyset(&s);
    CHECK_ERR(sigsuspend(&s), EINTR, "sigsuspend returns EINTR after handler");
    CHECK_EQ(count, 1, "handler ran inside sigsuspend");
    raise(SIGUSR1);
    {
        siginfo_t si;
        struct timespec ts = { 0, 0 };
        sigaddset(&s, SIGUSR1);
        /* Raw syscall: glibc's wrapper rewrites SI_TKILL to SI_USER. */
        CHECK_EQ(syscall(SYS_rt_sigtimedwait, &s, &si, &ts, 8), SIGUSR1, "rt_sigtimedwait takes the pending signal");
        CHECK(count == 1 && si.si_code == SI_TKILL, "rt_sigtimedwait consumed it without running the handler");
        ts.tv_nsec = 10000000;
        CHECK_ERR(sigtimedwait(&s, &si, &ts), EAGAIN, "sigtimedwait timeout -> EAGAIN");
    }
    block(SIGUSR1, SIG_UNBLOCK);

    /* A blocking read is interrupted (EINTR) without SA_RESTART, restarted with it. */
    {
        int p[2];
        char c;
        pthread_t th;
        pipe(p);
        kick_pipe = p[1];
        main_thread = pthread_self();
        set_handler(SIGUSR2, handler, 0);
        count = 0;
        pthread_create(&th, NULL, kicker, (void *)0L);
        CHECK_ERR(read(p[0], &c, 1), EINTR, "blocking read interrupted by handler -> EINTR");
        stop_kicker = 1;
        pthread_join(th, NULL);
        CHECK(count >= 1, "SIGUSR2 handler ran");

        set_handler(SIGUSR2, handler, SA_RESTART);
        count = 0;
        stop_kicker = 0;
        pthread_create(&th, NULL, kicker, (void *)3L);
        CHECK_EQ(read(p[0], &c, 1), 1, "SA_RESTART: read restarted and returns data");
        pthread_join(th, NULL);
        CHECK(count == 3 && c == 'z', "three handlers ran during the restarted read");
    }
    CHECK_DONE();
}
