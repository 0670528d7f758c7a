/* devices: /dev/null, /dev/zero, /dev/urandom. */
/* area: proc-dev */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int main(void)
{
    char buf[1024];
    struct stat st;
    int fd;

    /* /dev/null */
    fd = open("/dev/null", O_RDWR);
    CHECK_OK(fd, "open /dev/null O_RDWR");
    CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is a character device");
    CHECK(major(st.st_rdev) == 1 && minor(st.st_rdev) == 3, "/dev/null is 1:3");
    CHECK_EQ(read(fd, buf, sizeof(buf)), 0, "read /dev/null returns 0 (EOF)");
    CHECK_EQ(write(fd, buf, sizeof(buf)), (long long)sizeof(buf), "write /dev/null consumes all");
    CHECK_EQ(write(fd, buf, 0), 0, "zero-length write to /dev/null");
    CHECK_EQ(pwrite(fd, buf, 10, 12345), 10, "pwrite /dev/null");
    CHECK_EQ(lseek(fd, 100, SEEK_SET), 0, "lseek on /dev/null returns 0");
    close(fd);

    /* /dev/zero */
    fd = open("/dev/zero", O_RDWR);
    CHECK_OK(fd, "open /dev/zero O_RDWR");
    CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
              minor(st.st_rdev) == 5,
          "/dev/zero is character device 1:5");
    memset(buf, 0xff, sizeof(buf));
    CHECK_EQ(read(fd, buf, sizeof(buf)), (long long)sizeof(buf), "read 1024 bytes of /dev/zero");
    {
        int zero = 1;
        for (size_t i = 0; i < sizeof(buf); i++)
            zero &= buf[i] == 0;
        CHECK(zero, "/dev/zero data is all zeros");
    }
    memset(buf, 0xff, sizeof(buf));
    CHECK(pread(fd, buf, 100, 4096) == 100 && buf[0] == 0 && buf[99] == 0 && (unsigned char)buf[100] == 0xff,
          "pread /dev/zero fills exactly the requested bytes");
    CHECK_EQ(write(fd, "abc", 3), 3, "write to /dev/zero succeeds");
    close(fd);

    /* /dev/urandom */
    fd = open("/dev/urandom", O_RDONLY);
    CHECK_OK(fd, "open /dev/urandom");
    CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
              minor(st.st_rdev) == 9,
          "/dev/urandom is character device 1:9");
    {
        char a[64], b[64];
        CHECK(read(fd, a, 64) == 64 && read(fd, b, 64) == 64 && memcmp(a, b, 64) != 0,
              "two /dev/urandom reads differ");
    }
    close(fd);

    CHECK(stat("/dev", &st) == 0 && S_ISDIR(st.st_mode), "/dev is a directory");
    CHECK_ERR(open("/dev/null/x", O_RDONLY), ENOTDIR, "path through /dev/null -> ENOTDIR");
    CHECK_ERR(open("/dev/nonexistent-device", O_RDONLY), ENOENT, "missing device -> ENOENT");
    CHECK_DONE();
}
