/* rlimit_more: FSIZE signal/partial-write details, NOFILE edge cases, NPROC, SIGPENDING, DATA, CORE, STACK, prlimit64 on other pids, hard/soft rules, inheritance over fork and exec, /proc/<pid>/limits. */
/* syscalls: prlimit64, openat, close, read, write, writev, pwrite64, lseek, fallocate, ftruncate, pipe2,
   socketpair, dup, dup2, fcntl, eventfd2, epoll_create1, memfd_create, rt_sigprocmask, rt_sigpending,
   rt_sigaction, rt_sigreturn, rt_sigqueueinfo, kill, tgkill, mmap, mprotect, munmap, brk, capget, setresuid,
   setresgid, setgroups, clone, execve, wait4, getpid, getppid, getuid, newfstatat, unlink, mkdir, rmdir,
   alarm, exit_group */
/* area: rlimits */
#include "child_check.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[96], fpath[128];

struct rl64 {
    unsigned long long cur, max;
};

static long prl(int pid, int res, const struct rl64 *nw, struct rl64 *old)
{
    return syscall(SYS_prlimit64, pid, res, nw, old);
}

static int set_lim(int res, unsigned long long cur, unsigned long long max)
{
    struct rlimit r = { cur, max };
    return setrlimit(res, &r);
}

static unsigned long long soft(int res)
{
    struct rlimit r;
    return getrlimit(res, &r) == 0 ? r.rlim_cur : 0;
}

static unsigned long long hard(int res)
{
    struct rlimit r;
    return getrlimit(res, &r) == 0 ? r.rlim_max : 0;
}

/* Soft and hard value of a /proc/<pid>/limits row ("unlimited" -> RLIM_INFINITY); 0 on success. */
static int proc_limits(const char *path, const char *row, unsigned long long *s, unsigned long long *h)
{
    static char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strstr(buf, row);
    if (!p)
        return -1;
    p += strlen(row);
    char a[32], b[32];
    if (sscanf(p, "%31s %31s", a, b) != 2)
        return -1;
    *s = strcmp(a, "unlimited") == 0 ? RLIM_INFINITY : strtoull(a, NULL, 10);
    *h = strcmp(b, "unlimited") == 0 ? RLIM_INFINITY : strtoull(b, NULL, 10);
    return 0;
}

static int have_cap(int cap)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d))
        return 0;
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static int drop_to(uid_t u)
{
    return setgroups(0, NULL) == 0 && setresgid(u, u, u) == 0 && setresuid(u, u, u) == 0 ? 0 : -1;
}

static volatile sig_atomic_t xfsz;
static void on_xfsz(int s)
{
    (void)s;
    xfsz++;
}

static void t_fsize(void)
{
    static char buf[4096];
    memset(buf, 'a', sizeof(buf));
    int fd = open(fpath, O_RDWR | O_CREAT | O_TRUNC, 0644);
    C_CHECK(fd >= 0, "open test file");
    C_OK(set_lim(RLIMIT_FSIZE, 1000, hard(RLIMIT_FSIZE)), "RLIMIT_FSIZE soft 1000");
    signal(SIGXFSZ, on_xfsz);
    C_EQ(write(fd, buf, 1000), 1000, "write of exactly the limit succeeds");
    C_EQ(xfsz, 0, "no SIGXFSZ when reaching the limit exactly");
    C_ERR(write(fd, buf, 1), EFBIG, "one more byte -> EFBIG");
    C_EQ(xfsz, 1, "SIGXFSZ delivered to the handler");
    C_EQ(pwrite(fd, buf, 10, 995), 5, "pwrite straddling the limit writes up to it");
    struct iovec iov[2] = { { buf, 600 }, { buf, 600 } };
    C_OK(ftruncate(fd, 0), "truncate to 0");
    lseek(fd, 0, SEEK_SET);
    C_EQ(writev(fd, iov, 2), 1000, "writev crossing the limit is cut at the limit");
    C_ERR(fallocate(fd, 0, 0, 4096), EFBIG, "fallocate beyond the limit -> EFBIG");
    sigset_t s, p;
    sigemptyset(&s);
    sigaddset(&s, SIGXFSZ);
    sigprocmask(SIG_BLOCK, &s, NULL);
    xfsz = 0;
    C_ERR(write(fd, buf, 1), EFBIG, "SIGXFSZ blocked: EFBIG");
    C_CHECK(sigpending(&p) == 0 && sigismember(&p, SIGXFSZ), "SIGXFSZ is left pending while blocked");
    signal(SIGXFSZ, SIG_IGN); /* discards the pending signal */
    C_CHECK(sigpending(&p) == 0 && !sigismember(&p, SIGXFSZ), "ignoring discards the pending SIGXFSZ");
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    int pp[2];
    C_OK(pipe2(pp, O_NONBLOCK), "pipe2");
    C_EQ(write(pp[1], buf, 4096), 4096, "RLIMIT_FSIZE does not apply to pipes");
    close(pp[0]);
    close(pp[1]);
    C_OK(set_lim(RLIMIT_FSIZE, 0, hard(RLIMIT_FSIZE)), "RLIMIT_FSIZE 0");
    int fd2 = open(fpath, O_WRONLY | O_TRUNC);
    C_CHECK(fd2 >= 0, "O_TRUNC open with limit 0 works");
    C_ERR(write(fd2, buf, 1), EFBIG, "limit 0: any write -> EFBIG");
    C_EQ(write(fd2, buf, 0), 0, "zero-length write is fine");
    close(fd2);
    close(fd);
}

