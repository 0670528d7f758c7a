/* preadv2_pwritev2: preadv/pwritev offsets, preadv2/pwritev2 offset -1, RWF_* flags and their errors. */
/* syscalls: preadv, pwritev, preadv2, pwritev2, openat, lseek, pread64, fstat, pipe2, close, unlink */
/* area: file-io */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef RWF_HIPRI
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#endif
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif

static char path[256];

static struct iovec iov1(const void *b, size_t n)
{
    struct iovec v = {(void *)b, n};
    return v;
}

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof(path), "/tmp/preadv2_pwritev2.%d%s", (int)getpid(), CONF_TAG);

    char buf[64], b1[3], b2[4];
    struct stat st;
    struct iovec v, rv[2] = {{b1, 3}, {b2, 4}};
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_OK(fd, "create temp file");
    if (fd < 0)
        CHECK_DONE();

    /* preadv / pwritev: explicit offset, file offset untouched. */
    struct iovec wv[2] = {{(void *)"0123", 4}, {(void *)"456789", 6}};
    CHECK_EQ(pwritev(fd, wv, 2, 0), 10, "pwritev 10 bytes at offset 0");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0, "pwritev does not move the file offset");
    CHECK_EQ(preadv(fd, rv, 2, 2), 7, "preadv 3+4 bytes at offset 2");
    CHECK(memcmp(b1, "234", 3) == 0 && memcmp(b2, "5678", 4) == 0, "preadv data in iovec order");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0, "preadv does not move the file offset");
    CHECK_EQ(preadv(fd, rv, 2, 8), 2, "preadv near EOF returns the short count");
    CHECK_EQ(preadv(fd, rv, 2, 100), 0, "preadv past EOF returns 0");
    CHECK_ERR(preadv(fd, rv, 2, -1), EINVAL, "preadv offset -1 -> EINVAL (only v2 accepts -1)");
    CHECK_ERR(pwritev(fd, wv, 2, -5), EINVAL, "pwritev negative offset -> EINVAL");

    /* preadv2 / pwritev2 with offset -1 use and update the file offset. */
    CHECK_EQ(lseek(fd, 1, SEEK_SET), 1, "set file offset to 1");
    CHECK_EQ(preadv2(fd, rv, 2, -1, 0), 7, "preadv2 offset -1 reads at the file offset");
    CHECK(memcmp(b1, "123", 3) == 0 && memcmp(b2, "4567", 4) == 0, "preadv2 -1 data from offset 1");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 8, "preadv2 -1 advanced the offset to 8");
    v = iov1("AB", 2);
    CHECK_EQ(pwritev2(fd, &v, 1, -1, 0), 2, "pwritev2 offset -1 writes at the file offset");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10, "pwritev2 -1 advanced the offset to 10");
    CHECK(pread(fd, buf, 10, 0) == 10 && memcmp(buf, "01234567AB", 10) == 0,
          "pwritev2 -1 data landed at offset 8");
    CHECK_EQ(preadv2(fd, rv, 2, 0, 0), 7, "preadv2 explicit offset 0");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10, "preadv2 with explicit offset leaves the offset");
    CHECK_ERR(preadv2(fd, rv, 2, -2, 0), EINVAL, "preadv2 offset -2 -> EINVAL");

    /* Flags. */
    v = iov1("CD", 2);
    CHECK_EQ(pwritev2(fd, &v, 1, 0, RWF_APPEND), 2, "pwritev2 RWF_APPEND at offset 0");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 12, "RWF_APPEND grew the file to 12");
    CHECK(pread(fd, buf, 12, 0) == 12 && memcmp(buf, "01234567ABCD", 12) == 0,
          "RWF_APPEND data went to EOF, offset 0 untouched");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10, "RWF_APPEND with explicit offset leaves the file offset");
    lseek(fd, 0, SEEK_SET);
    v = iov1("EF", 2);
    CHECK_EQ(pwritev2(fd, &v, 1, -1, RWF_APPEND), 2, "pwritev2 RWF_APPEND with offset -1");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 14, "RWF_APPEND -1 leaves the offset at the new EOF");

    v = iov1("xy", 2);
    CHECK_EQ(pwritev2(fd, &v, 1, 0, RWF_DSYNC), 2, "pwritev2 RWF_DSYNC accepted");
    v = iov1("XY", 2);
    CHECK_EQ(pwritev2(fd, &v, 1, 0, RWF_SYNC), 2, "pwritev2 RWF_SYNC accepted");
    v = iov1("01", 2);
    CHECK_EQ(pwritev2(fd, &v, 1, 0, RWF_HIPRI), 2, "pwritev2 RWF_HIPRI accepted on buffered I/O");
    CHECK_EQ(preadv2(fd, rv, 2, 0, RWF_HIPRI), 7, "preadv2 RWF_HIPRI accepted on buffered I/O");
    /* The data was just written, so it is in the page cache and NOWAIT cannot block. */
    CHECK_EQ(preadv2(fd, rv, 2, 0, RWF_NOWAIT), 7, "preadv2 RWF_NOWAIT on cached regular file data");
    CHECK(memcmp(b1, "012", 3) == 0, "RWF_NOWAIT read returned the data");
    CHECK_ERR(preadv2(fd, rv, 2, 0, 0x80000000), EOPNOTSUPP, "preadv2 unknown flag -> EOPNOTSUPP");
    CHECK_ERR(pwritev2(fd, &v, 1, 0, 0x40000000), EOPNOTSUPP, "pwritev2 unknown flag 0x40000000 -> EOPNOTSUPP");
    close(fd);

    /* RWF_NOAPPEND (Linux 6.9) lets pwritev2 write at the offset on an O_APPEND fd. */
    int fa = open(path, O_RDWR | O_APPEND);
    CHECK_OK(fa, "open O_APPEND");
    if (fa >= 0) {
        v = iov1("zz", 2);
        CHECK_EQ(pwritev2(fa, &v, 1, 0, 0), 2, "pwritev2 at 0 on O_APPEND fd (appends)");
        CHECK(fstat(fa, &st) == 0 && st.st_size == 16, "O_APPEND pwritev2 grew the file to 16");
        v = iov1("QQ", 2);
        CHECK_EQ(pwritev2(fa, &v, 1, 0, RWF_NOAPPEND), 2, "pwritev2 RWF_NOAPPEND on O_APPEND fd");
        CHECK(fstat(fa, &st) == 0 && st.st_size == 16 && pread(fa, buf, 2, 0) == 2 &&
                  memcmp(buf, "QQ", 2) == 0,
              "RWF_NOAPPEND wrote at offset 0 without growing the file");
        close(fa);
    }

    /* Non-seekable files: -1 is fine, real offsets are ESPIPE, NOWAIT gives EAGAIN. */
    int p[2];
    if (pipe2(p, 0) == 0) {
        v = iov1("pq", 2);
        CHECK_EQ(pwritev2(p[1], &v, 1, -1, 0), 2, "pwritev2 -1 on a pipe acts like writev");
        CHECK_ERR(pwritev2(p[1], &v, 1, 0, 0), ESPIPE, "pwritev2 offset 0 on a pipe -> ESPIPE");
        CHECK_ERR(preadv(p[0], rv, 2, 0), ESPIPE, "preadv on a pipe -> ESPIPE");
        CHECK_EQ(preadv2(p[0], rv, 1, -1, 0), 2, "preadv2 -1 on a pipe reads the data");
        CHECK_ERR(preadv2(p[0], rv, 1, -1, RWF_NOWAIT), EAGAIN,
                  "preadv2 RWF_NOWAIT on an empty blocking pipe -> EAGAIN");
        close(p[0]);
        close(p[1]);
    } else {
        CHECK(0, "pipe2");
    }
    CHECK_ERR(preadv2(-1, rv, 1, 0, 0), EBADF, "preadv2 on fd -1 -> EBADF");

    CHECK_OK(unlink(path), "unlink temp file");
    CHECK_DONE();
}
