/* linkat_flags: linkat AT_SYMLINK_FOLLOW vs not, AT_EMPTY_PATH (root and not), /proc/self/fd links, O_TMPFILE and unlinked files, nlink accounting, EXDEV, protected_hardlinks, errnos. */
/* syscalls: linkat, link, openat, close, read, write, newfstatat, symlink, mkdir, rmdir, unlink, chmod,
   getpid, clone, wait4, setgroups, setgid, setuid, exit_group, alarm */
/* area: links */
#include "check.h"
#include "nobody.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[128];
static int protected_hardlinks = -1;

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

static int has(const char *rel, const char *content)
{
    char b[64];
    int fd = open(P(rel), O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    return n == (ssize_t)strlen(content) && memcmp(b, content, n) == 0;
}

static struct stat L(const char *rel)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    lstat(P(rel), &st);
    return st;
}

static int lk(const char *a, const char *b, int flags)
{
    return linkat(AT_FDCWD, P(a), AT_FDCWD, P(b), flags);
}

/* Unprivileged: AT_EMPTY_PATH works only for an fd opened with the caller's own credentials
 * (Linux 6.10+; before, CAP_DAC_READ_SEARCH was always needed). */
static int inherited_fd = -1;
static int child_empty_path(void)
{
    char pp[64];
    struct stat st;
    if (linkat(inherited_fd, "", AT_FDCWD, P("pub/e0"), AT_EMPTY_PATH) == 0)
        return 1;
    if (errno != ENOENT)
        return 2;
    int fd = open(P("pub/mine"), O_CREAT | O_RDWR, 0600);
    if (fd < 0)
        return 3;
    if (linkat(fd, "", AT_FDCWD, P("pub/e"), AT_EMPTY_PATH) != 0)
        return 4;
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, pp, AT_FDCWD, P("pub/viaproc"), AT_SYMLINK_FOLLOW) != 0)
        return 5;
    if (fstat(fd, &st) != 0 || st.st_nlink != 3)
        return 6;
    return 0;
}

/* Unprivileged: no write permission on the target directory -> EACCES. */
static int child_eacces(void)
{
    if (linkat(AT_FDCWD, P("pub/mine"), AT_FDCWD, P("ro/x"), 0) == 0)
        return 1;
    return errno == EACCES ? 0 : 2;
}

/* protected_hardlinks=1: not owner and no read+write access -> EPERM; rw access is enough. */
static int child_protected(void)
{
    if (linkat(AT_FDCWD, P("rootro"), AT_FDCWD, P("pub/l1"), 0) == 0)
        return 1;
    if (errno != EPERM)
        return 2;
    if (linkat(AT_FDCWD, P("rootrw"), AT_FDCWD, P("pub/l2"), 0) != 0)
        return 3;
    return 0;
}

