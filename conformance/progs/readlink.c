/* readlink: readlink/readlinkat error cases, plus host symlinks when present. */
/* area: links */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_readlink" CONF_TAG

/* Two checks on a host path if it is a symlink, otherwise two skips. */
static void check_host_link(const char *path)
{
    struct stat st;
    char buf[4096], desc[256];

    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) {
        snprintf(desc, sizeof(desc), "readlink %s", path);
        CHECK_SKIP(desc, "not a symlink on this host");
        CHECK_SKIP(desc, "not a symlink on this host");
        return;
    }
    memset(buf, 0, sizeof(buf));
    ssize_t n = readlink(path, buf, sizeof(buf));
    snprintf(desc, sizeof(desc), "readlink %s returns st_size bytes", path);
    CHECK_EQ(n, st.st_size, desc);
    snprintf(desc, sizeof(desc), "readlinkat(AT_FDCWD, %s) gives the same target", path);
    char buf2[4096] = { 0 };
    CHECK(readlinkat(AT_FDCWD, path, buf2, sizeof(buf2)) == n && memcmp(buf, buf2, n) == 0, desc);
}

int main(void)
{
    char buf[256];
    struct stat st;
    int fd, dfd;

    mkdir(DIR_, 0755);
    fd = open(DIR_ "/file", O_CREAT | O_WRONLY, 0644);
    close(fd);
    dfd = open(DIR_, O_RDONLY | O_DIRECTORY);

    CHECK_ERR(readlink(DIR_ "/file", buf, sizeof(buf)), EINVAL, "readlink regular file -> EINVAL");
    CHECK_ERR(readlink(DIR_, buf, sizeof(buf)), EINVAL, "readlink directory -> EINVAL");
    CHECK_ERR(readlink(DIR_ "/missing", buf, sizeof(buf)), ENOENT, "readlink missing -> ENOENT");
    CHECK_ERR(readlink(DIR_ "/file/x", buf, sizeof(buf)), ENOTDIR, "readlink through file -> ENOTDIR");
    CHECK_ERR(readlink("/etc/passwd", buf, sizeof(buf)), EINVAL, "readlink /etc/passwd -> EINVAL");
    CHECK_ERR(readlink("/dev/null", buf, sizeof(buf)), EINVAL, "readlink /dev/null -> EINVAL");
    CHECK_ERR(readlinkat(dfd, "file", buf, sizeof(buf)), EINVAL, "readlinkat(dirfd, file) -> EINVAL");
    CHECK_ERR(readlinkat(dfd, "missing", buf, sizeof(buf)), ENOENT, "readlinkat missing -> ENOENT");
    CHECK_ERR(syscall(SYS_readlink, DIR_ "/file", buf, 0), EINVAL, "readlink bufsiz 0 -> EINVAL");
    CHECK_ERR(syscall(SYS_readlink, (void *)1, buf, sizeof(buf)), EFAULT, "readlink bad path -> EFAULT");

    /* Debian's merged /usr layout: /bin -> usr/bin, /lib64 -> usr/lib64. */
    check_host_link("/bin");
    check_host_link("/lib64");
    if (lstat("/bin", &st) == 0 && S_ISLNK(st.st_mode)) {
        memset(buf, 0, sizeof(buf));
        CHECK_EQ(readlink("/bin", buf, 3), 3, "readlink with short buffer truncates");
        CHECK(stat("/bin", &st) == 0 && S_ISDIR(st.st_mode), "stat follows /bin to a directory");
        CHECK(lstat("/bin/busybox", &st) == 0 && S_ISREG(st.st_mode),
              "path through a symlinked directory resolves");
    } else {
        CHECK_SKIP("readlink with short buffer truncates", "/bin is not a symlink");
        CHECK_SKIP("stat follows /bin to a directory", "/bin is not a symlink");
        CHECK_SKIP("path through a symlinked directory resolves", "/bin is not a symlink");
    }

    close(dfd);
    unlink(DIR_ "/file");
    unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR);
    CHECK_DONE();
}
