/* o_path_fds: O_PATH descriptors: I/O and fd-operation EBADF, what does work (fstat, fstatfs, fchdir, *at with dirfd/AT_EMPTY_PATH, dup, limited fcntl), flag masking, symlinks, /proc reopen, permissions. */
/* syscalls: openat, close, read, write, pread64, lseek, newfstatat, fstatfs, statfs, fchmod, fchown, ftruncate,
   fsync, flock, fgetxattr, mmap, ioctl, fcntl, dup, dup3, poll, fadvise64, fallocate, sendfile, fchdir, chdir,
   getcwd, mkdir, mkdirat, unlinkat, unlink, rmdir, symlink, mknodat, readlinkat, fchownat, utimensat,
   fchmodat2, getdents64, chmod, getpid, clone, wait4, setgroups, setgid, setuid, exit_group, alarm */
/* area: open */
#include "check.h"
#include "nobody.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static char dir[128];

static const char *P(const char *rel)
{
    static char bufs[8][256];
    static int n;
    char *b = bufs[n++ % 8];
    snprintf(b, 256, "%s/%s", dir, rel);
    return b;
}

static int mkfile(const char *rel, const char *content, mode_t mode)
{
    int fd = open(P(rel), O_CREAT | O_TRUNC | O_WRONLY, mode);
    if (fd < 0)
        return -1;
    int r = write(fd, content, strlen(content)) == (ssize_t)strlen(content) ? 0 : -1;
    close(fd);
    return r;
}

static int proc_reopen(int fd, int flags)
{
    char pp[64];
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fd);
    return open(pp, flags);
}

/* A mode-0 file: O_PATH works, reading does not, not even through the /proc reopen. */
static int child_noperm(void)
{
    int fd = open(P("secret"), O_PATH);
    if (fd < 0)
        return 1;
    struct stat st;
    if (fstat(fd, &st) != 0 || (st.st_mode & 07777) != 0)
        return 2;
    if (open(P("secret"), O_RDONLY) >= 0 || errno != EACCES)
        return 3;
    if (proc_reopen(fd, O_RDONLY) >= 0 || errno != EACCES)
        return 4;
    return 0;
}

/* Search permission on the path is still required. */
static int child_nosearch(void)
{
    if (open(P("closed/f"), O_PATH) >= 0)
        return 1;
    return errno == EACCES ? 0 : 2;
}

