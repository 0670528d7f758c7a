/* waitid_cases: waitid/wait4 id types, stop/continue reporting and consumption, WNOWAIT, siginfo fields, rusage, EFAULT reaping, __WCLONE/__WALL/__WNOTHREAD, errnos. */
/* syscalls: waitid, wait4, clone, clone3, kill, getpid, getuid, setpgid, prctl, prlimit64,
   getrusage, mmap, rt_sigprocmask, rt_sigtimedwait, pause, futex, alarm, write, exit_group */
/* area: process */
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child_exit(int code)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
        _exit(code);
    return p;
}

/* A child that sleeps until signalled. */
static pid_t child_pause(void)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    return p;
}

/* A child that burns at least 80 ms of CPU time (measured by itself), then exits 0. */
static pid_t child_burn(void)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        struct rusage ru;
        volatile unsigned long x = 0;
        /* 4 MiB touched: RSS counters are per-CPU and fold in batches, so a child that
         * touches a few pages may exit with a peak RSS that reads as 0. */
        char *m = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED)
            for (int i = 0; i < (4 << 20); i += 4096)
                m[i] = 1;
        for (;;) {
            for (int i = 0; i < 100000; i++)
                x += i;
            getrusage(RUSAGE_SELF, &ru);
            long us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L +
                      ru.ru_stime.tv_usec;
            if (us >= 80000)
                _exit(0);
        }
    }
    return p;
}

static long ru_us(const struct rusage *ru)
{
    return ru->ru_utime.tv_sec * 1000000L + ru->ru_utime.tv_usec + ru->ru_stime.tv_sec * 1000000L + ru->ru_stime.tv_usec;
}

static void fill(siginfo_t *si)
{
    memset(si, 0x5a, sizeof(*si));
}

/* Thread reaping of a child forked by the main thread. */
static pid_t thr_target;
static int thr_res[3];

static void *reaper_thread(void *arg)
{
    (void)arg;
    int st;
    errno = 0;
    thr_res[0] = waitpid(thr_target, &st, __WNOTHREAD);
    thr_res[1] = errno;
    thr_res[2] = waitpid(thr_target, &st, 0) == thr_target && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return NULL;
}

