/* truncate: truncate/ftruncate grow and shrink, errnos, fallocate modes. */
/* syscalls: truncate, ftruncate, fallocate, open, pread64, pwrite64, fstat, stat, chmod, symlink, mkdir, pipe2 */
/* area: truncate */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIR "/tmp/conf_truncate" CONF_TAG
#define F DIR "/file"

static long long size_of(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static int all_zero(int fd, off_t off, size_t n)
{
    char buf[8192];
    if (n > sizeof(buf) || pread(fd, buf, n, off) != (ssize_t)n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i])
            return 0;
    return 1;
}

int main(void)
{
    char buf[128];
    struct stat st;
    int fd, rfd, p[2];

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    fd = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);
    memset(buf, 'a', 100);
    pwrite(fd, buf, 100, 0);

    CHECK_OK(truncate(F, 10), "truncate to 10");
    CHECK_EQ(size_of(F), 10, "size 10");
    CHECK(pread(fd, buf, sizeof(buf), 0) == 10 && buf[9] == 'a', "first 10 bytes kept, read returns 10");
    CHECK_OK(truncate(F, 5000), "truncate grows to 5000");
    CHECK_EQ(size_of(F), 5000, "size 5000");
    CHECK(all_zero(fd, 10, 4990), "grown region reads as zeros");
    CHECK_OK(ftruncate(fd, 3), "ftruncate shrink to 3");
    fstat(fd, &st);
    CHECK_EQ(st.st_size, 3, "fstat size 3");
    ftruncate(fd, 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0 && st.st_blocks == 0, "empty file has no blocks");
    CHECK_OK(ftruncate(fd, 1LL << 40), "ftruncate to 1 TiB (sparse)");
    CHECK(fstat(fd, &st) == 0 && st.st_size == (1LL << 40) && st.st_blocks < 64, "1 TiB sparse file, few blocks");
    ftruncate(fd, 0);

    /* The file offset is not moved by truncation. */
    write(fd, "0123456789", 10);
    ftruncate(fd, 4);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10, "file offset unchanged by ftruncate");
    write(fd, "X", 1);
    CHECK(size_of(F) == 11 && all_zero(fd, 4, 6), "write at old offset leaves a zero-filled gap");

    /* Timestamps. */
    {
        struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };
        futimens(fd, ts);
        ftruncate(fd, 2);
        fstat(fd, &st);
        CHECK(st.st_mtime > 1000 && st.st_ctime > 1000, "ftruncate updates mtime and ctime");
    }

    /* Errors. */
    CHECK_ERR(truncate(F, -1), EINVAL, "truncate negative length -> EINVAL");
    CHECK_ERR(ftruncate(fd, -1), EINVAL, "ftruncate negative length -> EINVAL");
    CHECK_ERR(truncate(DIR, 0), EISDIR, "truncate a directory -> EISDIR");
    CHECK_ERR(truncate(DIR "/missing", 0), ENOENT, "truncate missing file -> ENOENT");
    CHECK_ERR(truncate(F "/x", 0), ENOTDIR, "path through a file -> ENOTDIR");
    CHECK_ERR(truncate("", 0), ENOENT, "truncate empty path -> ENOENT");
    rfd = open(F, O_RDONLY);
    CHECK_ERR(ftruncate(rfd, 0), EINVAL, "ftruncate on O_RDONLY fd -> EINVAL");
    close(rfd);
    pipe2(p, 0);
    CHECK_ERR(ftruncate(p[1], 0), EINVAL, "ftruncate on a pipe -> EINVAL");
    CHECK_ERR(ftruncate(999, 0), EBADF, "ftruncate bad fd -> EBADF");
    chmod(F, 0444);
    CHECK_OK(truncate(F, 1), "root truncates a 0444 file (DAC override)");
    chmod(F, 0644);
    symlink("file", DIR "/link");
    CHECK(truncate(DIR "/link", 7) == 0 && size_of(F) == 7, "truncate follows symlinks");

    /* fallocate. */
    ftruncate(fd, 0);
    CHECK_OK(fallocate(fd, 0, 0, 65536), "fallocate mode 0, 64KiB");
    fstat(fd, &st);
    CHECK(st.st_size == 65536 && st.st_blocks >= 128, "size 65536 and blocks allocated");
    CHECK(all_zero(fd, 0, 8192), "fallocated range reads as zeros");
    CHECK_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 65536, 65536), "FALLOC_FL_KEEP_SIZE beyond EOF");
    fstat(fd, &st);
    CHECK(st.st_size == 65536 && st.st_blocks >= 256, "KEEP_SIZE: size unchanged, more blocks");
    memset(buf, 'b', sizeof(buf));
    pwrite(fd, buf, 128, 4096);
    CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096), "punch a hole");
    CHECK(all_zero(fd, 4096, 128) && size_of(F) == 65536, "hole reads as zeros, size kept");
    CHECK_ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP, "PUNCH_HOLE without KEEP_SIZE -> EOPNOTSUPP");
    CHECK_ERR(fallocate(fd, 0, 0, 0), EINVAL, "fallocate len 0 -> EINVAL");
    CHECK_ERR(fallocate(fd, 0, -1, 10), EINVAL, "fallocate negative offset -> EINVAL");
    CHECK_ERR(fallocate(p[1], 0, 0, 10), ESPIPE, "fallocate on a pipe -> ESPIPE");
    rfd = open(F, O_RDONLY);
    CHECK_ERR(fallocate(rfd, 0, 0, 10), EBADF, "fallocate on O_RDONLY fd -> EBADF");
    close(rfd);
    CHECK_EQ(posix_fallocate(fd, 0, 100000), 0, "posix_fallocate grows the file");
    CHECK_EQ(size_of(F), 100000, "size 100000 after posix_fallocate");

    close(p[0]);
    close(p[1]);
    close(fd);
    unlink(DIR "/link");
    unlink(F);
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
