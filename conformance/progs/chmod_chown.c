/* chmod_chown: mode and ownership changes as root, setuid/setgid clearing, setgid dirs, EPERM as non-root. */
/* syscalls: chmod, fchmod, fchmodat, chown, fchown, lchown, fchownat, stat, lstat, open, mkdir, symlink, setresuid, fork, wait4 */
/* area: perms */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DIR "/tmp/conf_chmod_chown" CONF_TAG
#define F DIR "/file"

static mode_t mode_of(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static int owner_is(const char *p, uid_t u, gid_t g, int follow)
{
    struct stat st;
    if ((follow ? stat(p, &st) : lstat(p, &st)) != 0)
        return 0;
    return st.st_uid == u && st.st_gid == g;
}

/* Runs op as uid/gid 1000 in a child; returns the errno it saw (0 on success). */
static int as_user(int op)
{
    int status;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
            _exit(255);
        int r = op == 0 ? chmod(F, 0777) : op == 1 ? chown(F, 1000, 1000) : op == 2 ? chown(DIR "/mine", 2000, -1)
                : chown(DIR "/mine", -1, 0);
        _exit(r == 0 ? 0 : errno);
    }
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
    struct stat st, st2;
    int fd, dfd;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    chmod(DIR, 0755);
    fd = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);
    dfd = open(DIR, O_RDONLY | O_DIRECTORY);

    CHECK(chmod(F, 0600) == 0 && mode_of(F) == 0600, "chmod 0600");
    CHECK(fchmod(fd, 0640) == 0 && mode_of(F) == 0640, "fchmod 0640");
    CHECK_OK(fchmodat(dfd, "file", 0711, 0), "fchmodat 0711");
    CHECK_EQ(mode_of(F), 0711, "mode 0711");
    CHECK_OK(chmod(F, 07755), "chmod with setuid, setgid and sticky bits");
    CHECK_EQ(mode_of(F), 07755, "mode 07755 preserved as root");
    CHECK_OK(chmod(F, 0), "chmod 0");
    CHECK(stat(F, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0, "mode 0, still S_IFREG");
    fstat(fd, &st);
    {
        struct timespec old = st.st_ctim;
        struct timespec ts = { 0, 20000000 };
        nanosleep(&ts, NULL);
        fchmod(fd, 0644);
        fstat(fd, &st2);
        CHECK(st2.st_ctim.tv_sec > old.tv_sec || (st2.st_ctim.tv_sec == old.tv_sec && st2.st_ctim.tv_nsec > old.tv_nsec),
              "chmod updates ctime");
    }
    CHECK_ERR(chmod(DIR "/missing", 0600), ENOENT, "chmod missing -> ENOENT");
    CHECK_ERR(fchmod(999, 0600), EBADF, "fchmod bad fd -> EBADF");
    CHECK_ERR(fchmodat(dfd, "file", 0600, 0x1000), EINVAL, "fchmodat bad flags -> EINVAL");
    {
        int pfd = open(F, O_PATH);
        CHECK_ERR(fchmod(pfd, 0600), EBADF, "fchmod on O_PATH fd -> EBADF");
        CHECK_ERR(fchown(pfd, 0, 0), EBADF, "fchown on O_PATH fd -> EBADF");
        close(pfd);
    }

    CHECK_OK(chown(F, 1234, 5678), "chown to 1234:5678");
    CHECK(owner_is(F, 1234, 5678, 1), "st_uid 1234, st_gid 5678");
    CHECK_OK(chown(F, -1, -1), "chown -1,-1 is a no-op");
    CHECK(owner_is(F, 1234, 5678, 1), "ownership unchanged");
    CHECK_OK(fchown(fd, 42, -1), "fchown uid only");
    CHECK(owner_is(F, 42, 5678, 1), "gid kept when -1");
    CHECK_OK(fchownat(dfd, "file", 0, 0, 0), "fchownat back to 0:0");
    CHECK(owner_is(F, 0, 0, 1), "owner 0:0");

    symlink("file", DIR "/link");
    CHECK_OK(lchown(DIR "/link", 77, 88), "lchown on a symlink");
    CHECK(owner_is(DIR "/link", 77, 88, 0) && owner_is(F, 0, 0, 1), "lchown changes the link, not the target");
    CHECK_OK(fchownat(dfd, "link", 99, 99, AT_SYMLINK_NOFOLLOW), "fchownat AT_SYMLINK_NOFOLLOW");
    CHECK(owner_is(DIR "/link", 99, 99, 0), "link owner 99:99");
    CHECK_OK(chown(DIR "/link", 11, 12), "chown through a symlink");
    CHECK(owner_is(F, 11, 12, 1) && owner_is(DIR "/link", 99, 99, 0), "chown follows the link");
    CHECK_OK(chmod(DIR "/link", 0604), "chmod through a symlink");
    CHECK_EQ(mode_of(F), 0604, "chmod follows the link");

    /* chown clears setuid, and setgid when group-executable. */
    chmod(F, 06755);
    CHECK_OK(chown(F, 0, 0), "chown a 06755 file");
    CHECK_EQ(mode_of(F), 0755, "setuid and setgid cleared by chown");
    chmod(F, 02745);
    fchown(fd, 5, 5);
    CHECK_EQ(mode_of(F), 02745, "setgid kept when not group-executable (mandatory-lock style)");

    /* setgid directory: new entries inherit its group, subdirs inherit the bit. */
    mkdir(DIR "/sgid", 0755);
    chown(DIR "/sgid", 0, 4321);
    chmod(DIR "/sgid", 02775);
    close(open(DIR "/sgid/f", O_WRONLY | O_CREAT, 0644));
    mkdir(DIR "/sgid/sub", 0755);
    CHECK(stat(DIR "/sgid/f", &st) == 0 && st.st_gid == 4321, "file in setgid dir inherits the dir's group");
    CHECK(stat(DIR "/sgid/sub", &st) == 0 && st.st_gid == 4321 && (st.st_mode & S_ISGID),
          "subdir inherits group and S_ISGID");

    /* Unprivileged callers. */
    chown(F, 0, 0);
    close(open(DIR "/mine", O_WRONLY | O_CREAT, 0644));
    chown(DIR "/mine", 1000, 1000);
    CHECK_EQ(as_user(0), EPERM, "non-owner chmod -> EPERM");
    CHECK_EQ(as_user(1), EPERM, "non-root chown of someone else's file -> EPERM");
    CHECK_EQ(as_user(2), EPERM, "owner cannot give a file away -> EPERM");
    CHECK_EQ(as_user(3), EPERM, "owner cannot chgrp to a group it is not in -> EPERM");

    unlink(DIR "/sgid/f");
    rmdir(DIR "/sgid/sub");
    rmdir(DIR "/sgid");
    unlink(DIR "/mine");
    unlink(DIR "/link");
    unlink(F);
    close(fd);
    close(dfd);
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
