/* faccessat2: access/faccessat/faccessat2 modes, real vs effective ids (AT_EACCESS), root bypass rules, symlink and dirfd handling, errnos. */
/* syscalls: access, faccessat, faccessat2, openat, mkdirat, symlinkat, chmod, setresuid, setresgid, setgroups, fork, wait4, unlinkat */
/* area: perms */
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

static char dir[128], secret[160], pub[160], exe[160], none[160], priv[160], privf[200], dangling[160];

static long fa2(int dfd, const char *p, int mode, int flags)
{
    return syscall(SYS_faccessat2, dfd, p, mode, flags);
}

static int wait_code(pid_t pid)
{
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int err_is(long r, int e)
{
    return r == -1 && errno == e;
}

/* Real uid 65534, effective uid 0. */
static int t_real_nobody(void)
{
    gid_t g = 65534;
    if (setgroups(1, &g) != 0 || setresgid(65534, 0, 0) != 0 || setresuid(65534, 0, 0) != 0)
        return 1;
    if (!err_is(access(secret, R_OK), EACCES))
        return 2; /* checked against the real uid */
    if (fa2(AT_FDCWD, secret, R_OK, AT_EACCESS) != 0)
        return 3; /* effective uid 0 */
    if (!err_is(fa2(AT_FDCWD, secret, R_OK, 0), EACCES))
        return 4;
    if (open(secret, O_RDONLY) < 0)
        return 5; /* open uses the effective uid */
    if (access(pub, R_OK) != 0 || !err_is(access(pub, W_OK), EACCES))
        return 6;
    return 0;
}

/* Real uid 0, effective uid 65534. */
static int t_eff_nobody(void)
{
    if (setresuid(0, 65534, 0) != 0)
        return 1;
    if (access(secret, R_OK | W_OK) != 0)
        return 2; /* real root keeps its override */
    if (!err_is(fa2(AT_FDCWD, secret, R_OK, AT_EACCESS), EACCES))
        return 3;
    if (!err_is(fa2(AT_FDCWD, pub, W_OK, AT_EACCESS), EACCES))
        return 4;
    if (fa2(AT_FDCWD, pub, R_OK, AT_EACCESS) != 0)
        return 5;
    return 0;
}

/* Fully unprivileged. */
static int t_nobody(void)
{
    gid_t g = 65534;
    if (setgroups(1, &g) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
        return 1;
    if (!err_is(access(secret, F_OK | R_OK), EACCES))
        return 2;
    if (access(secret, F_OK) != 0)
        return 3; /* existence needs only search permission on the path */
    if (access(pub, R_OK) != 0 || !err_is(access(pub, W_OK), EACCES) || !err_is(access(pub, X_OK), EACCES))
        return 4;
    if (access(exe, R_OK | X_OK) != 0)
        return 5;
    if (!err_is(access(privf, F_OK), EACCES))
        return 6; /* no search permission on the 0700 directory */
    if (!err_is(access(none, R_OK), EACCES))
        return 7;
    return 0;
}

int main(void)
{
    int dfd, ffd, pid_i = (int)getpid();
    char buf[200];
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    snprintf(dir, sizeof(dir), "/tmp/faccessat2.%d%s", pid_i, CONF_TAG);
    snprintf(secret, sizeof(secret), "%s/secret", dir);
    snprintf(pub, sizeof(pub), "%s/pub", dir);
    snprintf(exe, sizeof(exe), "%s/exe", dir);
    snprintf(none, sizeof(none), "%s/none", dir);
    snprintf(priv, sizeof(priv), "%s/priv", dir);
    snprintf(privf, sizeof(privf), "%s/priv/f", dir);
    snprintf(dangling, sizeof(dangling), "%s/dangling", dir);

    CHECK_OK(mkdir(dir, 0755), "mkdir temp dir");
    close(open(secret, O_WRONLY | O_CREAT, 0600));
    close(open(pub, O_WRONLY | O_CREAT, 0644));
    close(open(exe, O_WRONLY | O_CREAT, 0755));
    close(open(none, O_WRONLY | O_CREAT, 0));
    chmod(secret, 0600);
    chmod(pub, 0644);
    chmod(exe, 0755);
    chmod(none, 0);
    mkdir(priv, 0700);
    close(open(privf, O_WRONLY | O_CREAT, 0644));
    symlink("does-not-exist", dangling);

    /* Basic results as root. */
    CHECK_OK(access(pub, F_OK), "access F_OK on existing file");
    CHECK_OK(access(exe, R_OK | W_OK | X_OK), "root: R|W|X on 0755 file");
    CHECK_OK(access(none, R_OK | W_OK), "root: R|W on mode 0 file (needs root: CAP_DAC_OVERRIDE)");
    CHECK_ERR(access(none, X_OK), EACCES, "root: X_OK on file with no x bit -> EACCES");
    CHECK_ERR(access(pub, X_OK), EACCES, "root: X_OK on 0644 file -> EACCES");
    chmod(none, 0001);
    CHECK_OK(access(none, X_OK), "root: X_OK ok when any x bit (other) is set");
    chmod(none, 0);
    CHECK_OK(access(priv, X_OK), "root: X_OK on 0700 directory");
    chmod(priv, 0);
    CHECK_OK(access(priv, R_OK | W_OK | X_OK), "root: R|W|X on mode 0 directory (search always allowed)");
    chmod(priv, 0700);

    /* Errors. */
    CHECK_ERR(access(pub, 8), EINVAL, "access mode 8 -> EINVAL");
    CHECK_ERR(access(pub, -1), EINVAL, "access mode -1 -> EINVAL");
    snprintf(buf, sizeof(buf), "%s/missing", dir);
    CHECK_ERR(access(buf, F_OK), ENOENT, "missing file -> ENOENT");
    snprintf(buf, sizeof(buf), "%s/x", pub);
    CHECK_ERR(access(buf, F_OK), ENOTDIR, "file used as directory -> ENOTDIR");
    CHECK_ERR(access("", F_OK), ENOENT, "empty path -> ENOENT");
    CHECK_ERR(fa2(AT_FDCWD, pub, R_OK, 0x1), EINVAL, "faccessat2 unknown flag -> EINVAL");
    CHECK_ERR(fa2(AT_FDCWD, pub, 8, 0), EINVAL, "faccessat2 invalid mode -> EINVAL");

    /* dirfd handling. */
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK_OK(syscall(SYS_faccessat, dfd, "pub", R_OK), "faccessat relative to dirfd");
    CHECK_ERR(syscall(SYS_faccessat, dfd, "missing", F_OK), ENOENT, "faccessat relative missing -> ENOENT");
    CHECK_ERR(syscall(SYS_faccessat, -1, "pub", F_OK), EBADF, "faccessat bad dirfd with relative path -> EBADF");
    CHECK_OK(syscall(SYS_faccessat, -1, pub, F_OK), "faccessat bad dirfd ignored for absolute path");
    ffd = open(pub, O_RDONLY);
    CHECK_ERR(syscall(SYS_faccessat, ffd, "x", F_OK), ENOTDIR, "faccessat with a file as dirfd -> ENOTDIR");
    CHECK_OK(fa2(ffd, "", R_OK, AT_EMPTY_PATH), "faccessat2 AT_EMPTY_PATH on file fd");
    CHECK_ERR(fa2(ffd, "", X_OK, AT_EMPTY_PATH), EACCES, "faccessat2 AT_EMPTY_PATH X_OK on 0644 -> EACCES");
    CHECK_ERR(fa2(ffd, "", R_OK, 0), ENOENT, "faccessat2 empty path without AT_EMPTY_PATH -> ENOENT");
    close(ffd);

    /* Symlinks. */
    CHECK_ERR(fa2(dfd, "dangling", F_OK, 0), ENOENT, "dangling symlink followed -> ENOENT");
    CHECK_OK(fa2(dfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW), "AT_SYMLINK_NOFOLLOW checks the link itself");
    CHECK_OK(fa2(AT_FDCWD, pub, R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW), "AT_EACCESS|AT_SYMLINK_NOFOLLOW combined");
    close(dfd);

    /* Real vs effective ids (needs root to switch ids). */
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_real_nobody());
    CHECK_EQ(wait_code(pid), 0, "ruid 65534/euid 0: access uses real id (EACCES), AT_EACCESS uses effective (ok)");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_eff_nobody());
    CHECK_EQ(wait_code(pid), 0, "ruid 0/euid 65534: access ok as real root, AT_EACCESS -> EACCES");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_nobody());
    CHECK_EQ(wait_code(pid), 0, "uid 65534: owner/other bits enforced, F_OK ok, unsearchable dir -> EACCES");

    unlink(secret);
    unlink(pub);
    unlink(exe);
    unlink(none);
    unlink(privf);
    rmdir(priv);
    unlink(dangling);
    CHECK_OK(rmdir(dir), "remove temp dir");
    CHECK_DONE();
}
