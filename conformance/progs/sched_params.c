/* sched_params: scheduler policies and priorities, affinity, nice values, errnos. */
/* syscalls: sched_getscheduler, sched_setscheduler, sched_getparam, sched_setparam, sched_get_priority_max, sched_get_priority_min, sched_rr_get_interval, sched_setaffinity, sched_getaffinity, sched_yield, getpriority, setpriority, getcpu, fork */
/* area: sched */
#include "check.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int child(int (*fn)(void))
{
    int status;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static int t_fifo(void)
{
    struct sched_param sp = { .sched_priority = 10 };
    if (sched_setscheduler(0, SCHED_FIFO, &sp))
        return 1;
    if (sched_getscheduler(0) != SCHED_FIFO)
        return 2;
    sp.sched_priority = 0;
    if (sched_getparam(0, &sp) || sp.sched_priority != 10)
        return 3;
    sp.sched_priority = 20;
    if (sched_setparam(0, &sp) || (sched_getparam(0, &sp), sp.sched_priority != 20))
        return 4;
    sp.sched_priority = 0;
    if (sched_setscheduler(0, SCHED_OTHER, &sp) || sched_getscheduler(0) != SCHED_OTHER)
        return 5;
    sp.sched_priority = 5;
    if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp))
        return 6;
    if (sched_getscheduler(0) != (SCHED_RR | SCHED_RESET_ON_FORK))
        return 7;
    pid_t pid = fork();
    if (pid == 0)
        _exit(sched_getscheduler(0) == SCHED_OTHER ? 0 : 1);
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 8; /* SCHED_RESET_ON_FORK: child back to SCHED_OTHER */
    struct timespec ts;
    if (sched_rr_get_interval(0, &ts) || (ts.tv_sec == 0 && ts.tv_nsec == 0))
        return 9;
    return 0;
}

static int t_batch_idle(void)
{
    struct sched_param sp = { 0 };
    if (sched_setscheduler(0, SCHED_BATCH, &sp) || sched_getscheduler(0) != SCHED_BATCH)
        return 1;
    if (sched_setscheduler(0, SCHED_IDLE, &sp) || sched_getscheduler(0) != SCHED_IDLE)
        return 2;
    return 0;
}

static int t_nice(void)
{
    errno = 0;
    if (getpriority(PRIO_PROCESS, 0) == -1 && errno)
        return 1;
    if (setpriority(PRIO_PROCESS, 0, 5) || getpriority(PRIO_PROCESS, 0) != 5)
        return 2;
    if (nice(2) != 7)
        return 3;
    if (setpriority(PRIO_PROCESS, 0, 100) || getpriority(PRIO_PROCESS, 0) != 19)
        return 4; /* clamped to 19 */
    if (setresuid(1000, 1000, 1000))
        return 5;
    if (setpriority(PRIO_PROCESS, 0, 10) != -1 || errno != EACCES)
        return 6; /* unprivileged cannot raise priority */
    return 0;
}

