/* lseek_data_hole: lseek whence modes, EINVAL/ESPIPE/ENXIO cases, SEEK_DATA/SEEK_HOLE on a sparse file, O_APPEND. */
/* syscalls: lseek, openat, read, write, pwrite64, ftruncate, fstat, pipe2, socketpair, close, unlink */
/* area: file-io */
#include "check.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[256];

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof(path), "/tmp/lseek_data_hole.%d%s", (int)getpid(), CONF_TAG);

    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_OK(fd, "create temp file");
    if (fd < 0)
        CHECK_DONE();
    char buf[64];
    CHECK_EQ(write(fd, "0123456789", 10), 10, "write 10 bytes");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10, "SEEK_CUR 0 after write reports 10");
    CHECK_EQ(lseek(fd, 3, SEEK_SET), 3, "SEEK_SET 3 returns 3");
    CHECK(read(fd, buf, 2) == 2 && memcmp(buf, "34", 2) == 0, "read after SEEK_SET 3 gets \"34\"");
    CHECK_EQ(lseek(fd, 2, SEEK_CUR), 7, "SEEK_CUR +2 from 5 returns 7");
    CHECK_EQ(lseek(fd, -3, SEEK_CUR), 4, "SEEK_CUR -3 from 7 returns 4");
    CHECK_EQ(lseek(fd, -1, SEEK_END), 9, "SEEK_END -1 returns 9");
    CHECK(read(fd, buf, 5) == 1 && buf[0] == '9', "read at 9 returns the last byte only");
    CHECK_EQ(lseek(fd, 0, SEEK_END), 10, "SEEK_END 0 returns size");

    CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL, "SEEK_SET -1 -> EINVAL");
    CHECK_ERR(lseek(fd, -11, SEEK_END), EINVAL, "SEEK_END -11 on 10-byte file -> EINVAL");
    lseek(fd, 2, SEEK_SET);
    CHECK_ERR(lseek(fd, -3, SEEK_CUR), EINVAL, "SEEK_CUR to negative -> EINVAL");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2, "failed lseek leaves the offset unchanged");
    CHECK_ERR(lseek(fd, 0, 99), EINVAL, "invalid whence -> EINVAL");
    CHECK_ERR(lseek(-1, 0, SEEK_SET), EBADF, "lseek on fd -1 -> EBADF");

    /* Beyond EOF: allowed, read returns 0, write creates a hole. */
    CHECK_EQ(lseek(fd, 100, SEEK_SET), 100, "SEEK_SET past EOF returns 100");
    CHECK_EQ(read(fd, buf, sizeof(buf)), 0, "read past EOF returns 0");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 10, "seek past EOF does not change size");
    CHECK_EQ(write(fd, "X", 1), 1, "write at offset 100");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 101, "size becomes 101 after write at 100");
    CHECK(pread(fd, buf, 4, 10) == 4 && memcmp(buf, "\0\0\0\0", 4) == 0,
          "gap between old EOF and 100 reads as zeros");

    /* Sparse file: data at [0,4096) and [1 MiB, 1 MiB + 4096), size 2 MiB. */
    const off_t MB = 1 << 20;
    char blk[4096];
    memset(blk, 'a', sizeof(blk));
    CHECK_OK(ftruncate(fd, 0), "ftruncate to 0");
    CHECK(pwrite(fd, blk, 4096, 0) == 4096 && pwrite(fd, blk, 4096, MB) == 4096 &&
              ftruncate(fd, 2 * MB) == 0,
          "build a sparse 2 MiB file with two data blocks");
    off_t r = lseek(fd, 0, SEEK_DATA);
    if (r == -1 && (errno == EINVAL || errno == EOPNOTSUPP)) {
        CHECK_SKIP("SEEK_DATA/SEEK_HOLE", "filesystem lacks SEEK_DATA");
    } else {
        CHECK_EQ(r, 0, "SEEK_DATA from 0 returns 0");
        off_t h = lseek(fd, 0, SEEK_HOLE);
        /* Filesystems may report holes at a coarser granularity, but the first hole must be
         * at or after the data and no later than the second data block. */
        CHECK(h >= 4096 && h <= MB, "SEEK_HOLE from 0 lands in [4096, 1MiB]");
        off_t d = lseek(fd, 8192, SEEK_DATA);
        CHECK(d > 4096 && d <= MB, "SEEK_DATA from 8192 finds the second block (<= 1MiB)");
        CHECK_EQ(lseek(fd, 0, SEEK_CUR), d, "SEEK_DATA sets the file offset");
        off_t h2 = lseek(fd, MB, SEEK_HOLE);
        CHECK(h2 >= MB + 4096 && h2 <= 2 * MB, "SEEK_HOLE from 1MiB lands after the second block");
        CHECK_EQ(lseek(fd, 2 * MB - 1, SEEK_HOLE), 2 * MB - 1,
                 "SEEK_HOLE inside the trailing hole returns the offset itself");
        CHECK_ERR(lseek(fd, 2 * MB - 1, SEEK_DATA), ENXIO,
                  "SEEK_DATA in trailing hole (no more data) -> ENXIO");
        CHECK_ERR(lseek(fd, 2 * MB, SEEK_DATA), ENXIO, "SEEK_DATA at EOF -> ENXIO");
        CHECK_ERR(lseek(fd, 2 * MB, SEEK_HOLE), ENXIO, "SEEK_HOLE at EOF -> ENXIO");
        CHECK_ERR(lseek(fd, 3 * MB, SEEK_HOLE), ENXIO, "SEEK_HOLE past EOF -> ENXIO");
        CHECK_ERR(lseek(fd, -1, SEEK_DATA), ENXIO, "SEEK_DATA with negative offset -> ENXIO");
        /* A file with data up to EOF has its only hole at EOF. */
        int fd2 = open(path, O_RDWR | O_TRUNC);
        CHECK(fd2 >= 0 && write(fd2, blk, 100) == 100 && lseek(fd2, 0, SEEK_HOLE) == 100,
              "non-sparse 100-byte file: SEEK_HOLE from 0 returns 100 (implicit hole at EOF)");
        if (fd2 >= 0)
            close(fd2);
    }

    /* O_APPEND: lseek moves the offset, but each write goes to EOF. */
    int fa = open(path, O_RDWR | O_TRUNC | O_APPEND);
    CHECK_OK(fa, "open O_APPEND");
    if (fa >= 0) {
        CHECK_EQ(write(fa, "abcdef", 6), 6, "append write 6 bytes");
        CHECK_EQ(lseek(fa, 1, SEEK_SET), 1, "lseek on O_APPEND fd succeeds");
        CHECK_EQ(read(fa, buf, 2), 2, "read from offset 1 on O_APPEND fd");
        CHECK(buf[0] == 'b' && buf[1] == 'c', "read honours the lseek offset");
        CHECK_EQ(write(fa, "Z", 1), 1, "append write after lseek");
        CHECK_EQ(lseek(fa, 0, SEEK_CUR), 7, "after O_APPEND write offset is the new EOF (7)");
        CHECK(pread(fa, buf, 7, 0) == 7 && memcmp(buf, "abcdefZ", 7) == 0,
              "O_APPEND write went to EOF, not to the seeked offset");
        close(fa);
    }

    /* Pipes and sockets are not seekable. */
    int p[2], sv[2];
    if (pipe2(p, 0) == 0) {
        CHECK_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE, "lseek on pipe read end -> ESPIPE");
        CHECK_ERR(lseek(p[1], 0, SEEK_SET), ESPIPE, "lseek on pipe write end -> ESPIPE");
        close(p[0]);
        close(p[1]);
    } else {
        CHECK(0, "pipe2");
    }
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        CHECK_ERR(lseek(sv[0], 0, SEEK_CUR), ESPIPE, "lseek on socket -> ESPIPE");
        close(sv[0]);
        close(sv[1]);
    } else {
        CHECK(0, "socketpair");
    }

    close(fd);
    CHECK_OK(unlink(path), "unlink temp file");
    CHECK_DONE();
}