int main(void)
{
    siginfo_t si;
    int st;
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* WNOHANG with nothing to report zeroes the siginfo fields. */
    pid = child_pause();
    fill(&si);
    CHECK_EQ(waitid(P_PID, pid, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG), 0, "waitid WNOHANG on a running child returns 0");
    CHECK(si.si_pid == 0 && si.si_signo == 0 && si.si_code == 0 && si.si_status == 0 && si.si_uid == 0,
          "WNOHANG with no state change: si_pid, si_signo, si_code, si_status, si_uid all 0");

    /* Stop reporting. */
    kill(pid, SIGSTOP);
    fill(&si);
    CHECK_EQ(waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT), 0, "waitid WSTOPPED|WNOWAIT waits for the stop");
    CHECK(si.si_signo == SIGCHLD && si.si_code == CLD_STOPPED && si.si_status == SIGSTOP && si.si_pid == pid,
          "stop siginfo: SIGCHLD, CLD_STOPPED, si_status SIGSTOP, si_pid");
    fill(&si);
    CHECK(waitid(P_PID, pid, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0, "WEXITED alone does not report a stop");
    fill(&si);
    CHECK(waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT | WNOHANG) == 0 && si.si_code == CLD_STOPPED,
          "WNOWAIT left the stop reportable");
    fill(&si);
    CHECK(waitid(P_PID, pid, &si, WSTOPPED) == 0 && si.si_code == CLD_STOPPED && si.si_pid == pid, "WSTOPPED consumes the stop");
    fill(&si);
    CHECK(waitid(P_PID, pid, &si, WSTOPPED | WNOHANG) == 0 && si.si_pid == 0, "a consumed stop is not reported again");
    CHECK_EQ(waitpid(pid, &st, WUNTRACED | WNOHANG), 0, "wait4 WUNTRACED does not see the consumed stop either");

    /* Continue reporting. */
    kill(pid, SIGCONT);
    fill(&si);
    CHECK(waitid(P_PID, pid, &si, WCONTINUED | WNOWAIT) == 0 && si.si_code == CLD_CONTINUED && si.si_status == SIGCONT &&
              si.si_pid == pid,
          "WCONTINUED|WNOWAIT: CLD_CONTINUED, si_status SIGCONT");
    CHECK(waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st) && st == 0xffff, "wait4 WCONTINUED: raw status 0xffff");
    fill(&si);
    CHECK(waitid(P_PID, pid, &si, WCONTINUED | WNOHANG) == 0 && si.si_pid == 0, "continue reported only once");
    kill(pid, SIGSTOP);
    CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && st == 0x137f, "wait4 WUNTRACED stop: raw status 0x137f");
    kill(pid, SIGKILL); /* kills even while stopped */
    fill(&si);
    CHECK(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_code == CLD_KILLED && si.si_status == SIGKILL,
          "SIGKILL of a stopped child: CLD_KILLED, si_status SIGKILL");

    /* Exit code and uid; WNOWAIT keeps the zombie. */
    pid = child_exit(255);
    fill(&si);
    CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0 && si.si_code == CLD_EXITED && si.si_status == 255 &&
              si.si_uid == getuid() && si.si_errno == 0,
          "exit 255: CLD_EXITED, si_status 255, si_uid, si_errno 0");
    CHECK_OK(kill(pid, 0), "after WNOWAIT the child is still a zombie (kill 0 works)");
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 255, "wait4 then reaps it with status 255");

    /* Fatal signal without a core dump: CLD_KILLED, never CLD_DUMPED. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct rlimit rl = {0, 0};
        setrlimit(RLIMIT_CORE, &rl);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        *(volatile int *)0 = 1;
        _exit(1);
    }
    fill(&si);
    CHECK(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_code == CLD_KILLED && si.si_status == SIGSEGV,
          "SIGSEGV with core dumps disabled: CLD_KILLED (not CLD_DUMPED), si_status SIGSEGV");

    /* NULL infop is accepted and still reaps. */
    pid = child_exit(3);
    CHECK_EQ(waitid(P_PID, pid, NULL, WEXITED), 0, "waitid with NULL infop succeeds");
    CHECK_ERR(waitid(P_PID, pid, &si, WEXITED | WNOHANG), ECHILD, "... and reaped the child");

    /* A bad infop / status pointer: EFAULT, but the child has been reaped. */
    pid = child_exit(4);
    CHECK_ERR(waitid(P_PID, pid, (siginfo_t *)8, WEXITED), EFAULT, "waitid with a bad infop -> EFAULT");
    CHECK_ERR(waitid(P_PID, pid, &si, WEXITED | WNOHANG), ECHILD, "child reaped despite EFAULT");
    pid = child_exit(5);
    CHECK_ERR(wait4(pid, (int *)8, 0, NULL), EFAULT, "wait4 with a bad status pointer -> EFAULT");
    CHECK_ERR(wait4(pid, &st, WNOHANG, NULL), ECHILD, "child reaped despite EFAULT");

    /* rusage. */
    {
        struct rusage ru;
        pid = child_burn();
        memset(&ru, 0, sizeof(ru));
        fill(&si);
        CHECK_EQ(syscall(SYS_waitid, P_PID, pid, &si, WEXITED, &ru), 0, "raw waitid with a rusage pointer");
        CHECK(si.si_pid == pid && ru_us(&ru) >= 60000, "waitid rusage reports the child's >= 80 ms of CPU time");
        pid = child_burn();
        memset(&ru, 0, sizeof(ru));
        CHECK_EQ(wait4(pid, &st, 0, &ru), pid, "wait4 with a rusage pointer");
        CHECK(ru_us(&ru) >= 60000 && ru.ru_maxrss >= 2048, "wait4 rusage: >= 80 ms CPU, ru_maxrss covers the 4 MiB");
        pid = child_exit(0);
        memset(&ru, 0x7f, sizeof(ru));
        fill(&si);
        CHECK(syscall(SYS_waitid, P_PID, pid, &si, WEXITED, &ru) == 0 && ru.ru_utime.tv_usec < 1000000 &&
                  ru.ru_stime.tv_usec < 1000000 && ru_us(&ru) < 1000000,
              "rusage of a trivial child is small and well formed");
    }

    /* Id types. */
    CHECK_ERR(waitid(P_PID, 0, &si, WEXITED), EINVAL, "waitid P_PID id 0 -> EINVAL");
    CHECK_ERR(waitid(P_PID, (id_t)-1, &si, WEXITED), EINVAL, "waitid P_PID id -1 -> EINVAL");
    CHECK_ERR(waitid(P_PGID, (id_t)-1, &si, WEXITED), EINVAL, "waitid P_PGID id -1 -> EINVAL");
    CHECK_ERR(waitid(P_ALL, 0, &si, WEXITED | 0x10), EINVAL, "waitid with an unknown option bit -> EINVAL");
    CHECK_ERR(waitid(P_ALL, 0, &si, WNOHANG | WNOWAIT), EINVAL, "waitid with WNOHANG|WNOWAIT only -> EINVAL");
    CHECK_ERR(wait4(-1, &st, WNOWAIT, NULL), EINVAL, "wait4 does not accept WNOWAIT -> EINVAL");
    CHECK_ERR(wait4(-1, &st, WEXITED, NULL), EINVAL, "wait4 does not accept WEXITED -> EINVAL");
    CHECK_ERR(waitid(P_PID, getpid(), &si, WEXITED), ECHILD, "waitid P_PID on ourselves -> ECHILD");
    {
        pid_t other = child_pause();
        setpgid(other, other); /* child in its own group */
        pid_t mine = child_exit(6);
        fill(&si);
        /* Linux >= 5.4: P_PGID with id 0 means the caller's process group. */
        CHECK(waitid(P_PGID, 0, &si, WEXITED) == 0 && si.si_pid == mine && si.si_status == 6,
              "waitid P_PGID 0 reaps a child in our process group");
        CHECK_ERR(waitid(P_PGID, 0, &si, WEXITED | WNOHANG), ECHILD,
                  "P_PGID 0 with only a child in another group -> ECHILD");
        CHECK_ERR(waitpid(0, &st, WNOHANG), ECHILD, "waitpid(0) likewise -> ECHILD");
        fill(&si);
        CHECK(waitid(P_PGID, other, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0,
              "P_PGID of the child's group, still running: si_pid 0");
        kill(other, SIGTERM);
        fill(&si);
        CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0 && si.si_pid == other && si.si_code == CLD_KILLED &&
                  si.si_status == SIGTERM,
              "P_ALL reaps the SIGTERMed child in the other group");
    }

    /* __WCLONE / __WALL: a child whose exit signal is not SIGCHLD. */
    {
        sigset_t set, old;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, &old);
        fflush(stdout);
        long c = syscall(SYS_clone, (long)SIGUSR1, NULL, NULL, NULL, NULL);
        if (c == 0)
            _exit(21);
        CHECK(c > 0, "clone with exit signal SIGUSR1");
        if (c > 0) {
            struct timespec ts = {2, 0};
            siginfo_t sq;
            CHECK_EQ(sigtimedwait(&set, &sq, &ts), SIGUSR1, "parent got SIGUSR1 as the exit signal");
            CHECK(sq.si_code == CLD_EXITED && sq.si_pid == c && sq.si_status == 21, "exit-signal siginfo is CLD_EXITED, status 21");
            CHECK_ERR(waitpid(c, &st, 0), ECHILD, "wait4 without __WCLONE ignores a clone child -> ECHILD");
            CHECK_ERR(waitid(P_PID, c, &si, WEXITED), ECHILD, "waitid without __WCLONE -> ECHILD");
            pid = child_exit(22);
            CHECK_ERR(waitpid(pid, &st, __WCLONE), ECHILD, "__WCLONE ignores a normal SIGCHLD child -> ECHILD");
            fill(&si);
            CHECK(waitid(P_PID, c, &si, WEXITED | __WCLONE | WNOWAIT) == 0 && si.si_status == 21,
                  "waitid __WCLONE|WNOWAIT sees the clone child");
            CHECK(waitpid(c, &st, __WALL) == c && WEXITSTATUS(st) == 21, "__WALL reaps the clone child");
            CHECK(waitpid(pid, &st, __WALL) == pid && WEXITSTATUS(st) == 22, "__WALL reaps the normal child");
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
    }

    /* Another thread of the group may reap; __WNOTHREAD restricts to its own children. */
    {
        pthread_t th;
        thr_target = child_exit(23);
        pthread_create(&th, NULL, reaper_thread, NULL);
        pthread_join(th, NULL);
        CHECK(thr_res[0] == -1 && thr_res[1] == ECHILD, "__WNOTHREAD in another thread: main's child -> ECHILD");
        CHECK_EQ(thr_res[2], 23, "without __WNOTHREAD another thread reaps main's child");
    }

    CHECK_ERR(waitid(P_ALL, 0, &si, WEXITED | __WALL), ECHILD, "no children left -> ECHILD");
    CHECK_DONE();
}
