/* rlimit: getrlimit / prlimit64 for NOFILE, STACK and friends. */
/* area: rlimits */
#include "check.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Kernel layout for the prlimit64 syscall. */
struct rlim64 {
    unsigned long long cur, max;
};

static long prlimit_raw(int pid, int res, const struct rlim64 *nw, struct rlim64 *old)
{
    return syscall(SYS_prlimit64, pid, res, nw, old);
}

int main(void)
{
    struct rlimit rl;
    struct rlim64 r64, saved, nw;

    CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl), "getrlimit NOFILE");
    CHECK(rl.rlim_cur > 0 && rl.rlim_cur <= rl.rlim_max, "NOFILE 0 < cur <= max");
    CHECK_OK(prlimit_raw(0, RLIMIT_NOFILE, NULL, &r64), "prlimit64(pid 0) read NOFILE");
    CHECK(r64.cur == rl.rlim_cur && r64.max == rl.rlim_max, "prlimit64 matches getrlimit");
    {
        struct rlimit raw;
        CHECK(syscall(SYS_getrlimit, RLIMIT_NOFILE, &raw) == 0 && raw.rlim_cur == rl.rlim_cur &&
                  raw.rlim_max == rl.rlim_max,
              "raw SYS_getrlimit matches");
    }
    CHECK(prlimit_raw(getpid(), RLIMIT_NOFILE, NULL, &r64) == 0 && r64.cur == rl.rlim_cur,
          "prlimit64 on own pid matches pid 0");

    CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur > 0 && rl.rlim_cur <= rl.rlim_max,
          "getrlimit STACK: cur > 0, cur <= max");
    CHECK(getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur <= rl.rlim_max, "getrlimit AS");
    CHECK(getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur <= rl.rlim_max, "getrlimit DATA");
    CHECK(getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur <= rl.rlim_max, "getrlimit CORE");

    CHECK_ERR(getrlimit(999, &rl), EINVAL, "getrlimit bad resource -> EINVAL");
    CHECK_ERR(prlimit_raw(0, 999, NULL, &r64), EINVAL, "prlimit64 bad resource -> EINVAL");
    CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)1), EFAULT,
              "getrlimit bad pointer -> EFAULT");

    /* Lower the NOFILE soft limit, observe it, then restore it. */
    prlimit_raw(0, RLIMIT_NOFILE, NULL, &saved);
    nw.cur = 64;
    nw.max = saved.max;
    CHECK_OK(prlimit_raw(0, RLIMIT_NOFILE, &nw, &r64), "prlimit64 set NOFILE soft=64");
    CHECK(r64.cur == saved.cur && r64.max == saved.max, "prlimit64 returned the old limit");
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 64 && rl.rlim_max == saved.max,
          "getrlimit reads back soft=64");
    int nullfd = open("/dev/null", O_RDONLY);
    CHECK_ERR(fcntl(nullfd, F_DUPFD, 64), EINVAL, "F_DUPFD at >= soft limit -> EINVAL");
    {
        int fds[64], n = 0, last;
        while (n < 64 && (last = dup(nullfd)) >= 0)
            fds[n++] = last;
        CHECK(n < 64 && errno == EMFILE, "dup beyond NOFILE soft limit -> EMFILE");
        while (n > 0)
            close(fds[--n]);
    }
    close(nullfd);
    nw.cur = saved.max;
    nw.max = saved.max;
    if (saved.max != RLIM_INFINITY) {
        nw.cur = saved.max + 1;
        CHECK_ERR(prlimit_raw(0, RLIMIT_NOFILE, &nw, NULL), EINVAL, "soft > hard -> EINVAL");
    } else {
        CHECK_SKIP("soft > hard -> EINVAL", "hard limit is infinite");
    }
    CHECK_OK(prlimit_raw(0, RLIMIT_NOFILE, &saved, NULL), "restore NOFILE limit");
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == saved.cur, "limit restored");
    CHECK_DONE();
}
