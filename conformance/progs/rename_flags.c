/* rename_flags: renameat2 RENAME_NOREPLACE/RENAME_EXCHANGE/RENAME_WHITEOUT, invalid flag combinations, directory/file replacement rules, hard-link no-op, trailing slashes, . and .., permissions. */
/* syscalls: renameat2, renameat, openat, close, read, pread64, write, mkdir, rmdir, unlink, link, symlink,
   newfstatat, chmod, umask, getpid, clone, wait4, setgroups, setgid, setuid, exit_group, alarm */
/* area: rename */
#include "check.h"
#include "nobody.h"

#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[128];

static const char *P(const char *rel)
{
    static char bufs[8][256];
    static int n;
    char *b = bufs[n++ % 8];
    snprintf(b, 256, "%s/%s", dir, rel);
    return b;
}

static int mkfile(const char *rel, const char *content)
{
    int fd = open(P(rel), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return -1;
    int r = write(fd, content, strlen(content)) == (ssize_t)strlen(content) ? 0 : -1;
    close(fd);
    return r;
}

/* 1 if the file rel has exactly this content. */
static int has(const char *rel, const char *content)
{
    char b[128];
    int fd = open(P(rel), O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    return n == (ssize_t)strlen(content) && memcmp(b, content, n) == 0;
}

static ino_t ino(const char *rel)
{
    struct stat st;
    return lstat(P(rel), &st) == 0 ? st.st_ino : 0;
}

static nlink_t nlinks(const char *rel)
{
    struct stat st;
    return lstat(P(rel), &st) == 0 ? st.st_nlink : 0;
}

static int exists(const char *rel)
{
    struct stat st;
    return lstat(P(rel), &st) == 0;
}

static int isdir(const char *rel)
{
    struct stat st;
    return stat(P(rel), &st) == 0 && S_ISDIR(st.st_mode);
}

static int rn(const char *a, const char *b, unsigned flags)
{
    return renameat2(AT_FDCWD, P(a), AT_FDCWD, P(b), flags);
}

static int child_sticky(void)
{
    if (rn("sticky/rootfile", "sticky/mine", 0) == 0)
        return 1;
    return errno == EPERM ? 0 : 2;
}

static int child_nowrite(void)
{
    if (rn("ro/f", "ro/g", 0) == 0)
        return 1;
    return errno == EACCES ? 0 : 2;
}

int main(void)
{
    struct stat st;
    int dfd, ffd, setup_ok = 1;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    snprintf(dir, sizeof dir, "/tmp/rename_flags%s.%d", CONF_TAG, (int)getpid());
    if (mkdir(dir, 0755) != 0) {
        CHECK(0, "mkdir test directory");
        CHECK_DONE();
    }

    /* RENAME_NOREPLACE */
    setup_ok &= mkfile("a", "AAA") == 0 && mkfile("b", "BB") == 0;
    CHECK_ERR(rn("a", "b", RENAME_NOREPLACE), EEXIST, "NOREPLACE onto an existing file -> EEXIST");
    CHECK(has("a", "AAA") && has("b", "BB"), "failed NOREPLACE leaves both files intact");
    CHECK_OK(rn("a", "c", RENAME_NOREPLACE), "NOREPLACE to a new name");
    CHECK(!exists("a") && has("c", "AAA"), "source gone, new name has the content");
    CHECK_ERR(rn("c", "c", RENAME_NOREPLACE), EEXIST, "NOREPLACE onto itself -> EEXIST");
    setup_ok &= symlink("nowhere", P("dangle")) == 0;
    CHECK_ERR(rn("c", "dangle", RENAME_NOREPLACE), EEXIST, "NOREPLACE onto a dangling symlink -> EEXIST");
    setup_ok &= mkdir(P("e1"), 0755) == 0 && mkdir(P("e2"), 0755) == 0;
    CHECK_ERR(rn("e1", "e2", RENAME_NOREPLACE), EEXIST, "NOREPLACE directory onto an empty directory -> EEXIST");

    /* RENAME_EXCHANGE */
    setup_ok &= mkdir(P("xd"), 0755) == 0 && mkfile("xd/inner", "in") == 0 && mkfile("xf", "file") == 0;
    {
        ino_t id = ino("xd"), ifl = ino("xf");
        CHECK_OK(rn("xf", "xd", RENAME_EXCHANGE), "EXCHANGE file <-> directory");
        CHECK(isdir("xf") && has("xf/inner", "in") && has("xd", "file"), "names swapped: xf is the dir, xd the file");
        CHECK(ino("xf") == id && ino("xd") == ifl, "inode numbers swapped with the names");
    }
    CHECK_OK(rn("xf", "xd", RENAME_EXCHANGE), "EXCHANGE back");
    CHECK_OK(rn("b", "c", RENAME_EXCHANGE), "EXCHANGE two files");
    CHECK(has("b", "AAA") && has("c", "BB"), "file contents swapped");
    setup_ok &= mkdir(P("p1"), 0755) == 0 && mkdir(P("p1/sub"), 0755) == 0 && mkdir(P("p2"), 0755) == 0 &&
                mkfile("p2/file", "pf") == 0;
    CHECK(nlinks("p1") == 3 && nlinks("p2") == 2, "parent link counts before: p1 3, p2 2");
    CHECK_OK(rn("p1/sub", "p2/file", RENAME_EXCHANGE), "EXCHANGE a directory and a file in different parents");
    CHECK(nlinks("p1") == 2 && nlinks("p2") == 3, "parent link counts follow the directory: p1 2, p2 3");
    CHECK(isdir("p2/file") && has("p1/sub", "pf") && stat(P("p2/file/.."), &st) == 0 && st.st_ino == ino("p2"),
          "moved directory's .. now refers to p2");
    setup_ok &= mkfile("e1/x", "1") == 0 && mkfile("e2/y", "2") == 0;
    CHECK_OK(rn("e1", "e2", RENAME_EXCHANGE), "EXCHANGE two non-empty directories is allowed");
    CHECK(has("e1/y", "2") && has("e2/x", "1"), "directory contents swapped");
    CHECK_ERR(rn("b", "missing", RENAME_EXCHANGE), ENOENT, "EXCHANGE with a missing target -> ENOENT");
    CHECK_ERR(rn("missing", "b", RENAME_EXCHANGE), ENOENT, "EXCHANGE with a missing source -> ENOENT");
    CHECK(has("b", "AAA"), "failed EXCHANGE leaves the file alone");
    CHECK_OK(rn("b", "b", RENAME_EXCHANGE), "EXCHANGE a name with itself succeeds");
    CHECK_ERR(rn("p2", "p2/file", RENAME_EXCHANGE), EINVAL, "EXCHANGE a directory with its subdirectory -> EINVAL");
    CHECK_ERR(rn("p2/file", "p2", RENAME_EXCHANGE), EINVAL, "EXCHANGE a subdirectory with its parent -> EINVAL");

    /* Invalid flags. */
    CHECK_ERR(rn("b", "c", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL, "EXCHANGE|NOREPLACE -> EINVAL");
    CHECK_ERR(rn("b", "c", RENAME_EXCHANGE | RENAME_WHITEOUT), EINVAL, "EXCHANGE|WHITEOUT -> EINVAL");
    CHECK_ERR(rn("b", "c", 1u << 5), EINVAL, "unknown flag bit -> EINVAL");
    CHECK_ERR(rn("b", "c", ~0u), EINVAL, "all flag bits -> EINVAL");
    CHECK(has("b", "AAA") && has("c", "BB"), "rejected flags change nothing");

    /* RENAME_WHITEOUT: leaves a 0:0 character device behind (no CAP_MKNOD needed since 5.8). */
    setup_ok &= mkfile("w", "ww") == 0;
    CHECK_OK(rn("w", "w2", RENAME_WHITEOUT), "RENAME_WHITEOUT");
    CHECK(lstat(P("w"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) && has("w2", "ww"),
          "whiteout: old name is a 0:0 character device, new name has the file");

    /* Replacement rules (flags 0). */
    setup_ok &= mkdir(P("full"), 0755) == 0 && mkfile("full/f", "x") == 0 && mkdir(P("src"), 0755) == 0 &&
                mkfile("src/s", "s") == 0 && mkdir(P("empty"), 0755) == 0;
    /* Linux (ext4, tmpfs) reports ENOTEMPTY; POSIX also allows EEXIST. */
    CHECK_ERR(rn("src", "full", 0), ENOTEMPTY, "directory onto a non-empty directory -> ENOTEMPTY");
    {
        ino_t is = ino("src");
        CHECK_OK(rn("src", "empty", 0), "directory onto an empty directory");
        CHECK(!exists("src") && ino("empty") == is && has("empty/s", "s"), "target replaced by the source directory");
    }
    setup_ok &= mkdir(P("empty/deep"), 0755) == 0 && mkdir(P("empty/deep/er"), 0755) == 0;
    CHECK_ERR(rn("empty", "empty/new", 0), EINVAL, "directory into its own subdirectory -> EINVAL");
    CHECK_ERR(rn("empty", "empty/deep/er/new", 0), EINVAL, "directory into a deeper descendant -> EINVAL");
    CHECK_ERR(rn("empty/deep/er", "empty", 0), ENOTEMPTY, "directory onto its own ancestor -> ENOTEMPTY");
    CHECK_ERR(rn("b", "full", 0), EISDIR, "file onto a directory -> EISDIR");
    CHECK_ERR(rn("full", "b", 0), ENOTDIR, "directory onto a file -> ENOTDIR");
    CHECK(has("b", "AAA") && has("full/f", "x"), "failed renames leave both in place");

    /* Hard links to the same inode: POSIX no-op. */
    CHECK_OK(link(P("b"), P("h")), "hard link h -> b");
    CHECK_OK(rn("b", "h", 0), "rename one hard link onto the other succeeds");
    CHECK(exists("b") && exists("h") && ino("b") == ino("h") && nlinks("b") == 2, "both names remain, nlink 2");

    /* Symlinks are renamed, not their targets. */
    {
        ino_t il = ino("dangle");
        CHECK(rn("dangle", "dangle2", 0) == 0 && lstat(P("dangle2"), &st) == 0 && S_ISLNK(st.st_mode) &&
                  st.st_ino == il,
              "rename moves the symlink itself");
    }

    /* An open fd follows the file. */
    ffd = open(P("c"), O_RDONLY);
    CHECK(ffd >= 0 && rn("c", "e2/c", 0) == 0, "rename an open file into a subdirectory");
    {
        char b[8] = {0};
        CHECK(ffd >= 0 && pread(ffd, b, sizeof b, 0) == 2 && memcmp(b, "BB", 2) == 0 && fstat(ffd, &st) == 0 &&
                  st.st_ino == ino("e2/c"),
              "open fd still reads the renamed file");
        if (ffd >= 0)
            close(ffd);
    }

    /* Trailing slashes. */
    CHECK_OK(rn("full/", "full2/", 0), "directory with trailing slashes on both names");
    CHECK_OK(rn("full2", "full3/", 0), "directory to a new name with a trailing slash");
    CHECK_ERR(rn("b/", "b3", 0), ENOTDIR, "file with a trailing slash -> ENOTDIR");
    CHECK_ERR(rn("b", "b3/", 0), ENOTDIR, "file to a new name with a trailing slash -> ENOTDIR");
    CHECK_ERR(rn("full3/.", "x", 0), EBUSY, "renaming '.' -> EBUSY");
    CHECK_ERR(rn("b", "full3/..", 0), EBUSY, "renaming onto '..' -> EBUSY");

    /* Lookup errors. */
    CHECK_ERR(rn("nosuch", "x", 0), ENOENT, "missing source -> ENOENT");
    CHECK_ERR(rn("b", "nodir/x", 0), ENOENT, "missing target directory -> ENOENT");
    CHECK_ERR(rn("b/x", "y", 0), ENOTDIR, "source path through a file -> ENOTDIR");
    CHECK_ERR(renameat2(-1, "b", AT_FDCWD, P("x"), 0), EBADF, "bad olddirfd with relative path -> EBADF");
    dfd = open(P("b"), O_RDONLY);
    CHECK_ERR(renameat2(AT_FDCWD, P("h"), dfd, "x", 0), ENOTDIR, "newdirfd is a regular file -> ENOTDIR");
    if (dfd >= 0)
        close(dfd);
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0 && renameat2(dfd, "h", dfd, "h2", RENAME_NOREPLACE) == 0 && exists("h2") && !exists("h"),
          "renameat2 relative to a dirfd");
    if (dfd >= 0)
        close(dfd);
    {
        struct stat a, b;
        char shm[128];
        snprintf(shm, sizeof shm, "/dev/shm/rename_flags%s.%d", CONF_TAG, (int)getpid());
        if (stat("/tmp", &a) == 0 && stat("/dev/shm", &b) == 0 && a.st_dev != b.st_dev) {
            CHECK_ERR(renameat2(AT_FDCWD, P("h2"), AT_FDCWD, shm, 0), EXDEV, "rename /tmp -> /dev/shm -> EXDEV");
            CHECK_ERR(renameat2(AT_FDCWD, P("h2"), AT_FDCWD, shm, RENAME_NOREPLACE), EXDEV,
                      "NOREPLACE across filesystems -> EXDEV");
            unlink(shm);
        } else {
            CHECK_SKIP("rename /tmp -> /dev/shm -> EXDEV", "same filesystem");
            CHECK_SKIP("NOREPLACE across filesystems -> EXDEV", "same filesystem");
        }
    }

    CHECK(setup_ok, "all setup steps (files, directories, symlink) succeeded");

    /* Permissions (needs root: drop to uid 65534 in a child to lose DAC override). */
    CHECK(mkdir(P("sticky"), 0755) == 0 && chmod(P("sticky"), 01777) == 0 && mkfile("sticky/rootfile", "r") == 0,
          "sticky world-writable directory with a root-owned file");
    CHECK_EQ(as_nobody(child_sticky), 0, "other user renaming in a sticky directory -> EPERM");
    CHECK(mkdir(P("ro"), 0755) == 0 && mkfile("ro/f", "f") == 0, "root-owned 0755 directory with a file");
    CHECK_EQ(as_nobody(child_nowrite), 0, "rename without write permission on the directory -> EACCES");

    /* Cleanup. */
    {
        const char *files[] = {"b", "h2", "w", "w2", "dangle2", "xd/inner", "xf", "p1/sub", "e1/y", "e2/x", "e2/c",
                               "full3/f", "empty/s", "sticky/rootfile", "ro/f", NULL};
        const char *dirs[] = {"xd", "p2/file", "p2", "p1", "e1", "e2", "full3", "empty/deep/er", "empty/deep",
                              "empty", "sticky", "ro", NULL};
        for (int i = 0; files[i]; i++)
            unlink(P(files[i]));
        for (int i = 0; dirs[i]; i++)
            rmdir(P(dirs[i]));
    }
    CHECK_OK(rmdir(dir), "cleanup: test directory empty");
    CHECK_DONE();
}
