/* getrusage_times: getrusage SELF/CHILDREN/THREAD, wait4 rusage, times(), CPU clocks. */
/* syscalls: getrusage, times, wait4, waitid, fork, clock_gettime, mmap, nanosleep */
/* area: rusage */
#include "check.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long tv_us(struct timeval tv) { return tv.tv_sec * 1000000LL + tv.tv_usec; }

static long long clock_us(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Spins in user mode until this process has used ms of CPU (bounded by 1s wall time). */
/* Burns ms of user time (what the checks measure), giving up after 3 s of wall time on a
 * loaded machine. */
static void burn_ms(int ms)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    long long start = tv_us(r.ru_utime), wall = clock_us(CLOCK_MONOTONIC);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 20000; i++)
            x += i;
        getrusage(RUSAGE_SELF, &r);
    } while (tv_us(r.ru_utime) - start < ms * 1000LL && clock_us(CLOCK_MONOTONIC) - wall < 3000000);
}

int main(void)
{
    struct rusage r0, r1, rc;
    struct tms t0, t1;
    clock_t c0, c1;
    long tck = sysconf(_SC_CLK_TCK);

    alarm(20);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    CHECK_OK(getrusage(RUSAGE_SELF, &r0), "getrusage(RUSAGE_SELF)");
    CHECK(r0.ru_utime.tv_usec >= 0 && r0.ru_utime.tv_usec < 1000000 && r0.ru_stime.tv_usec < 1000000,
          "timevals normalised");
    CHECK(r0.ru_maxrss > 0, "ru_maxrss > 0");
    CHECK_OK(getrusage(RUSAGE_CHILDREN, &rc), "getrusage(RUSAGE_CHILDREN)");
    CHECK(tv_us(rc.ru_utime) == 0 && tv_us(rc.ru_stime) == 0, "no children yet: zero child times");
    CHECK_EQ(tck, 100, "sysconf(_SC_CLK_TCK) == 100");
    c0 = times(&t0);
    CHECK(c0 != (clock_t)-1, "times() succeeds");

    burn_ms(60);
    getrusage(RUSAGE_SELF, &r1);
    CHECK(tv_us(r1.ru_utime) - tv_us(r0.ru_utime) >= 30000, "ru_utime grew by >= 30ms after burning 60ms");
    CHECK(clock_us(CLOCK_PROCESS_CPUTIME_ID) >= 60000, "CLOCK_PROCESS_CPUTIME_ID >= 60ms");
    CHECK(clock_us(CLOCK_THREAD_CPUTIME_ID) >= 60000, "CLOCK_THREAD_CPUTIME_ID >= 60ms");
    {
        struct rusage rt;
        CHECK(getrusage(RUSAGE_THREAD, &rt) == 0 && tv_us(rt.ru_utime) >= 30000, "RUSAGE_THREAD sees the burn");
    }
    {
        struct timespec ts = { 0, 30000000 };
        nanosleep(&ts, NULL);
    }
    c1 = times(&t1);
    CHECK(c1 - c0 >= 8, "times() return value advanced >= 8 ticks over ~90ms");
    CHECK(t1.tms_utime - t0.tms_utime >= 3, "tms_utime advanced");
    CHECK(t1.tms_cutime == 0 && t1.tms_cstime == 0, "no waited-for children: tms_cutime 0");

    /* Faults and memory. ru_maxrss survives execve, so it may start at the parent's peak
     * (a large runner's): touch that much again plus 16 MiB, and the peak must rise. */
    {
        getrusage(RUSAGE_SELF, &r0);
        size_t sz = (size_t)r0.ru_maxrss * 1024 + (16 << 20);
        char *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(m != MAP_FAILED, "mmap the memory to touch");
        if (m != MAP_FAILED) {
            for (size_t i = 0; i < sz; i += 4096)
                m[i] = 1;
            getrusage(RUSAGE_SELF, &r1);
            CHECK(r1.ru_minflt - r0.ru_minflt >= 4096, "touching 16MiB more than the peak adds minor faults");
            CHECK(r1.ru_maxrss - r0.ru_maxrss >= 12000, "ru_maxrss rises by the 16MiB beyond the old peak (KiB units)");
            munmap(m, sz);
        }
    }
    getrusage(RUSAGE_SELF, &r0);
    for (int i = 0; i < 5; i++) {
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    getrusage(RUSAGE_SELF, &r1);
    /* A sleeper preempted until its timer has fired returns without a voluntary switch; the
     * preemption is then counted as involuntary. */
    CHECK(r1.ru_nvcsw - r0.ru_nvcsw >= 1 && (r1.ru_nvcsw + r1.ru_nivcsw) - (r0.ru_nvcsw + r0.ru_nivcsw) >= 5,
          "five sleeps count five context switches, voluntary ones among them");

    /* Children: counted only once waited for. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* Touch 8 MiB: the kernel's RSS counters are per-CPU and fold in batches, so a child
         * that touches a few pages may exit with a peak RSS that reads as 0. */
        size_t sz = 8 << 20;
        char *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED)
            for (size_t i = 0; i < sz; i += 4096)
                m[i] = 1;
        burn_ms(60);
        _exit(0);
    }
    {
        siginfo_t si;
        struct rusage wr;
        waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
        getrusage(RUSAGE_CHILDREN, &rc);
        CHECK(tv_us(rc.ru_utime) == 0, "exited but unreaped child not yet in RUSAGE_CHILDREN");
        CHECK_EQ(wait4(pid, NULL, 0, &wr), pid, "wait4 reaps with rusage");
        CHECK(tv_us(wr.ru_utime) >= 30000, "wait4 rusage shows the child's >= 30ms user time");
        getrusage(RUSAGE_CHILDREN, &rc);
        CHECK(tv_us(rc.ru_utime) >= 30000, "RUSAGE_CHILDREN includes the reaped child");
        CHECK(rc.ru_maxrss >= 4096, "RUSAGE_CHILDREN ru_maxrss covers the child's 8 MiB (KiB units)");
        times(&t1);
        CHECK(t1.tms_cutime >= 3, "tms_cutime includes the reaped child");
        getrusage(RUSAGE_SELF, &r1);
        CHECK(tv_us(r1.ru_utime) < tv_us(r0.ru_utime) + 30000, "child's time not added to RUSAGE_SELF");
    }
    CHECK_ERR(getrusage(42, &r0), EINVAL, "getrusage invalid who -> EINVAL");
    CHECK_ERR(getrusage(RUSAGE_SELF, NULL), EFAULT, "getrusage NULL -> EFAULT");
    CHECK_DONE();
}
