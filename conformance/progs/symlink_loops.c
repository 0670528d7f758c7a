/* symlink_loops: the 40-link limit across path components, loops, O_NOFOLLOW corner cases, trailing slashes, dangling O_CREAT, dirfd-relative resolution, O_PATH symlink fds, long targets, lchown/utimensat/fchownat on links. */
/* syscalls: symlink, readlink, readlinkat, openat, close, read, newfstatat, mkdir, rmdir, unlink, chdir,
   getcwd, lchown, fchownat, utimensat, fchmodat2, getpid, write, alarm */
/* area: links */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static char dir[128];

static const char *P(const char *rel)
{
    static char bufs[8][512];
    static int n;
    char *b = bufs[n++ % 8];
    snprintf(b, 512, "%s/%s", dir, rel);
    return b;
}

/* 1 if path (absolute or relative to dfd) opens and reads exactly content. */
static int reads_at(int dfd, const char *path, const char *content)
{
    char b[64];
    int fd = openat(dfd, path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    return n == (ssize_t)strlen(content) && memcmp(b, content, n) == 0;
}

static int mkfile(const char *path, const char *content)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return -1;
    int r = write(fd, content, strlen(content)) == (ssize_t)strlen(content) ? 0 : -1;
    close(fd);
    return r;
}