static void t_fsize_kill(void)
{
    /* default SIGXFSZ action terminates the writer; measure in a grandchild */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        set_lim(RLIMIT_CORE, 0, hard(RLIMIT_CORE));
        set_lim(RLIMIT_FSIZE, 10, hard(RLIMIT_FSIZE));
        signal(SIGXFSZ, SIG_DFL);
        int fd = open(fpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (write(fd, "0123456789", 10) != 10)
            _exit(1);
        write(fd, "x", 1);
        _exit(2);
    }
    int st = 0;
    C_CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ,
            "default SIGXFSZ kills the writer");
    struct stat sb;
    C_CHECK(stat(fpath, &sb) == 0 && sb.st_size == 10, "the file holds exactly the 10 allowed bytes");
}

static void t_nofile(void)
{
    for (int i = 0; i < 3; i++) /* make sure 0..2 are occupied */
        if (fcntl(i, F_GETFD) == -1)
            open("/dev/null", O_RDWR);
    int nfd = open("/dev/null", O_RDWR);
    int big = fcntl(nfd, F_DUPFD, 20);
    close(nfd);
    C_CHECK(big >= 20, "dup a descriptor to >= 20");
    C_OK(set_lim(RLIMIT_NOFILE, 4, hard(RLIMIT_NOFILE)), "RLIMIT_NOFILE soft 4");
    for (int fd = 3; fd < 20; fd++)
        close(fd);
    int p[2];
    C_ERR(pipe2(p, 0), EMFILE, "pipe2 with one free slot -> EMFILE");
    int sv[2];
    C_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), EMFILE, "socketpair with one free slot -> EMFILE");
    int fd = open("/dev/null", O_RDWR);
    C_EQ(fd, 3, "failed pair creation leaked nothing: open gets fd 3");
    C_ERR(open("/dev/null", O_RDONLY), EMFILE, "open at the limit -> EMFILE");
    C_ERR(eventfd(0, 0), EMFILE, "eventfd at the limit -> EMFILE");
    C_ERR(epoll_create1(0), EMFILE, "epoll_create1 at the limit -> EMFILE");
    C_ERR(syscall(SYS_memfd_create, "x", 0), EMFILE, "memfd_create at the limit -> EMFILE");
    C_EQ(write(big, "x", 1), 1, "descriptor above the new limit stays usable");
    C_ERR(dup(big), EMFILE, "dup of it -> EMFILE (no free slot below 4)");
    C_ERR(dup2(big, 4), EBADF, "dup2 to fd == limit -> EBADF");
    C_EQ(dup2(big, 3), 3, "dup2 onto an existing fd below the limit works");
    C_OK(close(big), "close of the descriptor above the limit");
    C_OK(set_lim(RLIMIT_NOFILE, 0, hard(RLIMIT_NOFILE)), "RLIMIT_NOFILE soft 0");
    C_ERR(open("/dev/null", O_RDONLY), EMFILE, "soft 0: open -> EMFILE");
    C_EQ(write(fd, "x", 1), 1, "open descriptors still usable with soft 0");
    close(fd);
}

