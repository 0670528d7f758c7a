/* open_flags: O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, access modes, error cases. */
/* area: open */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_open_flags" CONF_TAG
#define F1 DIR_ "/f1"

int main(void)
{
    struct stat st;
    char buf[16];
    int fd, fd2, dfd;

    umask(022);
    mkdir(DIR_, 0755);
    unlink(F1);

    CHECK_ERR(open(F1, O_RDONLY), ENOENT, "open missing file without O_CREAT -> ENOENT");

    fd = open(F1, O_CREAT | O_WRONLY, 0640);
    CHECK_OK(fd, "O_CREAT creates file");
    CHECK(stat(F1, &st) == 0 && S_ISREG(st.st_mode), "created file is a regular file");
    CHECK_EQ(st.st_mode & 07777, 0640, "created file has requested mode");
    CHECK_EQ(write(fd, "0123456789", 10), 10, "write to O_WRONLY fd");
    CHECK_ERR(read(fd, buf, 1), EBADF, "read from O_WRONLY fd -> EBADF");
    close(fd);

    CHECK_ERR(open(F1, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST,
              "O_CREAT|O_EXCL on existing file -> EEXIST");

    fd = open(F1, O_CREAT | O_RDONLY, 0600);
    CHECK_OK(fd, "O_CREAT on existing file opens it");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 10, "O_CREAT without O_TRUNC keeps content");
    CHECK_EQ((st.st_mode & 07777), 0640, "O_CREAT on existing file keeps mode");
    CHECK_ERR(write(fd, "x", 1), EBADF, "write to O_RDONLY fd -> EBADF");
    close(fd);

    fd = open(F1, O_RDWR | O_TRUNC);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC truncates to 0");
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR, "F_GETFL reports O_RDWR");
    close(fd);

    fd = open(F1, O_RDONLY | O_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC, "O_CLOEXEC sets FD_CLOEXEC");
    /* The lowest free descriptor is reused. */
    close(fd);
    fd2 = open(F1, O_RDONLY);
    CHECK_EQ(fd2, fd, "open reuses lowest free fd");
    close(fd2);

    CHECK_ERR(open(F1, O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file -> ENOTDIR");
    dfd = open(DIR_, O_RDONLY | O_DIRECTORY);
    CHECK_OK(dfd, "O_DIRECTORY on a directory");
    CHECK_ERR(open(DIR_, O_WRONLY), EISDIR, "open directory O_WRONLY -> EISDIR");
    CHECK_ERR(open(DIR_, O_RDWR), EISDIR, "open directory O_RDWR -> EISDIR");
    CHECK_ERR(open(DIR_, O_WRONLY | O_CREAT, 0644), EISDIR,
              "O_CREAT on an existing directory -> EISDIR");

    /* openat relative to a directory fd. */
    fd = openat(dfd, "f1", O_RDONLY);
    CHECK_OK(fd, "openat(dirfd, \"f1\")");
    CHECK_ERR(openat(fd, "x", O_RDONLY), ENOTDIR, "openat with non-directory dirfd -> ENOTDIR");
    close(fd);
    fd = openat(dfd, "f2", O_CREAT | O_EXCL | O_WRONLY, 0644);
    CHECK(fd >= 0 && stat(DIR_ "/f2", &st) == 0, "openat O_CREAT creates file in dirfd");
    close(fd);
    unlinkat(dfd, "f2", 0);
    close(dfd);

    CHECK_ERR(open(F1 "/x", O_RDONLY), ENOTDIR, "path through a regular file -> ENOTDIR");
    CHECK_ERR(open(DIR_ "/nodir/x", O_CREAT | O_WRONLY, 0644), ENOENT,
              "O_CREAT in missing directory -> ENOENT");
    CHECK_ERR(open("", O_RDONLY), ENOENT, "open empty path -> ENOENT");
    {
        char longname[sizeof(DIR_) + 300];
        memset(longname, 'a', sizeof(longname));
        memcpy(longname, DIR_ "/", sizeof(DIR_));
        longname[sizeof(longname) - 1] = '\0';
        CHECK_ERR(open(longname, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG,
                  "component longer than 255 bytes -> ENAMETOOLONG");
    }
    CHECK_OK(fd = open("/etc/passwd", O_RDONLY), "open host file /etc/passwd read-only");
    close(fd);

    unlink(F1);
    unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR);
    CHECK_DONE();
}
