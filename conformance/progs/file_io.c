/* file_io: read/write, offsets, pread/pwrite, readv/writev, O_APPEND, lseek, EOF. */
/* area: file-io */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_file_io" CONF_TAG
#define FILE_ DIR_ "/data"

int main(void)
{
    char buf[64];
    int fd;

    mkdir(DIR_, 0755);
    unlink(FILE_);

    fd = open(FILE_, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK_OK(fd, "open data file O_CREAT|O_RDWR");

    CHECK_EQ(write(fd, "hello world", 11), 11, "write 11 bytes");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11, "offset after write is 11");
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0, "lseek SEEK_SET 0");

    memset(buf, 0, sizeof(buf));
    CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "hello", 5) == 0, "read 5 bytes: 'hello'");
    CHECK_EQ(lseek(fd, 1, SEEK_CUR), 6, "lseek SEEK_CUR +1 -> 6");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(read(fd, buf, sizeof(buf)), 5, "short read of remaining 5 bytes");
    CHECK(memcmp(buf, "world", 5) == 0, "remaining content is 'world'");
    CHECK_EQ(read(fd, buf, sizeof(buf)), 0, "read at EOF returns 0");

    CHECK_EQ(lseek(fd, -5, SEEK_END), 6, "lseek SEEK_END -5 -> 6");
    CHECK_EQ(lseek(fd, -3, SEEK_CUR), 3, "lseek SEEK_CUR -3 -> 3");
    CHECK_ERR(lseek(fd, -100, SEEK_CUR), EINVAL, "lseek to negative offset -> EINVAL");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3, "failed lseek leaves offset unchanged");

    /* pread/pwrite do not move the file offset. */
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(pread(fd, buf, 4, 6), 4, "pread 4 bytes at offset 6");
    CHECK(memcmp(buf, "worl", 4) == 0, "pread content is 'worl'");
    CHECK_EQ(pwrite(fd, "W", 1, 6), 1, "pwrite 1 byte at offset 6");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3, "offset unchanged by pread/pwrite");
    CHECK_EQ(pread(fd, buf, 10, 100), 0, "pread beyond EOF returns 0");

    /* writev / readv scatter-gather. */
    CHECK_EQ(lseek(fd, 0, SEEK_END), 11, "lseek SEEK_END 0 -> size 11");
    {
        struct iovec wv[3] = {
            { .iov_base = (void *)"-ab", .iov_len = 3 },
            { .iov_base = (void *)"", .iov_len = 0 },
            { .iov_base = (void *)"cdef", .iov_len = 4 },
        };
        CHECK_EQ(writev(fd, wv, 3), 7, "writev 3 iovecs totalling 7 bytes");
    }
    {
        char a[6] = { 0 }, b[20] = { 0 };
        struct iovec rv[2] = {
            { .iov_base = a, .iov_len = 5 },
            { .iov_base = b, .iov_len = sizeof(b) - 1 },
        };
        lseek(fd, 0, SEEK_SET);
        CHECK_EQ(readv(fd, rv, 2), 18, "readv returns whole file (18 bytes)");
        CHECK_STREQ(a, "hello", "readv first iovec");
        CHECK_STREQ(b, " World-abcdef", "readv second iovec");
    }

    /* Sparse write past EOF leaves a zero-filled hole. */
    lseek(fd, 100, SEEK_SET);
    CHECK_EQ(write(fd, "Z", 1), 1, "write at offset 100");
    {
        struct stat st;
        CHECK(fstat(fd, &st) == 0 && st.st_size == 101, "file size after sparse write is 101");
        memset(buf, 'x', sizeof(buf));
        CHECK(pread(fd, buf, 10, 50) == 10 && memcmp(buf, "\0\0\0\0\0\0\0\0\0\0", 10) == 0,
              "hole reads as zeros");
    }
    close(fd);

    /* O_APPEND: every write goes to the end regardless of offset. */
    fd = open(FILE_, O_WRONLY | O_TRUNC | O_APPEND);
    CHECK_OK(fd, "reopen with O_WRONLY|O_TRUNC|O_APPEND");
    write(fd, "abc", 3);
    lseek(fd, 0, SEEK_SET);
    CHECK_EQ(write(fd, "def", 3), 3, "write after lseek(0) on O_APPEND fd");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6, "offset at end after append write");
    close(fd);

    fd = open(FILE_, O_RDONLY);
    memset(buf, 0, sizeof(buf));
    read(fd, buf, sizeof(buf));
    CHECK_STREQ(buf, "abcdef", "O_APPEND content is 'abcdef'");
    close(fd);

    unlink(FILE_);
    unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR);
    CHECK_DONE();
}
