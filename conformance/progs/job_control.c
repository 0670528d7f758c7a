/* job_control: stop/continue signals, WUNTRACED/WCONTINUED, CLD_STOPPED/CLD_CONTINUED, SA_NOCLDSTOP, signals to stopped children. */
/* syscalls: kill, wait4, waitid, rt_sigaction, rt_sigprocmask, rt_sigtimedwait, setpgid, fork, pipe2, poll, read, write, pause, exit_group */
/* area: signals */
#include "check.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wfd = -1;
static volatile sig_atomic_t chld_count;

static void usr1_child(int sig)
{
    (void)sig;
    write(wfd, "u", 1);
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    chld_count++;
}

/* Child in its own (non-orphaned) process group that sleeps in pause(). */
static pid_t spawn(void)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        setpgid(0, 0);
        for (;;)
            pause();
    }
    if (p > 0)
        setpgid(p, p);
    return p;
}

/* Child that raises sig on itself with disposition disp, then exits 3. */
static pid_t raiser(int sig, void (*disp)(int))
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        setpgid(0, 0); /* not orphaned: the parent is in another group of the same session */
        signal(sig, disp);
        raise(sig);
        _exit(3);
    }
    if (p > 0)
        setpgid(p, p);
    return p;
}

static int take_chld(siginfo_t *si)
{
    sigset_t ss;
    struct timespec ts = {2, 0};
    sigemptyset(&ss);
    sigaddset(&ss, SIGCHLD);
    memset(si, 0, sizeof(*si));
    return sigtimedwait(&ss, si, &ts);
}

/* Discards any queued SIGCHLD (standard signals coalesce, so at most one is queued). */
static void drain_chld(void)
{
    sigset_t ss;
    siginfo_t si;
    struct timespec ts = {0, 0};
    sigemptyset(&ss);
    sigaddset(&ss, SIGCHLD);
    while (sigtimedwait(&ss, &si, &ts) == SIGCHLD)
        ;
}

