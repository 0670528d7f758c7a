/* rlimit_enforce: RLIMIT_NOFILE -> EMFILE, RLIMIT_FSIZE -> SIGXFSZ/EFBIG, RLIMIT_AS -> ENOMEM, prlimit. */
/* syscalls: setrlimit, getrlimit, prlimit64, open, dup2, fcntl, pipe2, socket, write, pwrite64, ftruncate, mmap, fork, wait4 */
/* area: rlimits */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIR "/tmp/conf_rlimit_enforce" CONF_TAG
#define F DIR "/file"

static volatile int xfsz_hits;
static void on_xfsz(int sig) { (void)sig; xfsz_hits++; }

static int child_status(int (*fn)(void))
{
    int status;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    waitpid(pid, &status, 0);
    return status;
}

static int t_fsize_default(void)
{
    struct rlimit r = { 100, 100 };
    int fd = open(F, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    setrlimit(RLIMIT_FSIZE, &r);
    signal(SIGXFSZ, SIG_DFL);
    static char buf[200];
    write(fd, buf, 100);
    write(fd, buf, 1); /* beyond the limit: SIGXFSZ kills us */
    return 0;
}

static int t_as(void)
{
    struct rlimit r = { 64 << 20, 64 << 20 };
    if (setrlimit(RLIMIT_AS, &r))
        return 1;
    void *p = mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED || errno != ENOMEM)
        return 2;
    return 0;
}

static int t_raise_hard_unpriv(void)
{
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = r.rlim_max = 256;
    setrlimit(RLIMIT_NOFILE, &r);
    if (setresuid(1000, 1000, 1000))
        return 1;
    r.rlim_max = 512;
    if (setrlimit(RLIMIT_NOFILE, &r) != -1 || errno != EPERM)
        return 2;
    r.rlim_max = 128;
    r.rlim_cur = 128;
    return setrlimit(RLIMIT_NOFILE, &r) == 0 ? 0 : 3; /* lowering is always allowed */
}

int main(void)
{
    struct rlimit old, r;
    int fds[64], n = 0, fd, status;
    char buf[2000];

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);

    /* RLIMIT_NOFILE */
    CHECK_OK(getrlimit(RLIMIT_NOFILE, &old), "getrlimit(RLIMIT_NOFILE)");
    r = old;
    r.rlim_cur = 16;
    CHECK_OK(setrlimit(RLIMIT_NOFILE, &r), "lower soft RLIMIT_NOFILE to 16");
    while (n < 64 && (fd = open("/dev/null", O_RDONLY)) >= 0)
        fds[n++] = fd;
    CHECK(n < 64 && errno == EMFILE, "open until failure -> EMFILE");
    CHECK(n > 0 && fds[n - 1] == 15, "the highest descriptor handed out is 15");
    {
        int p[2];
        CHECK_ERR(pipe2(p, 0), EMFILE, "pipe2 at the limit -> EMFILE");
        CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 0), EMFILE, "socket at the limit -> EMFILE");
        CHECK_ERR(dup(0), EMFILE, "dup at the limit -> EMFILE");
    }
    close(fds[--n]);
    CHECK_ERR(dup2(0, 16), EBADF, "dup2 to fd >= limit -> EBADF");
    CHECK_ERR(fcntl(0, F_DUPFD, 16), EINVAL, "F_DUPFD with minimum >= limit -> EINVAL");
    CHECK_EQ(fcntl(0, F_DUPFD, 3), 15, "F_DUPFD finds the one free slot (15)");
    close(15);
    while (n > 0)
        close(fds[--n]);
    r.rlim_cur = old.rlim_max + 1;
    CHECK_ERR(setrlimit(RLIMIT_NOFILE, &r), EINVAL, "soft limit above hard -> EINVAL");
    CHECK_OK(setrlimit(RLIMIT_NOFILE, &old), "restore RLIMIT_NOFILE");
    CHECK_EQ(child_status(t_raise_hard_unpriv), 0, "non-root cannot raise the hard limit (EPERM), may lower it");

    /* RLIMIT_FSIZE with SIGXFSZ ignored / handled. */
    fd = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);
    memset(buf, 'f', sizeof(buf));
    getrlimit(RLIMIT_FSIZE, &old);
    r = (struct rlimit){ 1000, old.rlim_max };
    signal(SIGXFSZ, SIG_IGN);
    CHECK_OK(setrlimit(RLIMIT_FSIZE, &r), "RLIMIT_FSIZE soft 1000");
    CHECK_EQ(write(fd, buf, 2000), 1000, "write crossing the limit is cut short at 1000");
    CHECK_ERR(write(fd, buf, 1), EFBIG, "write at the limit -> EFBIG (SIGXFSZ ignored)");
    CHECK_ERR(pwrite(fd, buf, 10, 5000), EFBIG, "pwrite beyond the limit -> EFBIG");
    CHECK_EQ(pwrite(fd, buf, 10, 100), 10, "pwrite below the limit works");
    CHECK_ERR(ftruncate(fd, 2000), EFBIG, "ftruncate beyond the limit -> EFBIG");
    CHECK_OK(ftruncate(fd, 500), "ftruncate below the limit works");
    signal(SIGXFSZ, on_xfsz);
    lseek(fd, 1000, SEEK_SET);
    CHECK_ERR(write(fd, buf, 1), EFBIG, "with a handler: EFBIG");
    CHECK_EQ(xfsz_hits, 1, "SIGXFSZ handler ran once");
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);
    close(fd);
    status = child_status(t_fsize_default);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ, "default SIGXFSZ kills the writer");

    /* RLIMIT_AS */
    status = child_status(t_as);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "RLIMIT_AS 64MiB: 128MiB mmap -> ENOMEM");

    /* prlimit */
    {
        struct rlimit got;
        r = (struct rlimit){ 1234, RLIM_INFINITY };
        getrlimit(RLIMIT_CORE, &old);
        r.rlim_max = old.rlim_max;
        CHECK_OK(prlimit(getpid(), RLIMIT_CORE, &r, &got), "prlimit set RLIMIT_CORE, get old");
        CHECK(got.rlim_cur == old.rlim_cur && got.rlim_max == old.rlim_max, "prlimit old value");
        CHECK(getrlimit(RLIMIT_CORE, &got) == 0 && got.rlim_cur == 1234, "new value visible via getrlimit");
        setrlimit(RLIMIT_CORE, &old);
        CHECK_ERR(prlimit(getpid(), 99, NULL, &got), EINVAL, "prlimit bad resource -> EINVAL");
        CHECK_ERR(prlimit(4194305, RLIMIT_CORE, NULL, &got), ESRCH, "prlimit nonexistent pid -> ESRCH");
        CHECK_ERR(getrlimit(99, &got), EINVAL, "getrlimit bad resource -> EINVAL");
    }
    unlink(F);
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