int main(void)
{
    struct stat st, st2;
    char b[256];
    int f, d, s, r, fd2;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof dir, "/tmp/o_path_fds%s.%d", CONF_TAG, (int)getpid());
    if (mkdir(dir, 0755) != 0) {
        CHECK(0, "mkdir test directory");
        CHECK_DONE();
    }
    r = mkfile("file", "abc", 0644) == 0 && mkdir(P("dir"), 0755) == 0 && mkfile("dir/inner", "in", 0644) == 0 &&
        symlink("file", P("sl")) == 0 && mknod(P("fifo"), S_IFIFO | 0644, 0) == 0;
    CHECK(r, "setup: file, dir/inner, symlink sl -> file, fifo");

    f = open(P("file"), O_PATH);
    CHECK(f >= 0, "open file O_PATH");
    if (f < 0)
        goto out;
    CHECK_EQ(fcntl(f, F_GETFL), O_PATH, "F_GETFL is exactly O_PATH");

    /* No I/O. */
    CHECK_ERR(read(f, b, 1), EBADF, "read -> EBADF");
    CHECK_ERR(write(f, "x", 1), EBADF, "write -> EBADF");
    CHECK_ERR(pread(f, b, 1, 0), EBADF, "pread -> EBADF");
    CHECK_ERR(lseek(f, 0, SEEK_SET), EBADF, "lseek -> EBADF");
    CHECK_PTR_ERR(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, f, 0), EBADF, "mmap -> EBADF");
    CHECK_ERR(sendfile(1, f, NULL, 1), EBADF, "sendfile from it -> EBADF");
    {
        int n;
        CHECK_ERR(ioctl(f, FIONREAD, &n), EBADF, "ioctl FIONREAD -> EBADF");
        CHECK_ERR(ioctl(f, FIOCLEX), EBADF, "ioctl FIOCLEX -> EBADF");
    }
    /* No operations on the open file. */
    CHECK_ERR(fchmod(f, 0600), EBADF, "fchmod -> EBADF");
    CHECK_ERR(fchown(f, 0, 0), EBADF, "fchown -> EBADF");
    CHECK_ERR(ftruncate(f, 0), EBADF, "ftruncate -> EBADF");
    CHECK_ERR(fsync(f), EBADF, "fsync -> EBADF");
    CHECK_ERR(flock(f, LOCK_SH), EBADF, "flock -> EBADF");
    CHECK_ERR(fgetxattr(f, "user.x", b, sizeof b), EBADF, "fgetxattr -> EBADF");
    CHECK_ERR(fallocate(f, 0, 0, 10), EBADF, "fallocate -> EBADF");
    CHECK_EQ(posix_fadvise(f, 0, 0, POSIX_FADV_NORMAL), EBADF, "posix_fadvise -> EBADF");
    {
        struct pollfd p = {f, POLLIN, 0};
        CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLNVAL, "poll: POLLNVAL");
    }
    CHECK(stat(P("file"), &st) == 0 && st.st_size == 3 && (st.st_mode & 0777) == 0644,
          "failed operations left the file alone");

    /* What works. */
    CHECK(fstat(f, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_size == 3 && S_ISREG(st2.st_mode),
          "fstat works and agrees with stat");
    {
        struct statfs a, c;
        CHECK(fstatfs(f, &a) == 0 && statfs(dir, &c) == 0 && a.f_type == c.f_type, "fstatfs works");
    }
    CHECK_EQ(fcntl(f, F_GETFD), 0, "F_GETFD 0");
    CHECK(fcntl(f, F_SETFD, FD_CLOEXEC) == 0 && fcntl(f, F_GETFD) == FD_CLOEXEC, "F_SETFD FD_CLOEXEC works");
    fd2 = fcntl(f, F_DUPFD, 50);
    CHECK(fd2 >= 50 && fcntl(fd2, F_GETFL) == O_PATH && fcntl(fd2, F_GETFD) == 0,
          "F_DUPFD: an O_PATH duplicate without FD_CLOEXEC");
    if (fd2 >= 0)
        close(fd2);
    fd2 = dup(f);
    CHECK(fd2 >= 0 && fstat(fd2, &st2) == 0 && st2.st_ino == st.st_ino, "dup works");
    CHECK(fd2 >= 0 && dup3(fd2, 60, O_CLOEXEC) == 60 && fcntl(60, F_GETFD) == FD_CLOEXEC, "dup3 O_CLOEXEC works");
    close(60);
    CHECK_ERR(fcntl(f, F_SETFL, O_NONBLOCK), EBADF, "F_SETFL -> EBADF");
    {
        struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
        CHECK_ERR(fcntl(f, F_GETLK, &fl), EBADF, "F_GETLK -> EBADF");
        CHECK_ERR(fcntl(f, F_SETLK, &fl), EBADF, "F_SETLK -> EBADF");
    }
    CHECK(fstatat(f, "", &st2, AT_EMPTY_PATH) == 0 && st2.st_ino == st.st_ino, "fstatat AT_EMPTY_PATH works");
    {
        struct timespec ts[2] = {{5000, 0}, {6000, 0}};
        CHECK(utimensat(f, "", ts, AT_EMPTY_PATH) == 0 && stat(P("file"), &st2) == 0 && st2.st_mtime == 6000,
              "utimensat AT_EMPTY_PATH works");
    }
    /* Linux 6.6+: fchmodat2 accepts AT_EMPTY_PATH, unlike fchmod on the same fd. */
    CHECK(syscall(SYS_fchmodat2, f, "", 0640, AT_EMPTY_PATH) == 0 && stat(P("file"), &st2) == 0 &&
              (st2.st_mode & 0777) == 0640,
          "fchmodat2 AT_EMPTY_PATH works");
    /* needs root: chown to another id */
    CHECK(fchownat(f, "", 65534, 65534, AT_EMPTY_PATH) == 0 && stat(P("file"), &st2) == 0 && st2.st_uid == 65534,
          "fchownat AT_EMPTY_PATH works");
    CHECK_ERR(fstatat(f, "x", &st2, 0), ENOTDIR, "file O_PATH fd as dirfd -> ENOTDIR");
    CHECK_ERR(fchdir(f), ENOTDIR, "fchdir to a file O_PATH fd -> ENOTDIR");
    r = proc_reopen(f, O_RDWR);
    CHECK(r >= 0 && read(r, b, 3) == 3 && memcmp(b, "abc", 3) == 0, "reopen via /proc/self/fd with O_RDWR reads");
    if (r >= 0)
        close(r);
    if (fd2 >= 0)
        close(fd2);
    CHECK_OK(close(f), "close the O_PATH fd");
    CHECK_ERR(fstat(f, &st2), EBADF, "fstat after close -> EBADF");

    /* Flag masking. */
    CHECK(open(P("file"), O_PATH | O_TRUNC) >= 0 && stat(P("file"), &st2) == 0 && st2.st_size == 3,
          "O_PATH|O_TRUNC does not truncate");
    CHECK_ERR(open(P("missing"), O_PATH | O_CREAT, 0644), ENOENT, "O_PATH|O_CREAT does not create -> ENOENT");
    r = open(P("dir"), O_PATH | O_RDWR);
    CHECK(r >= 0 && fcntl(r, F_GETFL) == O_PATH, "O_PATH|O_RDWR on a directory: access mode ignored");
    r = open(P("file"), O_PATH | O_APPEND | O_NONBLOCK);
    CHECK(r >= 0 && fcntl(r, F_GETFL) == O_PATH, "O_APPEND|O_NONBLOCK are dropped");
    r = open(P("file"), O_PATH | O_CLOEXEC);
    CHECK(r >= 0 && fcntl(r, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC is honoured");
    CHECK_ERR(open(P("file"), O_PATH | O_DIRECTORY), ENOTDIR, "O_PATH|O_DIRECTORY on a file -> ENOTDIR");
    r = open(P("fifo"), O_PATH);
    CHECK(r >= 0 && fstat(r, &st2) == 0 && S_ISFIFO(st2.st_mode), "O_PATH on a FIFO without writers does not block");
    CHECK_ERR(read(r, b, 1), EBADF, "read on the FIFO O_PATH fd -> EBADF");
    r = open("/dev/null", O_PATH);
    CHECK(r >= 0 && fstat(r, &st2) == 0 && S_ISCHR(st2.st_mode), "O_PATH on /dev/null");
    CHECK_ERR(write(r, "x", 1), EBADF, "write on the /dev/null O_PATH fd -> EBADF (device not opened)");

    /* Directory O_PATH fds. */
    d = open(P("dir"), O_PATH | O_DIRECTORY);
    CHECK(d >= 0, "open dir O_PATH|O_DIRECTORY");
    r = openat(d, "inner", O_RDONLY);
    CHECK(r >= 0 && read(r, b, 2) == 2 && memcmp(b, "in", 2) == 0, "openat relative to the O_PATH dir fd");
    if (r >= 0)
        close(r);
    CHECK(fstatat(d, "inner", &st2, 0) == 0 && st2.st_size == 2, "fstatat relative to it");
    CHECK(mkdirat(d, "newd", 0755) == 0 && unlinkat(d, "newd", AT_REMOVEDIR) == 0, "mkdirat/unlinkat relative to it");
    {
        char buf[256] __attribute__((aligned(8)));
        CHECK_ERR(syscall(SYS_getdents64, d, buf, sizeof buf), EBADF, "getdents64 on it -> EBADF");
    }
    CHECK(fchdir(d) == 0 && getcwd(b, sizeof b) != NULL && strcmp(b, P("dir")) == 0, "fchdir to it works");
    CHECK(open("inner", O_RDONLY) >= 0, "relative open from the new cwd");
    chdir("/");

    /* Symlinks. */
    s = open(P("sl"), O_PATH | O_NOFOLLOW);
    CHECK(s >= 0 && fstat(s, &st2) == 0 && S_ISLNK(st2.st_mode), "O_PATH|O_NOFOLLOW on a symlink: fstat S_ISLNK");
    CHECK(fstatat(s, "", &st2, AT_EMPTY_PATH) == 0 && S_ISLNK(st2.st_mode) && st2.st_size == 4,
          "fstatat AT_EMPTY_PATH: the link itself");
    memset(b, 0, sizeof b);
    CHECK(readlinkat(s, "", b, sizeof b) == 4 && strcmp(b, "file") == 0, "readlinkat(fd, \"\") gives the target");
    CHECK_ERR(proc_reopen(s, O_RDONLY), ELOOP, "reopening the symlink fd via /proc -> ELOOP");
    r = open(P("sl"), O_PATH);
    CHECK(r >= 0 && fstat(r, &st2) == 0 && st2.st_ino == st.st_ino, "O_PATH without O_NOFOLLOW follows the link");

    /* Permissions (needs root: drop to uid 65534 to lose DAC override). */
    CHECK(mkfile("secret", "s", 0600) == 0 && chmod(P("secret"), 0) == 0, "mode-0 file");
    CHECK_EQ(as_nobody(child_noperm), 0,
             "unprivileged: O_PATH on a mode-0 file works, O_RDONLY and the /proc reopen -> EACCES");
    CHECK(mkdir(P("closed"), 0700) == 0 && mkfile("closed/f", "f", 0644) == 0, "0700 directory with a file");
    CHECK_EQ(as_nobody(child_nosearch), 0, "unprivileged: O_PATH still needs search permission -> EACCES");

out:
    unlink(P("closed/f"));
    rmdir(P("closed"));
    unlink(P("secret"));
    unlink(P("sl"));
    unlink(P("fifo"));
    unlink(P("dir/inner"));
    rmdir(P("dir"));
    unlink(P("file"));
    CHECK_OK(rmdir(dir), "cleanup: test directory empty");
    CHECK_DONE();
}
