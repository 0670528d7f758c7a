/* sched: sched_getaffinity, sched_yield, sysinfo. */
/* area: sched */
#include "check.h"

#include <sched.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(void)
{
    cpu_set_t set, set2;
    struct sysinfo si;
    unsigned long mask[16];

    CPU_ZERO(&set);
    CHECK_OK(sched_getaffinity(0, sizeof(set), &set), "sched_getaffinity(0)");
    CHECK(CPU_COUNT(&set) > 0, "affinity mask is non-empty");
    CPU_ZERO(&set2);
    CHECK(sched_getaffinity(getpid(), sizeof(set2), &set2) == 0 && CPU_EQUAL(&set, &set2),
          "sched_getaffinity(getpid()) equals pid 0");

    long r = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
    CHECK(r > 0 && r % sizeof(unsigned long) == 0 && r <= (long)sizeof(mask),
          "raw syscall returns mask size in bytes, multiple of 8");
    CHECK(r > 0 && memcmp(mask, &set, r) == 0, "raw mask equals the libc cpu_set_t");
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 1, mask), EINVAL,
              "buffer size not a multiple of sizeof(long) -> EINVAL");
    CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof(mask), (void *)1), EFAULT,
              "bad mask pointer -> EFAULT");
    CHECK_ERR(sched_getaffinity(0x3ffffff0, sizeof(set), &set), ESRCH, "nonexistent pid -> ESRCH");

    CHECK_EQ(sched_yield(), 0, "sched_yield returns 0");
    {
        int ok = 1;
        for (int i = 0; i < 100; i++)
            ok &= sched_yield() == 0;
        CHECK(ok, "100 sched_yield calls return 0");
    }

    memset(&si, 0, sizeof(si));
    CHECK_OK(sysinfo(&si), "sysinfo");
    CHECK(si.uptime > 0, "uptime > 0");
    CHECK(si.totalram > 0, "totalram > 0");
    CHECK(si.freeram <= si.totalram, "freeram <= totalram");
    CHECK(si.mem_unit >= 1, "mem_unit >= 1");
    CHECK(si.procs >= 1, "procs >= 1");
    CHECK((unsigned long long)si.totalram * si.mem_unit >= 16ULL << 20, "total RAM >= 16 MiB");
    CHECK_ERR(syscall(SYS_sysinfo, (void *)1), EFAULT, "sysinfo bad pointer -> EFAULT");
    CHECK_DONE();
}
