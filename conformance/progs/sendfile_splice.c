/* sendfile_splice: sendfile, splice, tee, vmsplice and copy_file_range with offsets and errnos. */
/* syscalls: sendfile, splice, tee, vmsplice, copy_file_range, pipe2, open, pread64, pwrite64, lseek, read */
/* area: splice */
#include "check.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define DIR "/tmp/conf_sendfile_splice" CONF_TAG

int main(void)
{
    char buf[256];
    int src, dst, app, p[2], q[2];
    off_t off;
    loff_t lo, lo2;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    src = open(DIR "/src", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(src, "0123456789abcdefghij", 20);
    lseek(src, 0, SEEK_SET);
    dst = open(DIR "/dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
    /* Non-blocking pipes: a misbehaving call shows up as EAGAIN instead of a hang. */
    pipe2(p, O_NONBLOCK);
    pipe2(q, O_NONBLOCK);

    /* sendfile */
    off = 5;
    CHECK_EQ(sendfile(p[1], src, &off, 4), 4, "sendfile file->pipe with offset");
    CHECK_EQ(off, 9, "offset advanced to 9");
    CHECK_EQ(lseek(src, 0, SEEK_CUR), 0, "file position untouched when offset given");
    memset(buf, 0, sizeof(buf));
    CHECK(read(p[0], buf, sizeof(buf)) == 4 && strcmp(buf, "5678") == 0, "pipe got bytes 5..8");
    CHECK_EQ(sendfile(p[1], src, NULL, 3), 3, "sendfile with NULL offset");
    CHECK_EQ(lseek(src, 0, SEEK_CUR), 3, "file position advanced");
    read(p[0], buf, sizeof(buf));
    off = 15;
    CHECK_EQ(sendfile(p[1], src, &off, 100), 5, "count past EOF returns the remaining 5");
    read(p[0], buf, sizeof(buf));
    CHECK_EQ(sendfile(p[1], src, &off, 100), 0, "at EOF returns 0");
    off = 0;
    CHECK_EQ(sendfile(dst, src, &off, 20), 20, "sendfile file->file");
    memset(buf, 0, sizeof(buf));
    CHECK(pread(dst, buf, 20, 0) == 20 && memcmp(buf, "0123456789abcdefghij", 20) == 0, "destination file content");
    write(p[1], "zz", 2);
    CHECK_ERR(sendfile(dst, p[0], NULL, 2), EINVAL, "sendfile from a pipe -> EINVAL");
    read(p[0], buf, sizeof(buf));
    app = open(DIR "/dst", O_WRONLY | O_APPEND);
    off = 0;
    CHECK_ERR(sendfile(app, src, &off, 1), EINVAL, "sendfile to O_APPEND file -> EINVAL");
    CHECK_ERR(sendfile(p[1], 999, NULL, 1), EBADF, "sendfile bad in_fd -> EBADF");
    off = -1;
    CHECK_ERR(sendfile(p[1], src, &off, 1), EINVAL, "sendfile negative offset -> EINVAL");

    /* splice */
    lo = 10;
    CHECK_EQ(splice(src, &lo, p[1], NULL, 6, 0), 6, "splice file->pipe with offset");
    CHECK_EQ(lo, 16, "splice advanced the offset");
    lo = 100;
    CHECK_EQ(splice(p[0], NULL, dst, &lo, 6, 0), 6, "splice pipe->file at offset 100");
    memset(buf, 0, sizeof(buf));
    CHECK(pread(dst, buf, 6, 100) == 6 && strcmp(buf, "abcdef") == 0, "spliced data in the file");
    write(p[1], "pipe2pipe", 9);
    CHECK_EQ(splice(p[0], NULL, q[1], NULL, 100, 0), 9, "splice pipe->pipe");
    memset(buf, 0, sizeof(buf));
    CHECK(read(q[0], buf, sizeof(buf)) == 9 && strcmp(buf, "pipe2pipe") == 0, "data moved between pipes");
    lo = 0;
    lo2 = 0;
    CHECK_ERR(splice(src, &lo, dst, &lo2, 4, 0), EINVAL, "splice without a pipe -> EINVAL");
    lo = 0;
    CHECK_ERR(splice(src, NULL, p[1], &lo, 4, 0), ESPIPE, "offset on the pipe side -> ESPIPE");
    CHECK_ERR(splice(q[0], NULL, p[1], NULL, 4, SPLICE_F_NONBLOCK), EAGAIN, "SPLICE_F_NONBLOCK on empty pipe -> EAGAIN");
    CHECK_ERR(splice(p[0], NULL, p[1], NULL, 4, 0), EINVAL, "splice a pipe into itself -> EINVAL");

    /* tee */
    write(p[1], "teedata", 7);
    CHECK_EQ(tee(p[0], q[1], 100, 0), 7, "tee duplicates 7 bytes");
    memset(buf, 0, sizeof(buf));
    CHECK(read(q[0], buf, sizeof(buf)) == 7 && strcmp(buf, "teedata") == 0, "target pipe got the copy");
    memset(buf, 0, sizeof(buf));
    CHECK(read(p[0], buf, sizeof(buf)) == 7 && strcmp(buf, "teedata") == 0, "source pipe still has the data");
    CHECK_ERR(tee(p[0], p[1], 10, 0), EINVAL, "tee a pipe to itself -> EINVAL");
    CHECK_ERR(tee(q[0], p[1], 10, SPLICE_F_NONBLOCK), EAGAIN, "tee from empty pipe, non-blocking -> EAGAIN");

    /* vmsplice */
    {
        struct iovec iov[2] = { { "vm", 2 }, { "splice", 6 } };
        CHECK_EQ(vmsplice(p[1], iov, 2, 0), 8, "vmsplice two iovecs into a pipe");
        memset(buf, 0, sizeof(buf));
        CHECK(read(p[0], buf, sizeof(buf)) == 8 && strcmp(buf, "vmsplice") == 0, "vmsplice data");
    }

    /* copy_file_range */
    lo = 2;
    lo2 = 200;
    CHECK_EQ(copy_file_range(src, &lo, dst, &lo2, 5, 0), 5, "copy_file_range 5 bytes");
    CHECK(lo == 7 && lo2 == 205, "both offsets advanced");
    memset(buf, 0, sizeof(buf));
    CHECK(pread(dst, buf, 5, 200) == 5 && strcmp(buf, "23456") == 0, "copied content");
    lo = 18;
    lo2 = 300;
    CHECK_EQ(copy_file_range(src, &lo, dst, &lo2, 50, 0), 2, "copy_file_range stops at EOF");
    lo = 0;
    lo2 = 0;
    CHECK_ERR(copy_file_range(src, &lo, dst, &lo2, 5, 1), EINVAL, "copy_file_range nonzero flags -> EINVAL");
    lo = 0;
    lo2 = 5;
    CHECK_ERR(copy_file_range(src, &lo, src, &lo2, 10, 0), EINVAL, "overlapping range in the same file -> EINVAL");
    lo = 0;
    CHECK_ERR(copy_file_range(src, &lo, app, NULL, 5, 0), EBADF, "copy_file_range to O_APPEND -> EBADF");
    CHECK_ERR(copy_file_range(src, NULL, p[1], NULL, 5, 0), EINVAL, "copy_file_range to a pipe -> EINVAL");

    close(app);
    close(src);
    close(dst);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    unlink(DIR "/src");
    unlink(DIR "/dst");
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
