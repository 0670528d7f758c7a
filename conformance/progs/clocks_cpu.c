/* clocks_cpu: CPU-time clocks (process/thread/other pid), clock_getres, MONOTONIC_RAW/COARSE/BOOTTIME/TAI relations, clock_settime errnos, vDSO vs syscall, gettimeofday vs CLOCK_REALTIME. */
/* syscalls: clock_gettime, clock_getres, clock_settime, settimeofday, gettimeofday, time, clock_nanosleep,
   clone, wait4, kill, pipe2, read, write, close, openat, setresuid, setresgid, setgroups, mmap, munmap,
   mprotect, futex, rt_sigprocmask, getpid, gettid, alarm, exit_group */
/* area: clocks */
#include "child_check.h"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define MS 1000000LL

static long long tsns(const struct timespec *t) { return t->tv_sec * NS + t->tv_nsec; }

static long long now(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t))
        return -1;
    return tsns(&t);
}

static long long sys_now(clockid_t c)
{
    struct timespec t;
    if (syscall(SYS_clock_gettime, c, &t))
        return -1;
    return tsns(&t);
}

static long long res_ns(clockid_t c)
{
    struct timespec t;
    if (syscall(SYS_clock_getres, c, &t))
        return -1;
    return tsns(&t);
}

/* Burns CPU until the calling thread has used at least ms milliseconds (or 2 s of wall time passed). */
static void burn(long ms)
{
    long long t0 = now(CLOCK_THREAD_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
    volatile unsigned long x = 0;
    while (now(CLOCK_THREAD_CPUTIME_ID) - t0 < ms * MS && now(CLOCK_MONOTONIC) - w0 < 2 * NS)
        for (int i = 0; i < 10000; i++)
            x += i;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * MS };
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
        ;
}

/* A CPU clock id for a pid (MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)). */
static clockid_t pid_sched_clock(pid_t pid) { return (clockid_t)((~(unsigned)pid << 3) | 2); }

struct worker {
    long long self_before, self_after;
    clockid_t cid;
    int cid_rc;
    volatile int go;
};

static void *worker_fn(void *arg)
{
    struct worker *w = arg;
    w->cid_rc = pthread_getcpuclockid(pthread_self(), &w->cid);
    w->self_before = now(CLOCK_THREAD_CPUTIME_ID);
    burn(40);
    w->self_after = now(CLOCK_THREAD_CPUTIME_ID);
    while (!w->go)
        sleep_ms(1);
    return NULL;
}