static void t_nofile_nr_open(void)
{
    unsigned long long nr = 0;
    char b[32] = { 0 };
    int fd = open("/proc/sys/fs/nr_open", O_RDONLY);
    C_CHECK(fd >= 0 && read(fd, b, sizeof(b) - 1) > 0 && (nr = strtoull(b, NULL, 10)) > 0, "read /proc/sys/fs/nr_open");
    if (fd >= 0)
        close(fd);
    struct rl64 nw = { nr + 1, nr + 1 };
    C_ERR(prl(0, RLIMIT_NOFILE, &nw, NULL), EPERM, "NOFILE above nr_open -> EPERM (even for root)");
    nw.cur = nr + 1;
    nw.max = nr;
    C_ERR(prl(0, RLIMIT_NOFILE, &nw, NULL), EINVAL, "soft > hard checked first -> EINVAL");
}

static void t_hard_rules(void)
{
    struct rlimit old;
    getrlimit(RLIMIT_CORE, &old);
    C_OK(set_lim(RLIMIT_CORE, 0, 4096), "lower RLIMIT_CORE to 0/4096");
    int raised = set_lim(RLIMIT_CORE, 0, 8192) == 0;
    C_CHECK(raised == have_cap(CAP_SYS_RESOURCE), "raising the hard limit works iff CAP_SYS_RESOURCE");
    set_lim(RLIMIT_CORE, 0, 4096);
    C_OK(drop_to(54000 + getpid() % 1000), "drop privileges");
    C_ERR(set_lim(RLIMIT_CORE, 0, 8192), EPERM, "unprivileged: raising the hard limit -> EPERM");
    C_OK(set_lim(RLIMIT_CORE, 4096, 4096), "unprivileged: raising soft up to hard is fine");
    C_ERR(set_lim(RLIMIT_CORE, 4097, 4096), EINVAL, "soft > hard -> EINVAL");
    C_OK(set_lim(RLIMIT_CORE, 100, 200), "unprivileged: lowering the hard limit");
    C_ERR(set_lim(RLIMIT_CORE, 100, 4096), EPERM, "cannot raise it back -> EPERM");
    struct rlimit r;
    C_CHECK(getrlimit(RLIMIT_CORE, &r) == 0 && r.rlim_cur == 100 && r.rlim_max == 200, "limit is 100/200");
    struct rl64 o;
    C_ERR(prl(1, RLIMIT_CORE, NULL, &o), EPERM, "unprivileged prlimit64 on pid 1 (root) -> EPERM");
    C_ERR(prl(getppid(), RLIMIT_CORE, NULL, &o), EPERM, "unprivileged prlimit64 on the root parent -> EPERM");
}

static void t_infinity(void)
{
    struct rl64 o, nw;
    C_OK(prl(0, RLIMIT_FSIZE, NULL, &o), "prlimit64 read FSIZE");
    if (o.max != RLIM_INFINITY) {
        C_SKIP("RLIM_INFINITY round trip", "FSIZE hard limit is finite");
        return;
    }
    nw.cur = 12345;
    nw.max = RLIM_INFINITY;
    C_OK(prl(0, RLIMIT_FSIZE, &nw, NULL), "FSIZE soft 12345, hard infinity");
    nw.cur = ~0ULL;
    C_OK(prl(0, RLIMIT_FSIZE, &nw, &o), "FSIZE soft back to ~0 (RLIM64_INFINITY)");
    C_CHECK(o.cur == 12345 && o.max == ~0ULL, "old value 12345/infinity");
    struct rlimit r;
    C_CHECK(getrlimit(RLIMIT_FSIZE, &r) == 0 && r.rlim_cur == RLIM_INFINITY && r.rlim_max == RLIM_INFINITY,
            "getrlimit returns RLIM_INFINITY");
    unsigned long long s, h;
    C_CHECK(proc_limits("/proc/self/limits", "Max file size", &s, &h) == 0 && s == RLIM_INFINITY &&
                h == RLIM_INFINITY,
            "/proc/self/limits shows unlimited");
}

static void t_nproc(void)
{
    /* Root (the initial user) bypasses RLIMIT_NPROC, so the limit is only checked after dropping. */
    C_OK(set_lim(RLIMIT_NPROC, 0, 0), "RLIMIT_NPROC 0/0");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int st;
    C_CHECK(pid > 0 && waitpid(pid, &st, 0) == pid, "root may still fork with NPROC 0"); /* needs root */
    C_OK(drop_to(55000 + getpid() % 1000), "drop to an otherwise unused uid");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(pid, &st, 0);
    C_CHECK(pid == -1 && errno == EAGAIN, "unprivileged fork over RLIMIT_NPROC -> EAGAIN");
}

