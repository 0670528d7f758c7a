/* fallocate_modes: fallocate allocate/KEEP_SIZE/PUNCH_HOLE modes, errno order, posix_fallocate. */
/* syscalls: fallocate, openat, fstat, newfstatat, statfs, pread64, pwrite64, ftruncate, pipe2, socketpair, unlinkat, close */
/* area: truncate */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static char path[128];

static long long fsize(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long long)st.st_size : -1;
}

static long long fblocks(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long long)st.st_blocks : -1;
}

/* 1 if n bytes at off all equal c. */
static int all_byte(int fd, off_t off, size_t n, char c)
{
    static char buf[65536];
    if (n > sizeof(buf) || pread(fd, buf, n, off) != (ssize_t)n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i] != c)
            return 0;
    return 1;
}

static int new_file(void)
{
    unlink(path);
    return open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
}

int main(void)
{
    int fd, rfd, p[2], sv[2], r;
    struct statfs sfs;
    static char buf[65536];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    snprintf(path, sizeof(path), "/tmp/fallocate_modes.%d%s", (int)getpid(), CONF_TAG);

    CHECK_OK(statfs("/tmp", &sfs), "statfs /tmp");
    NOTE("/tmp f_type 0x%lx", (unsigned long)sfs.f_type);

    fd = new_file();
    CHECK(fd >= 0, "create temp file");
    if (fd < 0)
        CHECK_DONE();

    /* Probe: does this filesystem support fallocate at all? */
    r = fallocate(fd, 0, 0, 8192);
    if (r != 0 && errno == EOPNOTSUPP) {
        CHECK_SKIP("fallocate mode 0", "filesystem of /tmp does not support fallocate");
        close(fd);
        unlink(path);
        CHECK_DONE();
    }
    CHECK_EQ(r, 0, "fallocate(fd, 0, 0, 8192) succeeds on empty file");
    CHECK_EQ(fsize(fd), 8192, "mode 0 extends st_size to 8192");
    CHECK(fblocks(fd) >= 16, "mode 0 allocates blocks (st_blocks >= 16 for 8 KiB)");
    CHECK(all_byte(fd, 0, 8192, 0), "allocated range reads as zeros");
    CHECK_OK(fallocate(fd, 0, 1000, 2000), "mode 0 inside existing size");
    CHECK_EQ(fsize(fd), 8192, "mode 0 inside the file does not change size");
    CHECK_OK(fallocate(fd, 0, 100000, 10), "mode 0 at offset 100000 len 10");
    CHECK_EQ(fsize(fd), 100010, "size becomes offset+len = 100010");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0, "fallocate does not move the file offset");

    /* FALLOC_FL_KEEP_SIZE. */
    close(fd);
    fd = new_file();
    CHECK_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 65536), "KEEP_SIZE 64 KiB on empty file");
    CHECK_EQ(fsize(fd), 0, "KEEP_SIZE leaves st_size 0");
    CHECK(fblocks(fd) >= 128, "KEEP_SIZE still allocates blocks (st_blocks >= 128)");
    CHECK_EQ(pread(fd, buf, 10, 0), 0, "read of KEEP_SIZE-preallocated empty file returns EOF");
    CHECK_EQ(pwrite(fd, "hello", 5, 0), 5, "write into preallocated range");
    CHECK_EQ(fsize(fd), 5, "write sets size 5 within preallocation");
    CHECK_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 20), "KEEP_SIZE 1 MiB over a 5-byte file");
    CHECK_EQ(fsize(fd), 5, "size still 5");
    CHECK_OK(ftruncate(fd, 3), "ftruncate shrinks preallocated file");
    CHECK_EQ(fsize(fd), 3, "size 3 after truncate");

    /* FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE. */
    close(fd);
    fd = new_file();
    memset(buf, 'A', sizeof(buf));
    CHECK_EQ(pwrite(fd, buf, 16384, 0), 16384, "write 16 KiB of 'A'");
    fsync(fd);
    long long before = fblocks(fd);
    r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192);
    if (r != 0 && errno == EOPNOTSUPP) {
        CHECK_SKIP("PUNCH_HOLE|KEEP_SIZE", "filesystem of /tmp does not support hole punching");
    } else {
        CHECK_EQ(r, 0, "PUNCH_HOLE|KEEP_SIZE 4096..12288 succeeds");
        CHECK_EQ(fsize(fd), 16384, "punching a hole keeps size 16384");
        CHECK(all_byte(fd, 4096, 8192, 0), "punched range reads as zeros");
        CHECK(all_byte(fd, 0, 4096, 'A') && all_byte(fd, 12288, 4096, 'A'),
              "data before and after the hole intact");
        CHECK(fblocks(fd) <= before - 16, "punched blocks are freed (st_blocks drops by >= 16)");
        CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 10),
                 "PUNCH_HOLE of a partial block");
        CHECK(all_byte(fd, 100, 10, 0) && all_byte(fd, 90, 10, 'A') && all_byte(fd, 110, 10, 'A'),
              "partial punch zeroes exactly the 10 bytes");
        CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 12288, 100000),
                 "PUNCH_HOLE past EOF");
        CHECK_EQ(fsize(fd), 16384, "size unchanged by punching past EOF");
        CHECK(all_byte(fd, 12288, 4096, 0), "tail up to EOF zeroed");
    }
    CHECK_ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP,
              "PUNCH_HOLE without KEEP_SIZE -> EOPNOTSUPP");
    CHECK(all_byte(fd, 0, 100, 'A'), "rejected PUNCH_HOLE did not touch data");
    CHECK_ERR(fallocate(fd, 0x40000000, 0, 4096), EOPNOTSUPP, "unknown mode bit -> EOPNOTSUPP");

    /* Argument errors. */
    CHECK_ERR(fallocate(fd, 0, -1, 4096), EINVAL, "negative offset -> EINVAL");
    CHECK_ERR(fallocate(fd, 0, 0, -4096), EINVAL, "negative len -> EINVAL");
    CHECK_ERR(fallocate(fd, 0, 0, 0), EINVAL, "len 0 -> EINVAL");
    CHECK_ERR(fallocate(fd, FALLOC_FL_KEEP_SIZE, 4096, 0), EINVAL, "KEEP_SIZE with len 0 -> EINVAL");
    CHECK_ERR(fallocate(fd, 0, LLONG_MAX - 10, 100), EFBIG, "offset+len wraps past LLONG_MAX -> EFBIG");
    CHECK_EQ(fsize(fd), 16384, "failed calls leave size unchanged");

    /* File type and access mode errors. */
    rfd = open(path, O_RDONLY);
    CHECK_ERR(fallocate(rfd, 0, 0, 4096), EBADF, "O_RDONLY fd -> EBADF");
    CHECK_ERR(fallocate(rfd, 0, -1, 4096), EINVAL, "argument check precedes access check (EINVAL)");
    close(rfd);
    rfd = open(path, O_WRONLY);
    CHECK_OK(fallocate(rfd, 0, 0, 32768), "O_WRONLY fd is enough");
    CHECK_EQ(fsize(fd), 32768, "size 32768 via O_WRONLY fd");
    close(rfd);
    CHECK_ERR(fallocate(-1, 0, 0, 4096), EBADF, "fd -1 -> EBADF");
    CHECK_OK(pipe2(p, 0), "pipe2");
    CHECK_ERR(fallocate(p[1], 0, 0, 4096), ESPIPE, "pipe write end -> ESPIPE");
    CHECK_ERR(fallocate(p[0], 0, 0, 4096), EBADF, "pipe read end (not writable) -> EBADF");
    close(p[0]);
    close(p[1]);
    rfd = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK_ERR(fallocate(rfd, 0, 0, 4096), EBADF, "directory (opened read-only) -> EBADF");
    close(rfd);
    rfd = open("/dev/null", O_WRONLY);
    CHECK_ERR(fallocate(rfd, 0, 0, 4096), ENODEV, "character device /dev/null -> ENODEV");
    close(rfd);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        CHECK_ERR(fallocate(sv[0], 0, 0, 4096), ENODEV, "socket -> ENODEV");
        close(sv[0]);
        close(sv[1]);
    } else {
        CHECK(0, "socketpair");
    }

    /* posix_fallocate returns an error number instead of setting errno. */
    close(fd);
    fd = new_file();
    CHECK_EQ(posix_fallocate(fd, 0, 12345), 0, "posix_fallocate returns 0");
    CHECK_EQ(fsize(fd), 12345, "posix_fallocate extends size to 12345");
    CHECK_EQ(posix_fallocate(fd, 0, 100), 0, "posix_fallocate inside the file");
    CHECK_EQ(fsize(fd), 12345, "posix_fallocate never shrinks");
    CHECK_EQ(posix_fallocate(fd, -1, 100), EINVAL, "posix_fallocate negative offset returns EINVAL");
    CHECK_OK(pipe2(p, 0), "pipe2");
    CHECK_EQ(posix_fallocate(p[1], 0, 100), ESPIPE, "posix_fallocate on pipe returns ESPIPE");
    close(p[0]);
    close(p[1]);

    close(fd);
    CHECK_OK(unlink(path), "unlink temp file");
    CHECK_DONE();
}