int main(void)
{
    struct sched_param sp;
    cpu_set_t set, orig;
    int ncpu = 0;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    CHECK_EQ(sched_getscheduler(0), SCHED_OTHER, "default policy SCHED_OTHER");
    CHECK(sched_getparam(0, &sp) == 0 && sp.sched_priority == 0, "SCHED_OTHER priority 0");
    CHECK(sched_get_priority_min(SCHED_FIFO) == 1 && sched_get_priority_max(SCHED_FIFO) == 99, "SCHED_FIFO range 1..99");
    CHECK(sched_get_priority_min(SCHED_RR) == 1 && sched_get_priority_max(SCHED_RR) == 99, "SCHED_RR range 1..99");
    CHECK(sched_get_priority_min(SCHED_OTHER) == 0 && sched_get_priority_max(SCHED_OTHER) == 0, "SCHED_OTHER range 0..0");
    CHECK(sched_get_priority_min(SCHED_BATCH) == 0 && sched_get_priority_max(SCHED_IDLE) == 0, "BATCH/IDLE range 0");
    CHECK_ERR(sched_get_priority_max(42), EINVAL, "get_priority_max bad policy -> EINVAL");
    CHECK_ERR(sched_get_priority_min(-1), EINVAL, "get_priority_min bad policy -> EINVAL");

    CHECK_EQ(child(t_fifo), 0, "SCHED_FIFO/RR set, read back, reset-on-fork, rr interval");
    CHECK_EQ(child(t_batch_idle), 0, "SCHED_BATCH and SCHED_IDLE");
    CHECK_EQ(child(t_nice), 0, "setpriority/nice, clamp at 19, EACCES for unprivileged raise");
    sp.sched_priority = 0;
    CHECK_ERR(sched_setscheduler(0, SCHED_FIFO, &sp), EINVAL, "SCHED_FIFO priority 0 -> EINVAL");
    sp.sched_priority = 5;
    CHECK_ERR(sched_setscheduler(0, SCHED_OTHER, &sp), EINVAL, "SCHED_OTHER priority 5 -> EINVAL");
    sp.sched_priority = 100;
    CHECK_ERR(sched_setscheduler(0, SCHED_RR, &sp), EINVAL, "SCHED_RR priority 100 -> EINVAL");
    CHECK_ERR(sched_setscheduler(0, 42, &sp), EINVAL, "bad policy -> EINVAL");
    CHECK_ERR(sched_getscheduler(-1), EINVAL, "sched_getscheduler(-1) -> EINVAL");
    CHECK_ERR(sched_getscheduler(4194305), ESRCH, "sched_getscheduler nonexistent -> ESRCH");
    CHECK_ERR(sched_getparam(4194305, &sp), ESRCH, "sched_getparam nonexistent -> ESRCH");
    {
        struct timespec ts = { -1, -1 };
        CHECK(sched_rr_get_interval(0, &ts) == 0 && ts.tv_sec >= 0 && ts.tv_nsec >= 0, "sched_rr_get_interval on OTHER");
    }

    CHECK_OK(sched_getaffinity(0, sizeof(orig), &orig), "sched_getaffinity");
    ncpu = CPU_COUNT(&orig);
    CHECK(ncpu >= 1 && ncpu <= sysconf(_SC_NPROCESSORS_CONF), "affinity mask has 1..nprocs CPUs");
    {
        int first = 0;
        while (!CPU_ISSET(first, &orig))
            first++;
        CPU_ZERO(&set);
        CPU_SET(first, &set);
        CHECK_OK(sched_setaffinity(0, sizeof(set), &set), "pin to the first allowed CPU");
        CPU_ZERO(&set);
        sched_getaffinity(0, sizeof(set), &set);
        CHECK(CPU_COUNT(&set) == 1 && CPU_ISSET(first, &set), "getaffinity returns the single CPU");
        sched_yield();
        CHECK_EQ(sched_getcpu(), first, "sched_getcpu reports the pinned CPU");
        unsigned cpu = 99, node = 99;
        CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && (int)cpu == first, "getcpu syscall agrees");
    }
    CPU_ZERO(&set);
    CHECK_ERR(sched_setaffinity(0, sizeof(set), &set), EINVAL, "empty mask -> EINVAL");
    CPU_ZERO(&set);
    CPU_SET(1000, &set);
    CHECK_ERR(sched_setaffinity(0, sizeof(set), &set), EINVAL, "mask with only a nonexistent CPU -> EINVAL");
    CHECK_OK(sched_setaffinity(0, sizeof(orig), &orig), "restore the original mask");
    {
        long n = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
        CHECK(n >= 8 && n <= (long)sizeof(set) && n % 8 == 0, "raw getaffinity returns bytes copied (multiple of 8)");
    }
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 1, &set), EINVAL, "getaffinity with 1-byte buffer -> EINVAL");
    CHECK_ERR(sched_setaffinity(4194305, sizeof(orig), &orig), ESRCH, "setaffinity nonexistent pid -> ESRCH");
    CHECK_OK(sched_yield(), "sched_yield");
    CHECK_DONE();
}