static void t_sigpending(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    C_OK(set_lim(RLIMIT_SIGPENDING, 1, 1), "RLIMIT_SIGPENDING 1");
    C_OK(drop_to(56000 + getpid() % 1000), "drop to an otherwise unused uid");
    union sigval v = { .sival_int = 1 };
    C_OK(sigqueue(getpid(), SIGRTMIN, v), "first queued signal fits");
    C_ERR(sigqueue(getpid(), SIGRTMIN, v), EAGAIN, "second queued signal over the limit -> EAGAIN");
    C_OK(kill(getpid(), SIGUSR1), "kill() is not limited by RLIMIT_SIGPENDING");
    sigset_t p;
    C_CHECK(sigpending(&p) == 0 && sigismember(&p, SIGRTMIN) && sigismember(&p, SIGUSR1), "both signals pending");
}

static void t_data(void)
{
    C_OK(set_lim(RLIMIT_DATA, 32 << 20, 32 << 20), "RLIMIT_DATA 32 MiB");
    size_t sz = 64 << 20;
    void *w = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    C_CHECK(w == MAP_FAILED && errno == ENOMEM, "64 MiB private writable mapping -> ENOMEM");
    void *r = mmap(NULL, sz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    C_CHECK(r != MAP_FAILED, "64 MiB read-only mapping is not data: allowed");
    if (r != MAP_FAILED) {
        C_ERR(mprotect(r, sz, PROT_READ | PROT_WRITE), ENOMEM, "making it writable -> ENOMEM");
        munmap(r, sz);
    }
    void *s = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    C_CHECK(s != MAP_FAILED, "64 MiB shared writable mapping is not data: allowed");
    if (s != MAP_FAILED)
        munmap(s, sz);
    unsigned long cur = syscall(SYS_brk, 0);
    C_EQ(syscall(SYS_brk, cur + (64 << 20)), cur, "brk beyond RLIMIT_DATA fails: returns the old break");
}

static void t_core_stack(void)
{
    struct rlimit r;
    C_CHECK(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur > 0 && r.rlim_cur <= r.rlim_max, "RLIMIT_STACK readable");
    unsigned long long s, h;
    C_CHECK(proc_limits("/proc/self/limits", "Max stack size", &s, &h) == 0 && s == r.rlim_cur && h == r.rlim_max,
            "/proc/self/limits Max stack size agrees");
    C_OK(set_lim(RLIMIT_CORE, 0, 0), "RLIMIT_CORE 0/0");
    C_CHECK(getrlimit(RLIMIT_CORE, &r) == 0 && r.rlim_cur == 0 && r.rlim_max == 0, "RLIMIT_CORE reads 0/0");
    C_CHECK(proc_limits("/proc/self/limits", "Max core file size", &s, &h) == 0 && s == 0 && h == 0,
            "/proc/self/limits Max core file size 0 0");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGABRT, SIG_DFL);
        abort();
    }
    int st = 0;
    C_CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "abort() kills with SIGABRT");
    char pat[64] = { 0 };
    int fd = open("/proc/sys/kernel/core_pattern", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, pat, sizeof(pat) - 1) < 0)
            pat[0] = 0;
        close(fd);
    }
    if (pat[0] != '|' && pat[0] != 0)
        C_CHECK(!WCOREDUMP(st), "RLIMIT_CORE 0: no core dumped");
    else
        C_SKIP("RLIMIT_CORE 0: no core dumped", "core_pattern is a pipe (limit not enforced)");
}