int main(void)
{
    static char path[8192], tgt[8192];
    char name[64], b[128];
    struct stat st, st2;
    int setup = 1, fd, dfd;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof dir, "/tmp/symlink_loops%s.%d", CONF_TAG, (int)getpid());
    if (mkdir(dir, 0755) != 0) {
        CHECK(0, "mkdir test directory");
        CHECK_DONE();
    }
    setup &= mkdir(P("dir"), 0755) == 0 && mkdir(P("dir/sub"), 0755) == 0;
    setup &= mkfile(P("file"), "top") == 0 && mkfile(P("dir/file"), "inner") == 0;
    setup &= symlink("dir", P("dl")) == 0 && symlink("file", P("fl")) == 0 && symlink("nowhere", P("dang")) == 0;
    setup &= symlink("self", P("self")) == 0 && symlink("lb", P("la")) == 0 && symlink("la", P("lb")) == 0;
    setup &= symlink(".", P("d")) == 0;
    /* a1..a20 lead to dir (odd links absolute, even relative); dir/b1..b21 lead to dir/file. */
    setup &= symlink("dir", P("a1")) == 0 && symlink("file", P("dir/b1")) == 0;
    for (int i = 2; i <= 21; i++) {
        char prev[64];
        snprintf(name, sizeof name, "a%d", i);
        snprintf(prev, sizeof prev, "a%d", i - 1);
        if (i <= 20)
            setup &= symlink(i % 2 ? P(prev) : prev, P(name)) == 0;
        snprintf(name, sizeof name, "dir/b%d", i);
        snprintf(prev, sizeof prev, "b%d", i - 1);
        setup &= symlink(prev, P(name)) == 0;
    }
    CHECK(setup, "setup: directories, files and 50 symlinks");

    /* The 40-link budget is shared by the whole lookup. */
    snprintf(path, sizeof path, "%s/", dir);
    for (int i = 0; i < 40; i++)
        strcat(path, "d/");
    strcat(path, "file");
    CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && reads_at(AT_FDCWD, path, "top"),
          "40 components that are each a link to '.' resolve");
    snprintf(path, sizeof path, "%s/d/", dir);
    for (int i = 0; i < 40; i++)
        strcat(path, "d/");
    strcat(path, "file");
    CHECK_ERR(stat(path, &st), ELOOP, "41 link components in one path -> ELOOP");
    CHECK(reads_at(AT_FDCWD, P("a20/b20"), "inner"), "chain of 20 (dir) then chain of 20 (file): 40 links resolve");
    CHECK_ERR(open(P("a20/b21"), O_RDONLY), ELOOP, "chain of 20 then chain of 21: 41 links -> ELOOP");
    CHECK(reads_at(AT_FDCWD, P("a20/file"), "inner"), "chain of 20 mixing absolute and relative targets");

    /* Loops. */
    CHECK_ERR(stat(P("la/x"), &st), ELOOP, "two-link loop as a directory component -> ELOOP");
    CHECK_ERR(mkdir(P("la/x"), 0755), ELOOP, "mkdir under a looping link -> ELOOP");
    CHECK_ERR(open(P("self"), O_CREAT | O_RDWR, 0644), ELOOP, "O_CREAT through a self-referencing link -> ELOOP");
    CHECK_ERR(open(P("la"), O_PATH), ELOOP, "O_PATH follows the loop -> ELOOP");
    fd = open(P("la"), O_PATH | O_NOFOLLOW);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode), "O_PATH|O_NOFOLLOW opens a looping link itself");
    if (fd >= 0)
        close(fd);
    CHECK_ERR(mkdir(P("self"), 0755), EEXIST, "mkdir at a link name does not follow -> EEXIST");

    /* O_NOFOLLOW only concerns the last component. */
    CHECK_ERR(open(P("fl"), O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a link to a file -> ELOOP");
    CHECK_ERR(open(P("la"), O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a looping link -> ELOOP");
    fd = open(P("dl/file"), O_RDONLY | O_NOFOLLOW);
    CHECK(fd >= 0, "O_NOFOLLOW still follows a link in a directory component");
    if (fd >= 0)
        close(fd);
    CHECK_ERR(open(P("dl"), O_RDONLY | O_DIRECTORY | O_NOFOLLOW), ENOTDIR,
              "O_DIRECTORY|O_NOFOLLOW on a link to a directory -> ENOTDIR");
    CHECK_ERR(open(P("fl"), O_CREAT | O_NOFOLLOW | O_RDWR, 0644), ELOOP, "O_CREAT|O_NOFOLLOW on a link -> ELOOP");
    CHECK_ERR(open(P("dang"), O_CREAT | O_NOFOLLOW | O_RDWR, 0644), ELOOP,
              "O_CREAT|O_NOFOLLOW on a dangling link -> ELOOP");
    CHECK_ERR(open(P("dang"), O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST, "O_CREAT|O_EXCL on a dangling link -> EEXIST");
    CHECK_ERR(lstat(P("nowhere"), &st), ENOENT, "failed creations did not create the target");

    /* Dangling link target is created relative to the link's directory. */
    CHECK_OK(symlink("../made", P("dir/rel")), "symlink dir/rel -> ../made");
    fd = open(P("dir/rel"), O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0 && write(fd, "mm", 2) == 2, "O_CREAT through the dangling relative link");
    if (fd >= 0)
        close(fd);
    CHECK(lstat(P("made"), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600 && st.st_size == 2,
          "target created next to dir/, not in the cwd");

    /* Trailing slashes. */
    CHECK(lstat(P("dl/"), &st) == 0 && S_ISDIR(st.st_mode), "lstat with a trailing slash follows a link to a dir");
    CHECK_ERR(lstat(P("fl/"), &st), ENOTDIR, "lstat link-to-file with a trailing slash -> ENOTDIR");
    CHECK_ERR(open(P("fl/"), O_RDONLY), ENOTDIR, "open link-to-file with a trailing slash -> ENOTDIR");
    CHECK_ERR(stat(P("dang/"), &st), ENOENT, "dangling link with a trailing slash -> ENOENT");
    CHECK_ERR(unlink(P("dl/")), ENOTDIR, "unlink link-to-dir with a trailing slash -> ENOTDIR");
    CHECK_ERR(rmdir(P("dl/")), ENOTDIR, "rmdir link-to-dir with a trailing slash -> ENOTDIR");
    CHECK_ERR(symlink("t", P("newlink/")), ENOENT, "symlink at a new name with a trailing slash -> ENOENT");
    CHECK_ERR(symlink("t", P("dl/")), EEXIST, "symlink at an existing link name with a slash -> EEXIST");
    CHECK(lstat(P("dl"), &st) == 0 && S_ISLNK(st.st_mode), "link survives the failed operations");

    /* Resolution relative to dirfd and the link's own directory. */
    dfd = open(P("dir"), O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0, "open dir");
    CHECK(symlink("../file", P("dir/up")) == 0 && reads_at(dfd, "up", "top"),
          "openat(dirfd, link to ../file) resolves from the link's directory");
    CHECK(symlink(P("file"), P("dir/abs")) == 0 && reads_at(dfd, "abs", "top"),
          "absolute link target ignores the dirfd");
    CHECK(reads_at(dfd, "b3", "inner"), "relative chain found via dirfd with cwd /");
    CHECK(symlink("dir/sub", P("dl2")) == 0 && stat(P("dl2/.."), &st) == 0 && stat(P("dir"), &st2) == 0 &&
              st.st_ino == st2.st_ino,
          "'..' after a link is the target's parent, not the link's");
    CHECK(chdir(P("dl")) == 0 && getcwd(b, sizeof b) != NULL && strcmp(b, P("dir")) == 0,
          "chdir through a link: getcwd shows the resolved path");
    chdir("/");

    /* O_PATH|O_NOFOLLOW link fds. */
    fd = open(P("fl"), O_PATH | O_NOFOLLOW);
    CHECK(fd >= 0, "O_PATH|O_NOFOLLOW on fl");
    memset(b, 0, sizeof b);
    CHECK(readlinkat(fd, "", b, sizeof b) == 4 && memcmp(b, "file", 4) == 0,
          "readlinkat(fd, \"\") on the O_PATH link fd returns the target");
    CHECK_ERR(readlinkat(fd, "", b, 0), EINVAL, "readlinkat bufsiz 0 -> EINVAL");
    CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && S_ISLNK(st.st_mode) && st.st_size == 4,
          "fstatat AT_EMPTY_PATH: S_ISLNK, size 4");
    {
        int ff = open(P("file"), O_PATH);
        /* Linux: empty path on a non-link fd -> ENOENT. */
        CHECK_ERR(readlinkat(ff, "", b, sizeof b), ENOENT, "readlinkat(fd, \"\") on a regular file fd -> ENOENT");
        if (ff >= 0)
            close(ff);
    }
    {
        struct timespec ts[2] = {{1000, 0}, {2000, 0}};
        CHECK_OK(utimensat(fd, "", ts, AT_EMPTY_PATH), "utimensat AT_EMPTY_PATH on the O_PATH link fd");
        CHECK(lstat(P("fl"), &st) == 0 && st.st_mtime == 2000 && stat(P("fl"), &st2) == 0 && st2.st_mtime != 2000,
              "the link's mtime changed, not the target's");
        ts[1].tv_sec = 3000;
        CHECK(utimensat(AT_FDCWD, P("dl"), ts, AT_SYMLINK_NOFOLLOW) == 0 && lstat(P("dl"), &st) == 0 &&
                  st.st_mtime == 3000 && stat(P("dir"), &st2) == 0 && st2.st_mtime != 3000,
              "utimensat AT_SYMLINK_NOFOLLOW on a link to a dir");
    }
    /* needs root: chown to arbitrary ids */
    CHECK(fchownat(fd, "", 123, 456, AT_EMPTY_PATH) == 0 && lstat(P("fl"), &st) == 0 && st.st_uid == 123 &&
              st.st_gid == 456 && stat(P("fl"), &st2) == 0 && st2.st_uid == 0,
          "fchownat AT_EMPTY_PATH on the O_PATH link fd changes the link only");
    /* needs root: chown to arbitrary ids */
    CHECK(lchown(P("dl"), 7, 8) == 0 && lstat(P("dl"), &st) == 0 && st.st_uid == 7 && st.st_gid == 8 &&
              stat(P("dir"), &st2) == 0 && st2.st_uid == 0,
          "lchown changes the link's owner, not the directory's");
    /* Linux 6.6+: symlink modes cannot be changed. */
    CHECK_ERR(syscall(SYS_fchmodat2, AT_FDCWD, P("fl"), 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP,
              "fchmodat2 AT_SYMLINK_NOFOLLOW on a link -> EOPNOTSUPP");
    if (fd >= 0)
        close(fd);

    /* Long targets. */
    memset(tgt, 'a', PATH_MAX - 1);
    tgt[PATH_MAX - 1] = 0;
    CHECK_OK(symlink(tgt, P("long")), "symlink with a 4095-byte target");
    CHECK(lstat(P("long"), &st) == 0 && st.st_size == PATH_MAX - 1, "lstat size 4095");
    CHECK_EQ(readlink(P("long"), path, sizeof path), PATH_MAX - 1, "readlink returns all 4095 bytes");
    CHECK_ERR(stat(P("long"), &st), ENAMETOOLONG, "following it: 4095-byte component -> ENAMETOOLONG");
    memset(tgt, 'z', 256);
    tgt[256] = 0;
    CHECK(symlink(tgt, P("c256")) == 0, "symlink to a 256-byte name");
    CHECK_ERR(stat(P("c256"), &st), ENAMETOOLONG, "following a 256-byte component -> ENAMETOOLONG");
    tgt[255] = 0;
    CHECK(symlink(tgt, P("c255")) == 0, "symlink to a 255-byte name");
    CHECK_ERR(stat(P("c255"), &st), ENOENT, "following a 255-byte component -> ENOENT (valid, absent)");
    tgt[0] = 0;
    for (int i = 0; i < 2000; i++)
        strcat(tgt, "./");
    strcat(tgt, "file");
    CHECK(symlink(tgt, P("dots")) == 0 && reads_at(AT_FDCWD, P("dots"), "top"),
          "4004-byte target of 2000 './' components resolves");

    /* Cleanup. */
    if (dfd >= 0)
        close(dfd);
    {
        const char *names[] = {"dl", "fl", "dang", "self", "la", "lb", "d", "dir/rel", "made", "dir/up", "dir/abs",
                               "dl2", "long", "c256", "c255", "dots", "dir/file", "file", NULL};
        for (int i = 0; names[i]; i++)
            unlink(P(names[i]));
        for (int i = 1; i <= 21; i++) {
            snprintf(name, sizeof name, "a%d", i);
            unlink(P(name));
            snprintf(name, sizeof name, "dir/b%d", i);
            unlink(P(name));
        }
        rmdir(P("dir/sub"));
        rmdir(P("dir"));
    }
    CHECK_OK(rmdir(dir), "cleanup: test directory empty");
    CHECK_DONE();
}
