/* utimes: utimensat/futimens with explicit times, UTIME_NOW, UTIME_OMIT, symlinks, permissions. */
/* syscalls: utimensat, utimes, utime, futimesat, stat, lstat, open, symlink, setresuid, fork, wait4, clock_gettime */
/* area: stat */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#define DIR "/tmp/conf_utimes" CONF_TAG
#define F DIR "/file"

static struct stat st_of(const char *p)
{
    struct stat st;
    memset(&st, 0, sizeof(st));
    stat(p, &st);
    return st;
}

static int near_now(time_t t)
{
    time_t now = time(NULL);
    return t >= now - 2 && t <= now + 1;
}

/* Runs utimensat(F, times) as uid 1000 in a child; returns its errno (0 on success). */
static int user_utimens(const struct timespec *times)
{
    int status;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
            _exit(255);
        _exit(utimensat(AT_FDCWD, F, times, 0) == 0 ? 0 : errno);
    }
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
    struct timespec ts[2];
    struct stat st;
    int fd;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    chmod(DIR, 0755);
    fd = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);

    ts[0] = (struct timespec){ 1000000000, 123456789 };
    ts[1] = (struct timespec){ 1100000000, 987654321 };
    CHECK_OK(utimensat(AT_FDCWD, F, ts, 0), "utimensat explicit times");
    st = st_of(F);
    CHECK(st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 123456789, "atime set with nanoseconds");
    CHECK(st.st_mtim.tv_sec == 1100000000 && st.st_mtim.tv_nsec == 987654321, "mtime set with nanoseconds");
    CHECK(near_now(st.st_ctime), "ctime is set to now");

    ts[0] = (struct timespec){ 0, UTIME_OMIT };
    ts[1] = (struct timespec){ 1200000000, 0 };
    CHECK_OK(utimensat(AT_FDCWD, F, ts, 0), "atime UTIME_OMIT, explicit mtime");
    st = st_of(F);
    CHECK(st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 123456789, "UTIME_OMIT leaves atime alone");
    CHECK_EQ(st.st_mtime, 1200000000, "mtime updated");

    ts[0] = (struct timespec){ 0, UTIME_NOW };
    ts[1] = (struct timespec){ 0, UTIME_OMIT };
    CHECK_OK(utimensat(AT_FDCWD, F, ts, 0), "atime UTIME_NOW, mtime UTIME_OMIT");
    st = st_of(F);
    CHECK(near_now(st.st_atime) && st.st_mtime == 1200000000, "atime now, mtime kept");

    ts[0] = ts[1] = (struct timespec){ 0, UTIME_OMIT };
    CHECK_OK(utimensat(AT_FDCWD, F, ts, 0), "both UTIME_OMIT succeeds");
    CHECK_EQ(st_of(F).st_mtime, 1200000000, "both omitted: nothing changes");

    ts[0] = ts[1] = (struct timespec){ 5, 0 };
    utimensat(AT_FDCWD, F, ts, 0);
    CHECK_OK(utimensat(AT_FDCWD, F, NULL, 0), "utimensat NULL times");
    st = st_of(F);
    CHECK(near_now(st.st_atime) && near_now(st.st_mtime), "NULL sets both to now");

    ts[0] = (struct timespec){ 10000000000LL, 0 }; /* year 2286 */
    ts[1] = (struct timespec){ 1, 1 };
    CHECK_OK(futimens(fd, ts), "futimens on the fd");
    st = st_of(F);
    CHECK(st.st_atim.tv_sec == 10000000000LL && st.st_mtim.tv_sec == 1 && st.st_mtim.tv_nsec == 1,
          "futimens: large atime and 1.000000001 mtime");
    {
        int rfd = open(F, O_RDONLY);
        ts[1] = (struct timespec){ 77, 0 };
        CHECK(futimens(rfd, ts) == 0 && st_of(F).st_mtime == 77, "futimens on O_RDONLY fd as owner");
        close(rfd);
    }

    /* Legacy interfaces. */
    {
        struct timeval tv[2] = { { 300, 500000 }, { 400, 250000 } };
        CHECK_OK(utimes(F, tv), "utimes");
        st = st_of(F);
        CHECK(st.st_atim.tv_nsec == 500000000 && st.st_mtime == 400 && st.st_mtim.tv_nsec == 250000000,
              "utimes microseconds become nanoseconds");
        struct utimbuf ub = { 600, 700 };
        CHECK(utime(F, &ub) == 0 && st_of(F).st_atime == 600 && st_of(F).st_mtime == 700, "utime");
        CHECK(syscall(SYS_futimesat, AT_FDCWD, F, tv) == 0 && st_of(F).st_mtime == 400, "futimesat");
    }

    /* Symlinks. */
    symlink("file", DIR "/link");
    ts[0] = ts[1] = (struct timespec){ 2000, 0 };
    CHECK_OK(utimensat(AT_FDCWD, DIR "/link", ts, AT_SYMLINK_NOFOLLOW), "utimensat AT_SYMLINK_NOFOLLOW");
    lstat(DIR "/link", &st);
    CHECK(st.st_mtime == 2000 && st_of(F).st_mtime != 2000, "link's times changed, target's not");
    ts[0] = ts[1] = (struct timespec){ 3000, 0 };
    CHECK(utimensat(AT_FDCWD, DIR "/link", ts, 0) == 0 && st_of(F).st_mtime == 3000, "without the flag it follows");

    /* Directories. */
    ts[0] = ts[1] = (struct timespec){ 4000, 0 };
    CHECK(utimensat(AT_FDCWD, DIR, ts, 0) == 0 && st_of(DIR).st_mtime == 4000, "directory times can be set");

    /* Errors. */
    ts[0] = (struct timespec){ 0, 1000000000 };
    CHECK_ERR(utimensat(AT_FDCWD, F, ts, 0), EINVAL, "tv_nsec out of range -> EINVAL");
    ts[0] = (struct timespec){ 0, -1 };
    CHECK_ERR(utimensat(AT_FDCWD, F, ts, 0), EINVAL, "negative tv_nsec -> EINVAL");
    CHECK_ERR(utimensat(AT_FDCWD, F, NULL, 0x4000), EINVAL, "bad flags -> EINVAL");
    CHECK_ERR(utimensat(AT_FDCWD, DIR "/missing", NULL, 0), ENOENT, "missing file -> ENOENT");
    CHECK_ERR(futimens(999, NULL), EBADF, "futimens bad fd -> EBADF");

    /* Permissions for a non-owner. */
    chmod(F, 0644);
    CHECK_EQ(user_utimens(NULL), EACCES, "non-owner without write access: UTIME_NOW -> EACCES");
    ts[0] = ts[1] = (struct timespec){ 5000, 0 };
    CHECK_EQ(user_utimens(ts), EPERM, "non-owner setting explicit times -> EPERM");
    chmod(F, 0666);
    CHECK_EQ(user_utimens(NULL), 0, "non-owner with write access may set times to now");
    CHECK_EQ(user_utimens(ts), EPERM, "but still not explicit times -> EPERM");

    close(fd);
    unlink(DIR "/link");
    unlink(F);
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