static void t_inherit(void)
{
    C_OK(set_lim(RLIMIT_NOFILE, 50, 1000), "NOFILE 50/1000 (lowering)");
    C_OK(set_lim(RLIMIT_CORE, 0, 0), "CORE 0/0");
    C_OK(set_lim(RLIMIT_FSIZE, 123456, hard(RLIMIT_FSIZE)), "FSIZE soft 123456");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(soft(RLIMIT_NOFILE) == 50 && soft(RLIMIT_FSIZE) == 123456 ? 0 : 1);
    int st;
    C_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "limits inherited over fork");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "rlimit_more", "limits-child", (char *)NULL);
        _exit(99);
    }
    C_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "exec child exited");
    C_EQ(WEXITSTATUS(st), 0, "limits inherited over execve");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "limits-child") == 0) {
        struct rlimit r;
        if (getrlimit(RLIMIT_NOFILE, &r) || r.rlim_cur != 50 || r.rlim_max != 1000)
            return 1;
        if (getrlimit(RLIMIT_CORE, &r) || r.rlim_cur != 0 || r.rlim_max != 0)
            return 2;
        if (getrlimit(RLIMIT_FSIZE, &r) || r.rlim_cur != 123456)
            return 3;
        return 0;
    }
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (child_check_init()) {
        CHECK(0, "mmap shared result page");
        CHECK_DONE();
    }
    snprintf(dir, sizeof(dir), "/tmp/rlimit_more%s.%d", CONF_TAG, (int)getpid());
    snprintf(fpath, sizeof(fpath), "%s/f", dir);
    CHECK_OK(mkdir(dir, 0777), "setup: mkdir");

    /* prlimit64 on another process. */
    {
        int p1[2], p2[2];
        char c;
        if (pipe2(p1, 0) == 0 && pipe2(p2, 0) == 0) {
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                close(p1[0]);
                close(p2[1]);
                c = 'r';
                if (write(p1[1], &c, 1) != 1 || read(p2[0], &c, 1) != 1)
                    _exit(1);
                _exit(soft(RLIMIT_NOFILE) == 42 ? 0 : 2);
            }
            close(p1[1]);
            close(p2[0]);
            CHECK(read(p1[0], &c, 1) == 1, "child ready");
            struct rl64 mine, his, nw;
            prl(0, RLIMIT_NOFILE, NULL, &mine);
            CHECK(prl(pid, RLIMIT_NOFILE, NULL, &his) == 0 && his.cur == mine.cur && his.max == mine.max,
                  "prlimit64 get on the child equals the inherited limit");
            nw.cur = 42;
            nw.max = his.max;
            CHECK_OK(prl(pid, RLIMIT_NOFILE, &nw, &his), "prlimit64 set the child's NOFILE soft to 42"); /* needs root */
            CHECK(his.cur == mine.cur, "old value returned");
            char path[64];
            unsigned long long s, h;
            snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
            CHECK(proc_limits(path, "Max open files", &s, &h) == 0 && s == 42 && h == nw.max,
                  "/proc/<child>/limits shows 42");
            CHECK(prl(0, RLIMIT_NOFILE, NULL, &nw) == 0 && nw.cur == mine.cur, "own limit unchanged");
            c = 'g';
            CHECK(write(p2[1], &c, 1) == 1, "release child");
            int st;
            CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw soft limit 42");
            close(p1[0]);
            close(p2[1]);
        } else {
            CHECK(0, "pipe2");
        }
        struct rl64 o;
        CHECK_OK(prl(0, RLIMIT_NOFILE, NULL, NULL), "prlimit64 with both pointers NULL is a no-op");
        CHECK_OK(prl(0, RLIMIT_RTTIME, NULL, &o), "resource 15 (RLIMIT_RTTIME) is valid");
        CHECK_ERR(prl(0, RLIM_NLIMITS, NULL, &o), EINVAL, "resource RLIM_NLIMITS (16) -> EINVAL");
        CHECK_ERR(prl(0, RLIMIT_NOFILE, NULL, (void *)8), EFAULT, "prlimit64 bad old pointer -> EFAULT");
        CHECK_ERR(prl(0, RLIMIT_NOFILE, (void *)8, NULL), EFAULT, "prlimit64 bad new pointer -> EFAULT");
    }

    in_child(t_fsize, "RLIMIT_FSIZE");
    in_child(t_fsize_kill, "SIGXFSZ default");
    in_child(t_nofile, "RLIMIT_NOFILE");
    in_child(t_nofile_nr_open, "NOFILE vs nr_open");
    in_child(t_hard_rules, "hard/soft rules");
    in_child(t_infinity, "RLIM_INFINITY");
    in_child(t_nproc, "RLIMIT_NPROC");
    in_child(t_sigpending, "RLIMIT_SIGPENDING");
    in_child(t_data, "RLIMIT_DATA");
    in_child(t_core_stack, "RLIMIT_CORE/STACK");
    in_child(t_inherit, "inheritance");

    unlink(fpath);
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
