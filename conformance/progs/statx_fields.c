/* statx_fields: statx masks and stx_mask reporting, STATX_BTIME, AT_STATX_* sync flags, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, agreement with fstat, errnos. */
/* syscalls: statx, newfstatat, openat, close, write, mkdir, symlink, link, unlink, rmdir, fchmod,
   utimensat, umask, getuid, getgid, clone, wait4, setgroups, setgid, setuid, exit_group, alarm */
/* area: stat */
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[128], file[160], sub[160], lnk[160];

static long raw_statx(int dfd, const char *path, int flags, unsigned mask, void *buf)
{
    return syscall(SYS_statx, dfd, path, flags, mask, buf);
}

static int ts_eq(struct statx_timestamp a, struct timespec b)
{
    return a.tv_sec == (long long)b.tv_sec && a.tv_nsec == (unsigned)b.tv_nsec;
}

static int ts_le(struct statx_timestamp a, struct statx_timestamp b)
{
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int main(void)
{
    struct statx sx, sx2;
    struct stat st;
    int fd, dfd, r;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    snprintf(dir, sizeof dir, "/tmp/statx_fields%s.%d", CONF_TAG, (int)getpid());
    snprintf(file, sizeof file, "%s/file", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(lnk, sizeof lnk, "%s/lnk", dir);

    CHECK_OK(mkdir(dir, 0755), "mkdir test directory");
    fd = open(file, O_CREAT | O_RDWR | O_EXCL, 0640);
    CHECK(fd >= 0, "create test file mode 0640");
    if (fd < 0) {
        rmdir(dir);
        CHECK_DONE();
    }
    {
        char buf[100];
        memset(buf, 'x', sizeof buf);
        CHECK_EQ(write(fd, buf, sizeof buf), 100, "write 100 bytes");
    }
    CHECK_OK(mkdir(sub, 0711), "mkdir subdirectory");
    CHECK_OK(symlink("file", lnk), "symlink lnk -> file");

    /* Basic stats and stx_mask reporting. */
    memset(&sx, 0xa5, sizeof sx);
    CHECK_OK(statx(AT_FDCWD, file, 0, STATX_BASIC_STATS, &sx), "statx STATX_BASIC_STATS");
    CHECK_EQ(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS, "stx_mask reports all basic stats");
    CHECK(S_ISREG(sx.stx_mode) && (sx.stx_mode & 07777) == 0640, "stx_mode S_IFREG|0640");
    CHECK_EQ(sx.stx_size, 100, "stx_size 100");
    CHECK_EQ(sx.stx_nlink, 1, "stx_nlink 1");
    CHECK(sx.stx_uid == getuid() && sx.stx_gid == getgid(), "stx_uid/stx_gid are the caller's");
    CHECK(sx.stx_blksize > 0 && sx.stx_blocks > 0, "stx_blksize and stx_blocks non-zero after write");
    CHECK_EQ(sx.stx_attributes & ~sx.stx_attributes_mask, 0, "stx_attributes only within stx_attributes_mask");
    CHECK_EQ(sx.stx_mask & 0x40000000u, 0, "stx_mask never reports an unknown bit");

    /* Field agreement with fstat. */
    CHECK_OK(fstat(fd, &st), "fstat the file");
    CHECK(sx.stx_ino == st.st_ino && makedev(sx.stx_dev_major, sx.stx_dev_minor) == st.st_dev,
          "stx_ino and stx_dev_major/minor agree with fstat");
    CHECK(sx.stx_size == (unsigned long long)st.st_size && sx.stx_blocks == (unsigned long long)st.st_blocks &&
              sx.stx_blksize == (unsigned)st.st_blksize && sx.stx_nlink == st.st_nlink &&
              sx.stx_mode == st.st_mode,
          "size/blocks/blksize/nlink/mode agree with fstat");
    CHECK(ts_eq(sx.stx_atime, st.st_atim) && ts_eq(sx.stx_mtime, st.st_mtim) && ts_eq(sx.stx_ctime, st.st_ctim),
          "atime/mtime/ctime (with nanoseconds) agree with fstat");

    /* Explicit timestamps show up exactly. */
    {
        struct timespec ts[2] = {{1000000000, 123456789}, {1100000000, 987654321}};
        CHECK_OK(utimensat(AT_FDCWD, file, ts, 0), "utimensat explicit times");
        CHECK(statx(AT_FDCWD, file, 0, STATX_ATIME | STATX_MTIME, &sx) == 0 &&
                  (sx.stx_mask & (STATX_ATIME | STATX_MTIME)) == (STATX_ATIME | STATX_MTIME) &&
                  sx.stx_atime.tv_sec == 1000000000 && sx.stx_atime.tv_nsec == 123456789 &&
                  sx.stx_mtime.tv_sec == 1100000000 && sx.stx_mtime.tv_nsec == 987654321,
              "requested STATX_ATIME|STATX_MTIME reported with exact values");
    }

    /* A narrow mask still reports the requested field. */
    memset(&sx, 0, sizeof sx);
    CHECK(statx(AT_FDCWD, file, 0, STATX_TYPE, &sx) == 0 && (sx.stx_mask & STATX_TYPE) && S_ISREG(sx.stx_mode),
          "mask STATX_TYPE: type reported");
    memset(&sx, 0, sizeof sx);
    CHECK(statx(AT_FDCWD, file, 0, STATX_SIZE | STATX_INO, &sx) == 0 &&
              (sx.stx_mask & (STATX_SIZE | STATX_INO)) == (STATX_SIZE | STATX_INO) && sx.stx_size == 100 &&
              sx.stx_ino == st.st_ino,
          "mask STATX_SIZE|STATX_INO: both reported");

    /* STATX_BTIME: optional per filesystem; if reported it must be sane. */
    memset(&sx, 0, sizeof sx);
    CHECK_OK(statx(AT_FDCWD, sub, 0, STATX_BASIC_STATS | STATX_BTIME, &sx), "statx STATX_BTIME on a new directory");
    if (sx.stx_mask & STATX_BTIME) {
        CHECK(sx.stx_btime.tv_sec > 0 && sx.stx_btime.tv_nsec < 1000000000u, "stx_btime is a valid timestamp");
        CHECK(ts_le(sx.stx_btime, sx.stx_ctime), "stx_btime <= stx_ctime");
    } else {
        CHECK_SKIP("stx_btime is a valid timestamp", "filesystem does not report btime");
        CHECK_SKIP("stx_btime <= stx_ctime", "filesystem does not report btime");
    }
    CHECK(S_ISDIR(sx.stx_mode) && (sx.stx_mode & 07777) == 0711 && sx.stx_nlink == 2,
          "directory: S_IFDIR|0711, nlink 2");

    /* Sync flags. */
    CHECK_OK(statx(AT_FDCWD, file, AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, &sx), "AT_STATX_SYNC_AS_STAT accepted");
    CHECK(statx(AT_FDCWD, file, AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &sx) == 0 && sx.stx_size == 100,
          "AT_STATX_FORCE_SYNC accepted");
    CHECK(statx(AT_FDCWD, file, AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx) == 0 && sx.stx_size == 100,
          "AT_STATX_DONT_SYNC accepted");
    CHECK_ERR(statx(AT_FDCWD, file, AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx), EINVAL,
              "FORCE_SYNC|DONT_SYNC together -> EINVAL");

    /* AT_EMPTY_PATH on an fd. */
    CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 && sx.stx_ino == st.st_ino && sx.stx_size == 100,
          "AT_EMPTY_PATH on the file fd");
    CHECK_ERR(statx(fd, "", 0, STATX_BASIC_STATS, &sx), ENOENT, "empty path without AT_EMPTY_PATH -> ENOENT");
    /* Since Linux 6.11 a NULL path with AT_EMPTY_PATH means the fd itself. */
    CHECK(raw_statx(fd, NULL, AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 && sx.stx_ino == st.st_ino,
          "NULL path with AT_EMPTY_PATH stats the fd");
    CHECK_ERR(raw_statx(fd, NULL, 0, STATX_BASIC_STATS, &sx), EFAULT, "NULL path without AT_EMPTY_PATH -> EFAULT");
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0, "open test directory");
    {
        struct stat dst;
        CHECK(statx(dfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 && stat(dir, &dst) == 0 &&
                  sx.stx_ino == dst.st_ino && S_ISDIR(sx.stx_mode),
              "AT_EMPTY_PATH on a directory fd");
    }
    CHECK(statx(dfd, "file", 0, STATX_BASIC_STATS, &sx) == 0 && sx.stx_ino == st.st_ino, "path relative to dirfd");
    {
        int pfd = open(lnk, O_PATH | O_NOFOLLOW);
        CHECK(pfd >= 0 && statx(pfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 && S_ISLNK(sx.stx_mode) &&
                  sx.stx_size == 4,
              "AT_EMPTY_PATH on an O_PATH|O_NOFOLLOW symlink fd: the link itself");
        if (pfd >= 0)
            close(pfd);
    }

    /* AT_SYMLINK_NOFOLLOW. */
    CHECK(statx(AT_FDCWD, lnk, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) == 0 && S_ISLNK(sx.stx_mode) &&
              sx.stx_size == 4 && sx.stx_ino != st.st_ino,
          "AT_SYMLINK_NOFOLLOW: the link, size strlen(target)");
    CHECK(statx(AT_FDCWD, lnk, 0, STATX_BASIC_STATS, &sx) == 0 && S_ISREG(sx.stx_mode) && sx.stx_ino == st.st_ino,
          "without AT_SYMLINK_NOFOLLOW: follows to the file");
    CHECK(statx(dfd, "lnk", AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx) == 0 &&
              S_ISLNK(sx.stx_mode),
          "AT_SYMLINK_NOFOLLOW combined with a sync flag");

    /* Changes are visible. */
    CHECK_OK(fchmod(fd, 0604), "fchmod 0604");
    CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_MODE, &sx) == 0 && (sx.stx_mode & 07777) == 0604,
          "statx sees the new mode");
    {
        char l2[200];
        snprintf(l2, sizeof l2, "%s/hard", dir);
        CHECK(link(file, l2) == 0 && statx(fd, "", AT_EMPTY_PATH, STATX_NLINK, &sx) == 0 && sx.stx_nlink == 2,
              "stx_nlink 2 after a hard link");
        unlink(l2);
    }

    /* Device numbers. */
    CHECK(statx(AT_FDCWD, "/dev/null", 0, STATX_BASIC_STATS, &sx) == 0 && S_ISCHR(sx.stx_mode) &&
              sx.stx_rdev_major == 1 && sx.stx_rdev_minor == 3,
          "/dev/null: S_IFCHR, rdev 1:3");
    CHECK(statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, &sx) == 0 && statx(AT_FDCWD, "/..", 0, STATX_BASIC_STATS, &sx2) == 0 &&
              sx.stx_ino == sx2.stx_ino,
          "/.. is /");

    /* Errors. */
    CHECK_ERR(statx(-1, "file", 0, STATX_BASIC_STATS, &sx), EBADF, "bad dirfd with relative path -> EBADF");
    CHECK_ERR(statx(-1, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx), EBADF, "bad fd with AT_EMPTY_PATH -> EBADF");
    CHECK_OK(statx(-1, dir, 0, STATX_BASIC_STATS, &sx), "absolute path ignores a bad dirfd");
    CHECK_ERR(statx(dfd, "missing", 0, STATX_BASIC_STATS, &sx), ENOENT, "missing file -> ENOENT");
    CHECK_ERR(statx(fd, "x", 0, STATX_BASIC_STATS, &sx), ENOTDIR, "regular-file dirfd with relative path -> ENOTDIR");
    CHECK_ERR(statx(dfd, "file/x", 0, STATX_BASIC_STATS, &sx), ENOTDIR, "path through a regular file -> ENOTDIR");
    CHECK_ERR(statx(dfd, "lnk/", 0, STATX_BASIC_STATS, &sx), ENOTDIR, "trailing slash on a symlink to a file -> ENOTDIR");
    CHECK_ERR(statx(AT_FDCWD, file, 0, STATX__RESERVED, &sx), EINVAL, "mask bit STATX__RESERVED -> EINVAL");
    CHECK_ERR(statx(AT_FDCWD, file, AT_SYMLINK_FOLLOW, STATX_BASIC_STATS, &sx), EINVAL,
              "flag AT_SYMLINK_FOLLOW -> EINVAL");
    CHECK_ERR(statx(AT_FDCWD, file, AT_REMOVEDIR, STATX_BASIC_STATS, &sx), EINVAL, "flag AT_REMOVEDIR -> EINVAL");
    CHECK_ERR(raw_statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, (void *)1), EFAULT, "bad statxbuf -> EFAULT");
    CHECK_ERR(raw_statx(AT_FDCWD, (const char *)1, 0, STATX_BASIC_STATS, &sx), EFAULT, "bad path pointer -> EFAULT");
    {
        char longname[300];
        memset(longname, 'n', 299);
        longname[299] = 0;
        CHECK_ERR(statx(dfd, longname, 0, STATX_BASIC_STATS, &sx), ENAMETOOLONG, "299-byte component -> ENAMETOOLONG");
    }

    /* Search permission: unprivileged child cannot stat inside a 0700 directory. */
    {
        char priv[200], pf[220];
        snprintf(priv, sizeof priv, "%s/priv", dir);
        snprintf(pf, sizeof pf, "%s/f", priv);
        mkdir(priv, 0700);
        close(open(pf, O_CREAT | O_WRONLY, 0644));
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            struct statx c;
            if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
                _exit(10);
            if (statx(AT_FDCWD, pf, 0, STATX_BASIC_STATS, &c) == 0)
                _exit(11);
            if (errno != EACCES)
                _exit(12);
            /* stat of the directory itself needs no permission on it */
            if (statx(AT_FDCWD, priv, 0, STATX_BASIC_STATS, &c) != 0)
                _exit(13);
            _exit(0);
        }
        r = wait_code(pid);
        /* needs root: drop to uid 65534 to lose DAC override */
        CHECK_EQ(r, 0, "unprivileged: no search permission -> EACCES, directory itself still statable");
        unlink(pf);
        rmdir(priv);
    }

    close(dfd);
    close(fd);
    unlink(lnk);
    rmdir(sub);
    CHECK_OK(unlink(file), "cleanup");
    rmdir(dir);
    CHECK_DONE();
}
