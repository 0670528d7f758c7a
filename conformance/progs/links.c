/* links: hard links, symlinks, readlink, ELOOP, O_NOFOLLOW, linkat AT_SYMLINK_FOLLOW, st_nlink. */
/* syscalls: link, linkat, symlink, symlinkat, readlink, readlinkat, lstat, stat, newfstatat, open, unlink, unlinkat, mkdir, rmdir */
/* area: links */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR "/tmp/conf_links" CONF_TAG

static nlink_t nlink_of(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 ? st.st_nlink : 0;
}

int main(void)
{
    struct stat a, b;
    char buf[PATH_MAX + 1];
    char name[64], prev[64];
    int fd, dfd;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    fd = open(DIR "/file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "data", 4);
    close(fd);

    CHECK_EQ(nlink_of(DIR "/file"), 1, "new file st_nlink 1");
    CHECK_OK(link(DIR "/file", DIR "/hard"), "link");
    CHECK_EQ(nlink_of(DIR "/file"), 2, "st_nlink 2 after link");
    stat(DIR "/file", &a);
    stat(DIR "/hard", &b);
    CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "hard link shares the inode");
    CHECK_ERR(link(DIR "/file", DIR "/hard"), EEXIST, "link to existing name -> EEXIST");
    CHECK_ERR(link(DIR "/missing", DIR "/x"), ENOENT, "link from missing source -> ENOENT");
    CHECK_ERR(link(DIR, DIR "/dirlink"), EPERM, "hard link to a directory -> EPERM");
    CHECK(unlink(DIR "/hard") == 0 && nlink_of(DIR "/file") == 1, "unlink one name: st_nlink back to 1");

    CHECK_OK(symlink("file", DIR "/sym"), "symlink (relative target)");
    CHECK(lstat(DIR "/sym", &b) == 0 && S_ISLNK(b.st_mode), "lstat: S_ISLNK");
    CHECK_EQ(b.st_size, 4, "symlink st_size == strlen(target)");
    CHECK(stat(DIR "/sym", &b) == 0 && S_ISREG(b.st_mode) && b.st_ino == a.st_ino, "stat follows to the file");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(readlink(DIR "/sym", buf, sizeof(buf)), 4, "readlink returns 4");
    CHECK_STREQ(buf, "file", "readlink content");
    memset(buf, 0, sizeof(buf));
    CHECK(readlink(DIR "/sym", buf, 2) == 2 && strcmp(buf, "fi") == 0, "readlink truncates to bufsiz, no NUL");
    CHECK_ERR(readlink(DIR "/file", buf, sizeof(buf)), EINVAL, "readlink on a regular file -> EINVAL");
    CHECK_ERR(symlink("whatever", DIR "/sym"), EEXIST, "symlink over existing name -> EEXIST");
    CHECK_ERR(symlink("", DIR "/empty"), ENOENT, "symlink with empty target -> ENOENT");
    memset(buf, 'x', PATH_MAX);
    buf[PATH_MAX] = 0;
    CHECK_ERR(symlink(buf, DIR "/long"), ENAMETOOLONG, "symlink target of PATH_MAX bytes -> ENAMETOOLONG");

    dfd = open(DIR, O_RDONLY | O_DIRECTORY);
    memset(buf, 0, sizeof(buf));
    CHECK(readlinkat(dfd, "sym", buf, sizeof(buf)) == 4 && strcmp(buf, "file") == 0, "readlinkat relative to dirfd");
    CHECK(fstatat(dfd, "sym", &b, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(b.st_mode), "fstatat AT_SYMLINK_NOFOLLOW");

    /* Dangling link. */
    symlinkat("nowhere", dfd, "dangling");
    CHECK_ERR(stat(DIR "/dangling", &b), ENOENT, "stat of dangling symlink -> ENOENT");
    CHECK_OK(lstat(DIR "/dangling", &b), "lstat of dangling symlink works");
    fd = open(DIR "/dangling", O_WRONLY | O_CREAT, 0600);
    CHECK(fd >= 0 && stat(DIR "/nowhere", &b) == 0, "O_CREAT through dangling symlink creates the target");
    close(fd);
    unlink(DIR "/nowhere");

    /* linkat with and without AT_SYMLINK_FOLLOW. */
    CHECK(linkat(dfd, "sym", dfd, "hard_to_link", 0) == 0 && lstat(DIR "/hard_to_link", &b) == 0 && S_ISLNK(b.st_mode),
          "linkat without AT_SYMLINK_FOLLOW links the symlink itself");
    CHECK(linkat(dfd, "sym", dfd, "hard_to_file", AT_SYMLINK_FOLLOW) == 0 && lstat(DIR "/hard_to_file", &b) == 0 &&
              S_ISREG(b.st_mode) && b.st_ino == a.st_ino,
          "linkat AT_SYMLINK_FOLLOW links the target file");
    CHECK_EQ(nlink_of(DIR "/file"), 2, "file st_nlink 2 via linkat");

    /* Loops. */
    symlink("loop_b", DIR "/loop_a");
    symlink("loop_a", DIR "/loop_b");
    CHECK_ERR(stat(DIR "/loop_a", &b), ELOOP, "stat through a two-link loop -> ELOOP");
    CHECK_ERR(open(DIR "/loop_a", O_RDONLY), ELOOP, "open through a loop -> ELOOP");
    symlink("self", DIR "/self");
    CHECK_ERR(open(DIR "/self/x", O_RDONLY), ELOOP, "self-referencing link as a path component -> ELOOP");
    CHECK_ERR(open(DIR "/sym", O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a symlink -> ELOOP");
    fd = open(DIR "/sym", O_PATH | O_NOFOLLOW);
    CHECK(fd >= 0 && fstat(fd, &b) == 0 && S_ISLNK(b.st_mode), "O_PATH|O_NOFOLLOW opens the link itself");
    close(fd);

    /* A chain of 40 links resolves, 41 do not. */
    strcpy(prev, "file");
    for (int i = 1; i <= 41; i++) {
        snprintf(name, sizeof(name), DIR "/chain%d", i);
        symlink(prev, name);
        snprintf(prev, sizeof(prev), "chain%d", i);
    }
    CHECK_OK(stat(DIR "/chain40", &b), "chain of 40 symlinks resolves");
    CHECK_ERR(stat(DIR "/chain41", &b), ELOOP, "chain of 41 symlinks -> ELOOP");

    /* Directory link counts and trailing slash. */
    mkdir(DIR "/d", 0755);
    CHECK_EQ(nlink_of(DIR "/d"), 2, "new directory st_nlink 2");
    mkdir(DIR "/d/sub", 0755);
    CHECK_EQ(nlink_of(DIR "/d"), 3, "subdirectory adds a link to the parent");
    symlink("d", DIR "/dlink");
    CHECK(lstat(DIR "/dlink/", &b) == 0 && S_ISDIR(b.st_mode), "trailing slash follows a symlink to a dir");
    CHECK_OK(unlinkat(dfd, "dlink", 0), "unlink removes the link, not the target");
    CHECK(stat(DIR "/d", &b) == 0 && S_ISDIR(b.st_mode), "target directory still exists");
    rmdir(DIR "/d/sub");
    rmdir(DIR "/d");

    for (int i = 1; i <= 41; i++) {
        snprintf(name, sizeof(name), "chain%d", i);
        unlinkat(dfd, name, 0);
    }
    const char *names[] = { "file", "sym", "dangling", "hard_to_link", "hard_to_file", "loop_a", "loop_b", "self" };
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unlinkat(dfd, names[i], 0);
    close(dfd);
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
