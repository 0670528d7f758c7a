/* fchmodat_fchownat: chmod family mode bits, fchmodat2 AT_SYMLINK_NOFOLLOW, chown family -1 handling, suid clearing, EPERM as uid 65534. */
/* syscalls: chmod, fchmod, fchmodat, fchmodat2, chown, fchown, lchown, fchownat, openat, newfstatat, fstat, mkdirat, symlinkat, setresuid, setresgid, setgroups, fork, wait4, nanosleep, unlinkat */
/* area: perms */
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static char dir[128], file[160], other[160], mine[160], lnk[160], sdir[160];

static int pmode(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int lmode_type(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 ? (int)(st.st_mode & S_IFMT) : -1;
}

static long long puid(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_uid : -1;
}

static long long pgid(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_gid : -1;
}

static int wait_code(pid_t pid)
{
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int become_nobody(void)
{
    gid_t g = 65534;
    if (setgroups(1, &g) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
        return -1;
    return 0;
}

/* Child as uid 65534. `other` is root's 0666 file, `mine` is 65534:0 mode 0644. */
static int t_unpriv(void)
{
    if (become_nobody() != 0)
        return 1;
    if (chmod(other, 0777) != -1 || errno != EPERM)
        return 2;
    int fd = open(other, O_RDWR);
    if (fd < 0)
        return 3;
    if (fchmod(fd, 0777) != -1 || errno != EPERM)
        return 4; /* ownership, not the open mode, decides */
    if (fchown(fd, 65534, -1) != -1 || errno != EPERM)
        return 5; /* cannot take ownership */
    close(fd);
    if (chown(mine, 0, -1) != -1 || errno != EPERM)
        return 6; /* cannot give away a file */
    if (chown(mine, -1, 1) != -1 || errno != EPERM)
        return 7; /* gid 1 is not one of our groups */
    if (chown(mine, -1, -1) != 0)
        return 8;
    if (chown(mine, 65534, 65534) != 0)
        return 9; /* to our own uid and a group we are in */
    if (chmod(mine, 0640) != 0)
        return 10; /* owner may chmod */
    return 0;
}

/* Child as uid 65534: setgid is silently dropped when the file's group is not ours. */
static int t_unpriv_sgid(void)
{
    if (become_nobody() != 0)
        return 1;
    if (chmod(mine, 02755) != 0)
        return 2;
    if (pmode(mine) != 0755)
        return 3;
    if (chmod(mine, 04755) != 0)
        return 4; /* setuid on own file is allowed */
    if (pmode(mine) != 04755)
        return 5;
    return 0;
}

int main(void)
{
    int fd, dfd, pid_i = (int)getpid();
    struct stat st, st2;
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    umask(022);
    snprintf(dir, sizeof(dir), "/tmp/fchmodat_fchownat.%d%s", pid_i, CONF_TAG);
    snprintf(file, sizeof(file), "%s/f", dir);
    snprintf(other, sizeof(other), "%s/other", dir);
    snprintf(mine, sizeof(mine), "%s/mine", dir);
    snprintf(lnk, sizeof(lnk), "%s/lnk", dir);
    snprintf(sdir, sizeof(sdir), "%s/sdir", dir);

    CHECK_OK(mkdir(dir, 0755), "mkdir temp dir");
    fd = open(file, O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0, "create file");
    if (fd < 0)
        CHECK_DONE();
    dfd = open(dir, O_RDONLY | O_DIRECTORY);

    /* Mode bits. */
    CHECK_OK(fchmod(fd, 0754), "fchmod 0754");
    CHECK_EQ(pmode(file), 0754, "mode is 0754");
    CHECK_OK(chmod(file, 04755), "chmod 04755 (setuid)");
    CHECK_EQ(pmode(file), 04755, "setuid bit kept by chmod");
    CHECK_OK(chmod(file, 02755), "chmod 02755 (setgid)");
    CHECK_EQ(pmode(file), 02755, "setgid bit kept by chmod");
    CHECK_OK(chmod(file, 07777), "chmod 07777");
    CHECK_EQ(pmode(file), 07777, "all 12 mode bits set");
    CHECK_OK(chmod(file, 0170644), "chmod with file-type bits in mode");
    CHECK(stat(file, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644,
          "file-type bits in chmod mode ignored (still S_IFREG, 0644)");
    CHECK_OK(mkdir(sdir, 0755), "mkdir subdir");
    CHECK_OK(chmod(sdir, 01777), "chmod dir 01777 (sticky)");
    CHECK(stat(sdir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 01777,
          "sticky directory mode 01777");
    CHECK_OK(fchmodat(dfd, "f", 0600, 0), "fchmodat relative to dirfd");
    CHECK_EQ(pmode(file), 0600, "mode 0600 via fchmodat");
    CHECK_OK(fchmod(fd, 0), "fchmod 0");
    CHECK_EQ(pmode(file), 0, "mode 0");
    fchmod(fd, 0644);

    /* Symlinks: chmod follows; NOFOLLOW on a link is EOPNOTSUPP. */
    CHECK_OK(symlink("f", lnk), "symlink lnk -> f");
    CHECK_OK(chmod(lnk, 0640), "chmod through symlink");
    CHECK_EQ(pmode(file), 0640, "chmod through symlink changed the target");
    CHECK_EQ(lmode_type(lnk), S_IFLNK, "link itself is still a symlink");
    CHECK_ERR(fchmodat(dfd, "lnk", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP,
              "fchmodat(AT_SYMLINK_NOFOLLOW) on a symlink -> EOPNOTSUPP");
    CHECK_ERR(syscall(SYS_fchmodat2, dfd, "lnk", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP,
              "fchmodat2(AT_SYMLINK_NOFOLLOW) on a symlink -> EOPNOTSUPP");
    CHECK_EQ(pmode(file), 0640, "target mode unchanged by the failed call");
    CHECK_OK(syscall(SYS_fchmodat2, dfd, "f", 0604, AT_SYMLINK_NOFOLLOW),
             "fchmodat2(AT_SYMLINK_NOFOLLOW) on a regular file works");
    CHECK_EQ(pmode(file), 0604, "mode 0604 via fchmodat2");
    CHECK_ERR(syscall(SYS_fchmodat2, dfd, "f", 0600, 0x8000), EINVAL, "fchmodat2 unknown flag -> EINVAL");
    CHECK_ERR(chmod("/tmp/fchmodat_fchownat.nonexistent/x", 0644), ENOENT, "chmod missing path -> ENOENT");
    CHECK_ERR(fchmod(-1, 0644), EBADF, "fchmod(-1) -> EBADF");
    {
        int pfd = open(file, O_PATH);
        CHECK_ERR(fchmod(pfd, 0644), EBADF, "fchmod on O_PATH fd -> EBADF");
        close(pfd);
    }

    /* ctime changes on chmod. */
    {
        struct timespec ms30 = {0, 30 * 1000 * 1000};
        fstat(fd, &st);
        nanosleep(&ms30, NULL);
        fchmod(fd, 0644);
        fstat(fd, &st2);
        CHECK(st2.st_ctim.tv_sec > st.st_ctim.tv_sec ||
                  (st2.st_ctim.tv_sec == st.st_ctim.tv_sec && st2.st_ctim.tv_nsec > st.st_ctim.tv_nsec),
              "fchmod updates st_ctime");
        CHECK(st2.st_mtim.tv_sec == st.st_mtim.tv_sec && st2.st_mtim.tv_nsec == st.st_mtim.tv_nsec,
              "fchmod leaves st_mtime alone");
        st = st2;
        nanosleep(&ms30, NULL);
        fchown(fd, 1234, -1);
        fstat(fd, &st2);
        CHECK(st2.st_ctim.tv_sec > st.st_ctim.tv_sec ||
                  (st2.st_ctim.tv_sec == st.st_ctim.tv_sec && st2.st_ctim.tv_nsec > st.st_ctim.tv_nsec),
              "fchown updates st_ctime");
    }

    /* Ownership with -1 (needs root: CAP_CHOWN). */
    CHECK(puid(file) == 1234 && pgid(file) == 0, "fchown(fd, 1234, -1): uid 1234, gid kept (needs root: CAP_CHOWN)");
    CHECK_OK(chown(file, -1, 5678), "chown(path, -1, 5678)");
    CHECK(puid(file) == 1234 && pgid(file) == 5678, "uid kept, gid 5678");
    CHECK_OK(chown(file, -1, -1), "chown(-1, -1)");
    CHECK(puid(file) == 1234 && pgid(file) == 5678, "chown(-1, -1) keeps both ids");
    CHECK_OK(fchownat(dfd, "f", 0, 0, 0), "fchownat relative back to 0:0");
    CHECK(puid(file) == 0 && pgid(file) == 0, "owner 0:0");
    CHECK_OK(fchownat(fd, "", 42, 43, AT_EMPTY_PATH), "fchownat(fd, \"\", AT_EMPTY_PATH)");
    CHECK(puid(file) == 42 && pgid(file) == 43, "owner 42:43 via AT_EMPTY_PATH");
    CHECK_ERR(fchownat(dfd, "f", 0, 0, 0x8000), EINVAL, "fchownat unknown flag -> EINVAL");
    CHECK_ERR(fchown(-1, 0, 0), EBADF, "fchown(-1) -> EBADF");

    /* lchown / AT_SYMLINK_NOFOLLOW change the link, chown follows it. */
    CHECK_OK(lchown(lnk, 777, 778), "lchown on symlink");
    CHECK(lstat(lnk, &st) == 0 && st.st_uid == 777 && st.st_gid == 778, "symlink owner 777:778");
    CHECK(puid(file) == 42 && pgid(file) == 43, "lchown did not touch the target");
    CHECK_OK(fchownat(dfd, "lnk", 1, 2, AT_SYMLINK_NOFOLLOW), "fchownat NOFOLLOW on symlink");
    CHECK(lstat(lnk, &st) == 0 && st.st_uid == 1 && st.st_gid == 2 && puid(file) == 42,
          "fchownat NOFOLLOW changed only the link");
    CHECK_OK(chown(lnk, 0, 0), "chown through symlink");
    CHECK(puid(file) == 0 && pgid(file) == 0 && lstat(lnk, &st) == 0 && st.st_uid == 1,
          "chown followed the link to the target");

    /* chown clears setuid (and setgid with group-exec) on regular files, even for root. */
    chmod(file, 06755);
    CHECK_OK(chown(file, 100, 100), "chown a 06755 file");
    CHECK_EQ(pmode(file), 0755, "chown cleared setuid and setgid (g+x)");
    chmod(file, 04755);
    chown(file, -1, -1);
    CHECK_EQ(pmode(file), 0755, "chown(-1, -1) also clears setuid");
    chmod(file, 02644);
    chown(file, 0, 0);
    CHECK_EQ(pmode(file), 02644, "setgid without group-exec kept by root's chown");
    chmod(sdir, 06755);
    chown(sdir, 100, 100);
    CHECK_EQ(pmode(sdir), 06755, "chown on a directory keeps setuid/setgid");

    /* Unprivileged (needs root to setuid). */
    close(open(other, O_RDWR | O_CREAT, 0666));
    chmod(other, 0666);
    close(open(mine, O_RDWR | O_CREAT, 0644));
    chown(mine, 65534, 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_unpriv());
    CHECK_EQ(wait_code(pid), 0,
             "uid 65534: chmod/fchmod/fchown of root's file EPERM, chown own file to uid 0 or foreign gid EPERM, own ids ok");
    CHECK(puid(mine) == 65534 && pgid(mine) == 65534 && pmode(mine) == 0640, "unprivileged chown/chmod took effect");
    CHECK_EQ(pmode(other), 0666, "root's file unchanged");
    chown(mine, 65534, 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_unpriv_sgid());
    CHECK_EQ(wait_code(pid), 0, "uid 65534: chmod 02755 on file of foreign group silently drops setgid; setuid kept");

    close(fd);
    close(dfd);
    unlink(file);
    unlink(other);
    unlink(mine);
    unlink(lnk);
    rmdir(sdir);
    CHECK_OK(rmdir(dir), "remove temp dir");
    CHECK_DONE();
}