int main(void)
{
    int st;
    pid_t pid;
    siginfo_t si;
    sigset_t ss;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    sigemptyset(&ss);
    sigaddset(&ss, SIGCHLD);
    sigprocmask(SIG_BLOCK, &ss, NULL);

    /* SIGSTOP / SIGCONT with notifications. */
    pid = spawn();
    CHECK(pid > 0, "fork");
    if (pid > 0) {
        kill(pid, SIGSTOP);
        CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
              "WUNTRACED: child stopped by SIGSTOP");
        CHECK_EQ(take_chld(&si), SIGCHLD, "SIGCHLD generated for the stop");
        CHECK(si.si_code == CLD_STOPPED && si.si_status == SIGSTOP && si.si_pid == pid,
              "SIGCHLD info: CLD_STOPPED, si_status SIGSTOP, child pid");
        CHECK_EQ(waitpid(pid, &st, WUNTRACED | WNOHANG), 0, "stop reported only once");
        kill(pid, SIGSTOP);
        CHECK_EQ(waitpid(pid, &st, WUNTRACED | WNOHANG), 0, "SIGSTOP to an already stopped child: no new report");
        kill(pid, SIGCONT);
        CHECK(waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st), "WCONTINUED: child continued");
        CHECK_EQ(take_chld(&si), SIGCHLD, "SIGCHLD generated for the continue");
        CHECK(si.si_code == CLD_CONTINUED && si.si_status == SIGCONT && si.si_pid == pid,
              "SIGCHLD info: CLD_CONTINUED, si_status SIGCONT");
        CHECK_EQ(waitpid(pid, &st, WCONTINUED | WNOHANG), 0, "continue reported only once");
        kill(pid, SIGCONT);
        CHECK_EQ(waitpid(pid, &st, WCONTINUED | WNOHANG), 0, "SIGCONT to a running child: no report");

        /* waitid view of a stop. */
        kill(pid, SIGSTOP);
        memset(&si, 0, sizeof(si));
        CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED), "waitid WSTOPPED");
        CHECK(si.si_code == CLD_STOPPED && si.si_status == SIGSTOP && si.si_pid == pid,
              "waitid: CLD_STOPPED, SIGSTOP");
        drain_chld();

        /* SIGKILL ends a stopped child. */
        kill(pid, SIGKILL);
        CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
              "stopped child killed by SIGKILL");
        drain_chld();
    }

    /* Other fatal signals stay pending in a stopped child until it is continued. */
    pid = spawn();
    if (pid > 0) {
        kill(pid, SIGSTOP);
        waitpid(pid, &st, WUNTRACED);
        drain_chld();
        kill(pid, SIGTERM);
        usleep(50000);
        CHECK_EQ(waitpid(pid, &st, WNOHANG), 0, "SIGTERM does not end a stopped child");
        kill(pid, SIGCONT);
        CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
              "after SIGCONT the pending SIGTERM kills it");
        drain_chld();
    }

    /* A caught signal waits until the child is continued. */
    {
        int p[2];
        CHECK_OK(pipe2(p, 0), "pipe2");
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            close(p[0]);
            wfd = p[1];
            signal(SIGUSR1, usr1_child);
            write(wfd, "r", 1);
            for (;;)
                pause();
        }
        close(p[1]);
        char c = 0;
        struct pollfd pf = {p[0], POLLIN, 0};
        if (pid > 0 && poll(&pf, 1, 2000) == 1 && read(p[0], &c, 1) == 1 && c == 'r') {
            kill(pid, SIGSTOP);
            waitpid(pid, &st, WUNTRACED);
            kill(pid, SIGUSR1);
            CHECK_EQ(poll(&pf, 1, 100), 0, "handler of a stopped child does not run");
            kill(pid, SIGCONT);
            CHECK(poll(&pf, 1, 2000) == 1 && read(p[0], &c, 1) == 1 && c == 'u',
                  "handler runs after SIGCONT");
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
        } else {
            CHECK(0, "handler child started");
        }
        close(p[0]);
        drain_chld();
    }

    /* SIGTSTP / SIGTTIN default action stops; ignored SIGTSTP does not. */
    pid = raiser(SIGTSTP, SIG_DFL);
    CHECK(pid > 0 && waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP,
          "default SIGTSTP stops the child");
    if (pid > 0) {
        kill(pid, SIGCONT);
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3,
              "continued child returns from raise(SIGTSTP) and exits 3");
    }
    pid = raiser(SIGTTIN, SIG_DFL);
    CHECK(pid > 0 && waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN,
          "default SIGTTIN stops the child");
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    pid = raiser(SIGTSTP, SIG_IGN);
    CHECK(pid > 0 && waitpid(pid, &st, WUNTRACED) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3,
          "ignored SIGTSTP does not stop the child");
    drain_chld();

    /* SA_NOCLDSTOP: no SIGCHLD for stop/continue, still one for exit. */
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_chld;
        sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
        sigaction(SIGCHLD, &sa, NULL);
        sigprocmask(SIG_UNBLOCK, &ss, NULL);
        chld_count = 0;
        pid = spawn();
        if (pid > 0) {
            kill(pid, SIGSTOP);
            CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st), "child stopped (SA_NOCLDSTOP)");
            kill(pid, SIGCONT);
            CHECK(waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st), "child continued (SA_NOCLDSTOP)");
            CHECK_EQ(chld_count, 0, "SA_NOCLDSTOP: no SIGCHLD for stop and continue");
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            CHECK_EQ(chld_count, 1, "SA_NOCLDSTOP: SIGCHLD still sent on termination");
        } else {
            CHECK(0, "fork");
        }
        /* Without SA_NOCLDSTOP the handler sees the stop. */
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGCHLD, &sa, NULL);
        chld_count = 0;
        pid = spawn();
        if (pid > 0) {
            kill(pid, SIGSTOP);
            waitpid(pid, &st, WUNTRACED);
            CHECK_EQ(chld_count, 1, "without SA_NOCLDSTOP: SIGCHLD for the stop");
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
        }
        signal(SIGCHLD, SIG_DFL);
    }
    CHECK_DONE();
}
