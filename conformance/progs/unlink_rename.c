/* unlink_rename: unlink, unlinkat, rename, renameat within /tmp. */
/* area: rename */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_unlink_rename" CONF_TAG

static void put(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd >= 0) {
        write(fd, text, strlen(text));
        close(fd);
    }
}

/* Returns 1 if the file at path holds exactly text. */
static int has(const char *path, const char *text)
{
    char buf[64] = { 0 };
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n == (ssize_t)strlen(text) && memcmp(buf, text, n) == 0;
}

int main(void)
{
    struct stat st;
    char buf[16] = { 0 };
    int fd, dfd;

    mkdir(DIR_, 0755);
    dfd = open(DIR_, O_RDONLY | O_DIRECTORY);

    /* unlink */
    put(DIR_ "/a", "AAAA");
    CHECK_OK(unlink(DIR_ "/a"), "unlink existing file");
    CHECK_ERR(stat(DIR_ "/a", &st), ENOENT, "unlinked file is gone");
    CHECK_ERR(unlink(DIR_ "/a"), ENOENT, "unlink missing file -> ENOENT");
    CHECK_ERR(unlink(DIR_), EISDIR, "unlink a directory -> EISDIR");
    CHECK_ERR(unlink(DIR_ "/nodir/x"), ENOENT, "unlink in missing dir -> ENOENT");

    /* An open file stays readable after unlink. */
    put(DIR_ "/open", "still here");
    fd = open(DIR_ "/open", O_RDONLY);
    CHECK_OK(unlinkat(dfd, "open", 0), "unlinkat(dirfd) an open file");
    CHECK(read(fd, buf, 10) == 10 && memcmp(buf, "still here", 10) == 0,
          "unlinked-but-open file is still readable");
    CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0, "fstat of unlinked file: st_nlink 0");
    close(fd);

    /* rename */
    put(DIR_ "/src", "source");
    CHECK_OK(rename(DIR_ "/src", DIR_ "/dst"), "rename to new name");
    CHECK_ERR(stat(DIR_ "/src", &st), ENOENT, "old name gone after rename");
    CHECK(has(DIR_ "/dst", "source"), "new name has the content");

    put(DIR_ "/other", "other");
    CHECK_OK(rename(DIR_ "/other", DIR_ "/dst"), "rename over an existing file");
    CHECK(has(DIR_ "/dst", "other"), "target replaced by source content");
    CHECK_ERR(stat(DIR_ "/other", &st), ENOENT, "source name gone after replace");
    CHECK_OK(rename(DIR_ "/dst", DIR_ "/dst"), "rename file onto itself succeeds");
    CHECK(has(DIR_ "/dst", "other"), "self-rename keeps the file");
    CHECK_ERR(rename(DIR_ "/missing", DIR_ "/x"), ENOENT, "rename missing source -> ENOENT");
    CHECK_ERR(rename(DIR_ "/dst", DIR_ "/nodir/x"), ENOENT,
              "rename into missing directory -> ENOENT");

    /* directories */
    mkdir(DIR_ "/d1", 0755);
    mkdir(DIR_ "/d2", 0755);
    put(DIR_ "/d2/f", "f");
    CHECK_ERR(rename(DIR_ "/d1", DIR_ "/d2"), ENOTEMPTY, "rename dir over non-empty dir -> ENOTEMPTY");
    CHECK_ERR(rename(DIR_ "/dst", DIR_ "/d1"), EISDIR, "rename file over dir -> EISDIR");
    CHECK_ERR(rename(DIR_ "/d1", DIR_ "/dst"), ENOTDIR, "rename dir over file -> ENOTDIR");
    CHECK_ERR(rename(DIR_ "/d1", DIR_ "/d1/inner"), EINVAL, "rename dir into itself -> EINVAL");
    CHECK_OK(renameat(dfd, "d1", dfd, "d2/moved"), "renameat moves dir into other dir");
    CHECK(stat(DIR_ "/d2/moved", &st) == 0 && S_ISDIR(st.st_mode), "moved directory exists");
    CHECK_OK(renameat(dfd, "d2/f", AT_FDCWD, DIR_ "/f_back"), "renameat dirfd -> AT_FDCWD path");
    CHECK(has(DIR_ "/f_back", "f"), "file moved out of subdirectory");

    /* cleanup */
    unlink(DIR_ "/f_back");
    unlink(DIR_ "/dst");
    unlinkat(dfd, "d2/moved", AT_REMOVEDIR);
    unlinkat(dfd, "d2", AT_REMOVEDIR);
    close(dfd);
    CHECK_OK(unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR), "test directory empty at the end");
    CHECK_DONE();
}