int main(void)
{
    struct stat st, st2;
    int setup = 1, fd, r;
    char pp[64];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof dir, "/tmp/linkat_flags%s.%d", CONF_TAG, (int)getpid());
    if (mkdir(dir, 0755) != 0) {
        CHECK(0, "mkdir test directory");
        CHECK_DONE();
    }
    {
        FILE *f = fopen("/proc/sys/fs/protected_hardlinks", "r");
        if (f) {
            if (fscanf(f, "%d", &protected_hardlinks) != 1)
                protected_hardlinks = -1;
            fclose(f);
        }
    }
    setup &= mkfile("file", "data", 0644) == 0 && mkdir(P("sub"), 0755) == 0;
    setup &= symlink("file", P("sl")) == 0 && symlink("nowhere", P("dang")) == 0;
    CHECK(setup, "setup: file, sub/, symlink sl -> file, dangling symlink");

    /* AT_SYMLINK_FOLLOW or not. */
    CHECK_OK(lk("sl", "h_nofollow", 0), "linkat symlink without AT_SYMLINK_FOLLOW");
    st = L("h_nofollow");
    CHECK(S_ISLNK(st.st_mode) && st.st_ino == L("sl").st_ino && st.st_nlink == 2,
          "new name is a hard link to the symlink itself (nlink 2)");
    CHECK_EQ(L("file").st_nlink, 1, "target file's nlink unchanged");
    CHECK_OK(lk("sl", "h_follow", AT_SYMLINK_FOLLOW), "linkat symlink with AT_SYMLINK_FOLLOW");
    st = L("h_follow");
    CHECK(S_ISREG(st.st_mode) && st.st_ino == L("file").st_ino && L("file").st_nlink == 2,
          "new name is a hard link to the target file");
    CHECK_OK(link(P("sl"), P("h_link")), "link(2) on a symlink");
    CHECK(S_ISLNK(L("h_link").st_mode) && L("sl").st_nlink == 3, "link(2) does not follow on Linux");
    CHECK_OK(lk("dang", "h_dang", 0), "linkat a dangling symlink without following");
    CHECK_ERR(lk("dang", "h_dang2", AT_SYMLINK_FOLLOW), ENOENT, "AT_SYMLINK_FOLLOW on a dangling symlink -> ENOENT");

    /* nlink accounting. */
    fd = open(P("file"), O_RDWR);
    CHECK(fd >= 0 && lk("file", "sub/n1", 0) == 0 && lk("file", "sub/n2", 0) == 0, "two more links into sub/");
    CHECK(fstat(fd, &st) == 0 && st.st_nlink == 4, "fstat on the open fd: nlink 4");
    CHECK(unlink(P("sub/n1")) == 0 && fstat(fd, &st) == 0 && st.st_nlink == 3, "unlink one name: nlink 3");
    CHECK(has("sub/n2", "data"), "content reachable through the other link");
    CHECK_EQ(L("sub").st_nlink, 2, "hard links to files do not change the directory's nlink");

    /* AT_EMPTY_PATH: since 6.10 no CAP_DAC_READ_SEARCH needed for a file the caller opened. */
    CHECK_OK(linkat(fd, "", AT_FDCWD, P("h_empty"), AT_EMPTY_PATH), "AT_EMPTY_PATH links the fd's file (root)");
    CHECK(L("h_empty").st_ino == L("file").st_ino && fstat(fd, &st) == 0 && st.st_nlink == 4,
          "same inode, nlink 4");
    CHECK_ERR(linkat(fd, "", AT_FDCWD, P("h_empty2"), 0), ENOENT, "empty path without AT_EMPTY_PATH -> ENOENT");
    {
        int dfd = open(P("sub"), O_RDONLY | O_DIRECTORY);
        CHECK_ERR(linkat(dfd, "", AT_FDCWD, P("h_dir"), AT_EMPTY_PATH), EPERM, "AT_EMPTY_PATH on a directory -> EPERM");
        if (dfd >= 0)
            close(dfd);
        int pfd = open(P("sl"), O_PATH | O_NOFOLLOW);
        CHECK(pfd >= 0 && linkat(pfd, "", AT_FDCWD, P("h_pathlnk"), AT_EMPTY_PATH) == 0 &&
                  S_ISLNK(L("h_pathlnk").st_mode),
              "AT_EMPTY_PATH on an O_PATH symlink fd links the symlink");
        if (pfd >= 0)
            close(pfd);
    }
    CHECK_ERR(lk("sub", "h_dir2", 0), EPERM, "hard link to a directory -> EPERM");

    /* /proc/self/fd magic links. */
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fd);
    CHECK(linkat(AT_FDCWD, pp, AT_FDCWD, P("h_proc"), AT_SYMLINK_FOLLOW) == 0 &&
              L("h_proc").st_ino == L("file").st_ino,
          "/proc/self/fd/N with AT_SYMLINK_FOLLOW links the open file");
    /* Without following, the /proc link itself would be linked: it lives on procfs. */
    CHECK_ERR(linkat(AT_FDCWD, pp, AT_FDCWD, P("h_proc2"), 0), EXDEV, "/proc/self/fd/N without following -> EXDEV");

    /* Unlinked files cannot get a name back. */
    {
        int u = open(P("gone"), O_CREAT | O_RDWR, 0644);
        CHECK(u >= 0 && unlink(P("gone")) == 0 && fstat(u, &st) == 0 && st.st_nlink == 0, "open file unlinked: nlink 0");
        CHECK_ERR(linkat(u, "", AT_FDCWD, P("back"), AT_EMPTY_PATH), ENOENT,
                  "AT_EMPTY_PATH on an unlinked (non-O_TMPFILE) file -> ENOENT");
        snprintf(pp, sizeof pp, "/proc/self/fd/%d", u);
        CHECK_ERR(linkat(AT_FDCWD, pp, AT_FDCWD, P("back"), AT_SYMLINK_FOLLOW), ENOENT,
                  "/proc/self/fd of the unlinked file -> ENOENT");
        if (u >= 0)
            close(u);
    }

    /* O_TMPFILE gets a name. */
    {
        int t = open(dir, O_TMPFILE | O_RDWR, 0600);
        CHECK(t >= 0 && write(t, "tmp", 3) == 3 && fstat(t, &st) == 0 && st.st_nlink == 0, "O_TMPFILE file, nlink 0");
        CHECK(linkat(t, "", AT_FDCWD, P("named"), AT_EMPTY_PATH) == 0 && fstat(t, &st) == 0 && st.st_nlink == 1 &&
                  has("named", "tmp"),
              "linkat AT_EMPTY_PATH names it: nlink 1, content visible");
        if (t >= 0)
            close(t);
    }

    /* EEXIST. */
    CHECK_ERR(lk("file", "sub/n2", 0), EEXIST, "new name exists -> EEXIST");
    CHECK_ERR(lk("file", "file", 0), EEXIST, "link a name onto itself -> EEXIST");
    CHECK_ERR(lk("file", "dang", 0), EEXIST, "new name is a dangling symlink -> EEXIST");
    CHECK_ERR(lk("file", "sub", 0), EEXIST, "new name is a directory -> EEXIST");

    /* Other errors. */
    CHECK_ERR(lk("missing", "x", 0), ENOENT, "missing source -> ENOENT");
    CHECK_ERR(lk("file", "nodir/x", 0), ENOENT, "missing target directory -> ENOENT");
    CHECK_ERR(lk("file", "newname/", 0), ENOENT, "new name with a trailing slash -> ENOENT");
    CHECK_ERR(lk("file/", "x", 0), ENOTDIR, "source with a trailing slash -> ENOTDIR");
    CHECK_ERR(lk("file/x", "x", 0), ENOTDIR, "source path through a file -> ENOTDIR");
    CHECK_ERR(linkat(fd, "x", AT_FDCWD, P("x"), 0), ENOTDIR, "olddirfd is a regular file -> ENOTDIR");
    CHECK_ERR(linkat(AT_FDCWD, P("file"), fd, "x", 0), ENOTDIR, "newdirfd is a regular file -> ENOTDIR");
    CHECK_ERR(linkat(-1, "file", AT_FDCWD, P("x"), 0), EBADF, "bad olddirfd -> EBADF");
    CHECK_ERR(linkat(AT_FDCWD, P("file"), -1, "x", 0), EBADF, "bad newdirfd -> EBADF");
    CHECK_ERR(lk("file", "x", AT_SYMLINK_NOFOLLOW), EINVAL, "flag AT_SYMLINK_NOFOLLOW -> EINVAL");
    CHECK_ERR(lk("file", "x", AT_REMOVEDIR), EINVAL, "flag AT_REMOVEDIR -> EINVAL");
    CHECK_ERR(lk("file", "x", -1), EINVAL, "all flag bits -> EINVAL");
    CHECK_ERR(lstat(P("x"), &st), ENOENT, "none of the failures created a name");
    {
        char shm[128];
        snprintf(shm, sizeof shm, "/dev/shm/linkat_flags%s.%d", CONF_TAG, (int)getpid());
        if (stat("/tmp", &st) == 0 && stat("/dev/shm", &st2) == 0 && st.st_dev != st2.st_dev) {
            CHECK_ERR(linkat(AT_FDCWD, P("file"), AT_FDCWD, shm, 0), EXDEV, "link /tmp -> /dev/shm -> EXDEV");
            CHECK_ERR(linkat(fd, "", AT_FDCWD, shm, AT_EMPTY_PATH), EXDEV, "AT_EMPTY_PATH across filesystems -> EXDEV");
            unlink(shm);
        } else {
            CHECK_SKIP("link /tmp -> /dev/shm -> EXDEV", "same filesystem");
            CHECK_SKIP("AT_EMPTY_PATH across filesystems -> EXDEV", "same filesystem");
        }
    }
    if (fd >= 0)
        close(fd);

    /* Unprivileged (needs root: drop to uid 65534 to lose CAP_DAC_READ_SEARCH/CAP_FOWNER). */
    setup = mkdir(P("pub"), 0777) == 0 && chmod(P("pub"), 0777) == 0 && mkdir(P("ro"), 0755) == 0;
    CHECK(setup, "world-writable pub/ and root-only ro/");
    mkfile("pub/rootfile", "rf", 0666);
    inherited_fd = open(P("pub/rootfile"), O_RDWR);
    r = as_nobody(child_empty_path);
    CHECK_EQ(r, 0, "unprivileged: AT_EMPTY_PATH on an fd opened by root -> ENOENT, on its own fd works, "
                   "/proc/self/fd + AT_SYMLINK_FOLLOW works");
    if (inherited_fd >= 0)
        close(inherited_fd);
    r = as_nobody(child_eacces);
    CHECK_EQ(r, 0, "unprivileged: no write permission on the new directory -> EACCES");
    if (protected_hardlinks == 1) {
        mkfile("rootro", "r", 0644);
        mkfile("rootrw", "w", 0666);
        chmod(P("rootrw"), 0666);
        r = as_nobody(child_protected);
        CHECK_EQ(r, 0, "protected_hardlinks: other user's read-only file -> EPERM, read-write file allowed");
    } else {
        CHECK_SKIP("protected_hardlinks: other user's read-only file -> EPERM", "fs.protected_hardlinks != 1");
    }

    /* Cleanup. */
    {
        const char *names[] = {"file", "sl", "dang", "h_nofollow", "h_follow", "h_link", "h_dang", "sub/n2", "h_empty",
                               "h_pathlnk", "h_proc", "named", "pub/mine", "pub/e", "pub/viaproc", "pub/l2", "pub/rootfile", "rootro", "rootrw",
                               NULL};
        for (int i = 0; names[i]; i++)
            unlink(P(names[i]));
        rmdir(P("sub"));
        rmdir(P("pub"));
        rmdir(P("ro"));
    }
    CHECK_OK(rmdir(dir), "cleanup: test directory empty");
    CHECK_DONE();
}