static void t_settime_unpriv(void)
{
    C_OK(setgroups(0, NULL) == 0 && setresgid(65534, 65534, 65534) == 0 ? setresuid(65534, 65534, 65534) : -1,
         "drop to uid 65534");
    if (geteuid() == 0)
        return; /* still privileged: the calls below would really set the clock */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    C_ERR(clock_settime(CLOCK_REALTIME, &ts), EPERM, "unprivileged clock_settime(CLOCK_REALTIME) -> EPERM");
    struct timeval tv = { ts.tv_sec, 0 };
    C_ERR(settimeofday(&tv, NULL), EPERM, "unprivileged settimeofday -> EPERM");
    struct timespec bad = { ts.tv_sec, 2000000000L };
    C_ERR(clock_settime(CLOCK_REALTIME, &bad), EINVAL, "tv_nsec out of range is checked before permission -> EINVAL");
    C_ERR(clock_settime(CLOCK_MONOTONIC, &ts), EINVAL, "clock_settime(CLOCK_MONOTONIC) -> EINVAL");
    C_ERR(clock_settime(CLOCK_REALTIME_COARSE, &ts), EINVAL, "clock_settime(CLOCK_REALTIME_COARSE) -> EINVAL");
    C_ERR(clock_settime(CLOCK_PROCESS_CPUTIME_ID, &ts), EINVAL,
          "CLOCK_PROCESS_CPUTIME_ID has no settime -> EINVAL");
    C_ERR(clock_settime(12345, &ts), EINVAL, "clock_settime invalid clock -> EINVAL");
}

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (child_check_init()) {
        CHECK(0, "mmap shared result page");
        CHECK_DONE();
    }

    /* Process and thread CPU clocks advance with busy work, not with sleep. */
    {
        /* The thread clock is read first: its time is part of the process's. */
        long long t0 = now(CLOCK_THREAD_CPUTIME_ID), p0 = now(CLOCK_PROCESS_CPUTIME_ID);
        CHECK(p0 >= 0 && t0 >= 0, "CPU clocks readable");
        CHECK(p0 >= t0, "process CPU time >= thread CPU time");
        burn(30);
        long long p1 = now(CLOCK_PROCESS_CPUTIME_ID), t1 = now(CLOCK_THREAD_CPUTIME_ID);
        CHECK(t1 - t0 >= 30 * MS, "thread CPU clock advanced >= 30 ms during 30 ms of busy work");
        CHECK(p1 - p0 >= t1 - t0 - MS, "process CPU clock advanced at least as much");
        long long w0 = now(CLOCK_MONOTONIC);
        sleep_ms(60);
        long long w1 = now(CLOCK_MONOTONIC);
        long long p2 = now(CLOCK_PROCESS_CPUTIME_ID);
        CHECK(w1 - w0 >= 60 * MS, "slept 60 ms");
        CHECK(p2 - p1 < 30 * MS, "process CPU clock barely moves while sleeping");
        CHECK_EQ(syscall(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &(struct timespec){ 0, 0 }), 0,
                 "raw clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        long long s = sys_now(CLOCK_PROCESS_CPUTIME_ID), v = now(CLOCK_PROCESS_CPUTIME_ID);
        CHECK(s > 0 && v >= s, "syscall then libc process CPU time: non-decreasing");
    }

    /* clock_getcpuclockid */
    {
        clockid_t c;
        CHECK_EQ(clock_getcpuclockid(0, &c), 0, "clock_getcpuclockid(0)");
        long long a = now(CLOCK_PROCESS_CPUTIME_ID), b = now(c), d = now(CLOCK_PROCESS_CPUTIME_ID);
        CHECK(b >= a && b <= d, "its clock reads between two CLOCK_PROCESS_CPUTIME_ID samples");
        clockid_t c2;
        CHECK(clock_getcpuclockid(getpid(), &c2) == 0 && now(c2) >= b, "clock_getcpuclockid(getpid()) works too");
        CHECK(now(pid_sched_clock(getpid())) >= b, "hand-made MAKE_PROCESS_CPUCLOCK(pid, SCHED) id works");
        CHECK_EQ(clock_getcpuclockid(4194305, &c2), ESRCH, "clock_getcpuclockid of a nonexistent pid -> ESRCH");

        int p[2];
        if (pipe2(p, 0) == 0) {
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                char ch = 'r';
                close(p[0]);
                burn(40);
                if (write(p[1], &ch, 1) != 1)
                    _exit(1);
                pause();
                _exit(0);
            }
            close(p[1]);
            char ch;
            CHECK(read(p[0], &ch, 1) == 1, "child burned 40 ms of CPU");
            clockid_t cc;
            CHECK_EQ(clock_getcpuclockid(pid, &cc), 0, "clock_getcpuclockid(child)");
            long long ct = now(cc);
            CHECK(ct >= 40 * MS && ct < 2 * NS, "child's CPU clock read from the parent: >= 40 ms");
            struct timespec r;
            CHECK(clock_getres(cc, &r) == 0 && r.tv_sec == 0 && r.tv_nsec == 1, "child's CPU clock resolution 1 ns");
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            struct timespec t;
            CHECK_ERR(syscall(SYS_clock_gettime, cc, &t), EINVAL, "CPU clock of a reaped child -> EINVAL");
            close(p[0]);
        } else {
            CHECK(0, "pipe2");
        }
    }

    /* pthread_getcpuclockid: another thread's CPU clock. */
    {
        static struct worker w;
        pthread_t th;
        long long m0 = now(CLOCK_THREAD_CPUTIME_ID), p0 = now(CLOCK_PROCESS_CPUTIME_ID);
        if (pthread_create(&th, NULL, worker_fn, &w) == 0) {
            while (!w.self_after && now(CLOCK_MONOTONIC) - 0 > 0) {
                sleep_ms(2);
                if (now(CLOCK_PROCESS_CPUTIME_ID) - p0 > 4 * NS)
                    break;
            }
            CHECK_EQ(w.cid_rc, 0, "pthread_getcpuclockid(pthread_self()) in the worker");
            clockid_t tc;
            CHECK_EQ(pthread_getcpuclockid(th, &tc), 0, "pthread_getcpuclockid(worker) from main");
            long long seen = now(tc);
            CHECK(w.self_after - w.self_before >= 40 * MS, "worker's own thread clock advanced >= 40 ms");
            CHECK(seen >= w.self_after, "main reads the worker's clock: at least what the worker saw");
            CHECK(now(w.cid) == -1 || now(w.cid) >= seen, "worker's self id readable from main");
            long long m1 = now(CLOCK_THREAD_CPUTIME_ID), p1 = now(CLOCK_PROCESS_CPUTIME_ID);
            CHECK(m1 - m0 < 30 * MS, "main thread's CPU clock did not count the worker's time");
            CHECK(p1 - p0 >= 40 * MS, "process CPU clock includes the worker's time");
            w.go = 1;
            pthread_join(th, NULL);
        } else {
            CHECK(0, "pthread_create");
        }
    }

    /* Resolutions. */
    CHECK_EQ(res_ns(CLOCK_REALTIME), 1, "clock_getres REALTIME 1 ns");
    CHECK_EQ(res_ns(CLOCK_MONOTONIC), 1, "clock_getres MONOTONIC 1 ns");
    CHECK_EQ(res_ns(CLOCK_MONOTONIC_RAW), 1, "clock_getres MONOTONIC_RAW 1 ns");
    CHECK_EQ(res_ns(CLOCK_BOOTTIME), 1, "clock_getres BOOTTIME 1 ns");
    CHECK_EQ(res_ns(CLOCK_TAI), 1, "clock_getres TAI 1 ns");
    CHECK_EQ(res_ns(CLOCK_PROCESS_CPUTIME_ID), 1, "clock_getres PROCESS_CPUTIME_ID 1 ns");
    CHECK_EQ(res_ns(CLOCK_THREAD_CPUTIME_ID), 1, "clock_getres THREAD_CPUTIME_ID 1 ns");
    long long coarse = res_ns(CLOCK_MONOTONIC_COARSE);
    CHECK(coarse >= 1000000 && coarse <= 10000000, "MONOTONIC_COARSE resolution is a tick (1..10 ms)");
    CHECK_EQ(res_ns(CLOCK_REALTIME_COARSE), coarse, "REALTIME_COARSE has the same resolution");
    {
        struct timespec r;
        CHECK(clock_getres(CLOCK_MONOTONIC, &r) == 0 && r.tv_sec == 0 && r.tv_nsec == 1, "libc clock_getres agrees");
    }

    /* Relations between clocks. */
    {
        int ok = 1;
        long long prev = now(CLOCK_MONOTONIC_RAW);
        for (int i = 0; i < 5000; i++) {
            long long n = now(CLOCK_MONOTONIC_RAW);
            ok &= n >= prev;
            prev = n;
        }
        CHECK(ok, "MONOTONIC_RAW non-decreasing over 5000 reads");
        ok = 1;
        prev = now(CLOCK_MONOTONIC_COARSE);
        for (int i = 0; i < 5000; i++) {
            long long n = now(CLOCK_MONOTONIC_COARSE);
            ok &= n >= prev;
            prev = n;
        }
        CHECK(ok, "MONOTONIC_COARSE non-decreasing over 5000 reads");
        long long m0 = now(CLOCK_MONOTONIC), r0 = now(CLOCK_MONOTONIC_RAW);
        sleep_ms(50);
        long long m1 = now(CLOCK_MONOTONIC), r1 = now(CLOCK_MONOTONIC_RAW);
        long long dm = m1 - m0, dr = r1 - r0;
        CHECK(dr >= 45 * MS && llabs(dm - dr) < dm / 100 + 200000, "MONOTONIC_RAW and MONOTONIC advance at ~the same rate");

        long long f0 = now(CLOCK_MONOTONIC), c = now(CLOCK_MONOTONIC_COARSE), f1 = now(CLOCK_MONOTONIC);
        CHECK(c <= f1 && c >= f0 - 2 * coarse, "MONOTONIC_COARSE lags MONOTONIC by at most ~a tick");
        f0 = now(CLOCK_REALTIME);
        c = now(CLOCK_REALTIME_COARSE);
        f1 = now(CLOCK_REALTIME);
        CHECK(c <= f1 && c >= f0 - 2 * coarse, "REALTIME_COARSE lags REALTIME by at most ~a tick");

        long long b0 = now(CLOCK_BOOTTIME), mm = now(CLOCK_MONOTONIC), b1 = now(CLOCK_BOOTTIME);
        CHECK(b0 >= mm - (b1 - b0) && b1 >= mm, "BOOTTIME >= MONOTONIC");
        sleep_ms(20);
        long long b2 = now(CLOCK_BOOTTIME), m2 = now(CLOCK_MONOTONIC);
        CHECK(llabs((b2 - m2) - (b0 - mm)) < 5 * MS, "BOOTTIME - MONOTONIC offset is stable");

        long long re = now(CLOCK_REALTIME), tai = now(CLOCK_TAI), re2 = now(CLOCK_REALTIME);
        long long off = tai - re;
        long long secs = (off + NS / 2) / NS;
        CHECK(secs >= 0 && secs <= 100 && llabs(off - secs * NS) < (re2 - re) + 5 * MS,
              "CLOCK_TAI = REALTIME + a whole number of seconds (0..100)");
    }

    /* vDSO (libc) vs raw syscall. */
    {
        static const clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
                                         CLOCK_TAI };
        static const char *names[] = { "REALTIME", "MONOTONIC", "MONOTONIC_RAW", "BOOTTIME", "TAI" };
        for (int i = 0; i < 5; i++) {
            int ok = 1;
            for (int k = 0; k < 200 && ok; k++) {
                long long a = now(ids[i]), b = sys_now(ids[i]), c = now(ids[i]);
                ok = a > 0 && a <= b && b <= c;
            }
            char d[96];
            snprintf(d, sizeof(d), "%s: vDSO <= syscall <= vDSO over 200 rounds", names[i]);
            CHECK(ok, d);
        }
        long long a = now(CLOCK_MONOTONIC_COARSE), b = sys_now(CLOCK_MONOTONIC_COARSE),
                  c = now(CLOCK_MONOTONIC_COARSE);
        CHECK(a <= b && b <= c, "MONOTONIC_COARSE: vDSO <= syscall <= vDSO");
        CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8), EFAULT, "raw clock_gettime bad pointer -> EFAULT");
    }

    /* gettimeofday / time vs CLOCK_REALTIME. */
    {
        int ok = 1;
        for (int k = 0; k < 200 && ok; k++) {
            struct timeval tv;
            long long a = now(CLOCK_REALTIME);
            gettimeofday(&tv, NULL);
            long long b = now(CLOCK_REALTIME);
            long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
            ok = us >= a / 1000 && us <= b / 1000 && tv.tv_usec >= 0 && tv.tv_usec < 1000000;
        }
        CHECK(ok, "gettimeofday lies between two CLOCK_REALTIME reads (200 rounds)");
        struct timeval tv;
        long long a = now(CLOCK_REALTIME);
        CHECK(syscall(SYS_gettimeofday, &tv, NULL) == 0 && tv.tv_sec * 1000000LL + tv.tv_usec >= a / 1000,
              "raw gettimeofday not behind CLOCK_REALTIME");
        time_t t = time(NULL);
        long long b = now(CLOCK_REALTIME);
        CHECK(t <= b / NS && t >= a / NS - 1, "time() agrees with CLOCK_REALTIME seconds");
        CHECK_ERR(syscall(SYS_gettimeofday, (void *)8, NULL), EFAULT, "raw gettimeofday bad pointer -> EFAULT");
    }

    /* Invalid clock ids. */
    {
        struct timespec t;
        CHECK_ERR(syscall(SYS_clock_gettime, 16, &t), EINVAL, "clock id 16 (MAX_CLOCKS) -> EINVAL");
        CHECK_ERR(syscall(SYS_clock_gettime, 10, &t), EINVAL, "removed clock id 10 -> EINVAL");
        CHECK_ERR(syscall(SYS_clock_getres, -1000, &t), EINVAL, "clock_getres bogus negative id -> EINVAL");
        CHECK_ERR(syscall(SYS_clock_gettime, pid_sched_clock(4194305), &t), EINVAL,
                  "CPU clock of a nonexistent pid -> EINVAL");
        int fd = open("/dev/null", O_RDONLY);
        CHECK_ERR(syscall(SYS_clock_gettime, (clockid_t)((~(unsigned)fd << 3) | 3), &t), EINVAL,
                  "FD_TO_CLOCKID of a non-clock fd -> EINVAL");
        close(fd);
        CHECK_EQ(clock_gettime(12345, &t), -1, "libc clock_gettime invalid id returns -1");
    }

    /* clock_settime */
    {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        CHECK_ERR(clock_settime(CLOCK_MONOTONIC, &t), EINVAL, "clock_settime(CLOCK_MONOTONIC) -> EINVAL"); /* EINVAL before any permission check */
        CHECK_ERR(clock_settime(CLOCK_BOOTTIME, &t), EINVAL, "clock_settime(CLOCK_BOOTTIME) -> EINVAL");
        /* The two CPU clock constants have no settime at all; the dynamic CPU clock ids of
         * clock_getcpuclockid() do, and it always refuses. */
        CHECK_ERR(clock_settime(CLOCK_THREAD_CPUTIME_ID, &t), EINVAL, "clock_settime(THREAD_CPUTIME_ID) -> EINVAL");
        clockid_t cid;
        CHECK(clock_getcpuclockid(0, &cid) == 0 && syscall(SYS_clock_settime, cid, &t) == -1 && errno == EPERM,
              "clock_settime on clock_getcpuclockid(0) -> EPERM");
        /* needs root: drops to uid 65534 in a child. */
        in_child(t_settime_unpriv, "unprivileged clock_settime");
    }
    CHECK_DONE();
}
