/* pread_pwrite: pread64/pwrite64 offsets, file offset untouched, EINVAL/ESPIPE/EBADF, O_APPEND, large offsets. */
/* syscalls: pread64, pwrite64, openat, lseek, read, write, fstat, pipe2, close, unlink */
/* area: file-io */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char path[256];

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof(path), "/tmp/pread_pwrite.%d%s", (int)getpid(), CONF_TAG);

    char buf[64];
    struct stat st;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_OK(fd, "create temp file");
    if (fd < 0)
        CHECK_DONE();

    CHECK_EQ(write(fd, "hello world", 11), 11, "write 11 bytes");
    CHECK_EQ(lseek(fd, 2, SEEK_SET), 2, "set file offset to 2");
    CHECK_EQ(pread(fd, buf, 5, 6), 5, "pread 5 bytes at offset 6");
    CHECK(memcmp(buf, "world", 5) == 0, "pread data is \"world\"");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2, "pread does not move the file offset");
    CHECK_EQ(pwrite(fd, "HELLO", 5, 0), 5, "pwrite 5 bytes at 0");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2, "pwrite does not move the file offset");
    CHECK(read(fd, buf, 3) == 3 && memcmp(buf, "LLO", 3) == 0,
          "read at file offset sees pwrite data");
    CHECK_EQ(pread(fd, buf, 10, 11), 0, "pread at EOF returns 0");
    CHECK_EQ(pread(fd, buf, 10, 1000), 0, "pread far past EOF returns 0");
    CHECK_EQ(pread(fd, buf, 20, 8), 3, "pread straddling EOF returns the short count");
    CHECK_EQ(pread(fd, buf, 0, 0), 0, "pread of 0 bytes returns 0");

    CHECK_ERR(pread(fd, buf, 1, -1), EINVAL, "pread negative offset -> EINVAL");
    CHECK_ERR(pwrite(fd, "x", 1, -1), EINVAL, "pwrite negative offset -> EINVAL");
    CHECK_ERR(syscall(SYS_pread64, fd, buf, 1, (long)-4096), EINVAL,
              "raw pread64 offset -4096 -> EINVAL");
    CHECK_ERR(pread(-1, buf, 1, 0), EBADF, "pread on fd -1 -> EBADF");
    CHECK_ERR(syscall(SYS_pread64, fd, (void *)8, 4, 0L), EFAULT, "pread into a bad buffer -> EFAULT");
    CHECK_ERR(syscall(SYS_pwrite64, fd, (void *)8, 4, 0L), EFAULT, "pwrite from a bad buffer -> EFAULT");

    /* Large offset: sparse write at 4 GiB + 1 (needs 64-bit offsets). */
    off_t big = ((off_t)1 << 32) + 1;
    ssize_t w = pwrite(fd, "B", 1, big);
    if (w == -1 && (errno == EFBIG || errno == ENOSPC)) {
        CHECK_SKIP("pwrite at 4GiB+1", "filesystem cannot hold the file");
    } else {
        CHECK_EQ(w, 1, "pwrite 1 byte at 4GiB+1");
        CHECK(fstat(fd, &st) == 0 && st.st_size == big + 1, "size becomes 4GiB+2");
        CHECK(pread(fd, buf, 2, big - 1) == 2 && buf[0] == 0 && buf[1] == 'B',
              "pread across the 4GiB boundary: hole zero then data");
        CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5, "large pwrite left the offset alone");
        CHECK_OK(ftruncate(fd, 11), "truncate back to 11 bytes");
    }
    /* offset + count overflowing loff_t is rejected before any filesystem limit. */
    CHECK_ERR(pwrite(fd, "xy", 2, 0x7fffffffffffffffLL), EINVAL,
              "pwrite at LLONG_MAX with count 2 (pos+count overflows) -> EINVAL");
    CHECK_ERR(pread(fd, buf, 2, 0x7fffffffffffffffLL), EINVAL,
              "pread at LLONG_MAX with count 2 (pos+count overflows) -> EINVAL");
    close(fd);

    /* Access mode checks. */
    int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
    CHECK(ro >= 0 && wo >= 0, "reopen read-only and write-only");
    CHECK_ERR(pwrite(ro, "x", 1, 0), EBADF, "pwrite on O_RDONLY fd -> EBADF");
    CHECK_ERR(pread(wo, buf, 1, 0), EBADF, "pread on O_WRONLY fd -> EBADF");
    CHECK_EQ(pread(ro, buf, 5, 0), 5, "pread on O_RDONLY fd works");
    close(ro);
    close(wo);

    /* Linux: pwrite on an O_APPEND fd appends regardless of the offset (BUGS in pwrite(2)). */
    int fa = open(path, O_RDWR | O_APPEND);
    CHECK_OK(fa, "open O_APPEND");
    if (fa >= 0) {
        CHECK_EQ(pwrite(fa, "AP", 2, 0), 2, "pwrite at 0 on O_APPEND fd");
        CHECK(fstat(fa, &st) == 0 && st.st_size == 13, "O_APPEND pwrite grew the file to 13");
        CHECK(pread(fa, buf, 2, 11) == 2 && memcmp(buf, "AP", 2) == 0,
              "O_APPEND pwrite data landed at EOF");
        CHECK(pread(fa, buf, 2, 0) == 2 && memcmp(buf, "HE", 2) == 0,
              "O_APPEND pwrite did not overwrite offset 0");
        CHECK_EQ(lseek(fa, 0, SEEK_CUR), 0, "O_APPEND pwrite does not move the file offset");
        close(fa);
    }

    /* Pipes are not seekable. */
    int p[2];
    if (pipe2(p, 0) == 0) {
        CHECK_ERR(pwrite(p[1], "x", 1, 0), ESPIPE, "pwrite on pipe -> ESPIPE");
        CHECK_ERR(pread(p[0], buf, 1, 0), ESPIPE, "pread on pipe -> ESPIPE");
        close(p[0]);
        close(p[1]);
    } else {
        CHECK(0, "pipe2");
    }
    /* Directory. */
    int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK_ERR(pread(dfd, buf, 1, 0), EISDIR, "pread on a directory -> EISDIR");
    close(dfd);

    CHECK_OK(unlink(path), "unlink temp file");
    CHECK_DONE();
}
