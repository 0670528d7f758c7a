/* mmap_errors: mmap/munmap argument validation and file-descriptor access-mode errnos. */
/* syscalls: mmap, munmap, mprotect, openat, close, write, pread64, pipe2, mkdir, rmdir, unlink */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char path[80], dir[80];
    void *m;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof(path), "/tmp/mmap_errors.%d%s.f", (int)getpid(), CONF_TAG);
    snprintf(dir, sizeof(dir), "/tmp/mmap_errors.%d%s.d", (int)getpid(), CONF_TAG);

    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0, "create temp file");
    char data[8192];
    memset(data, 'd', sizeof(data));
    CHECK_EQ(write(fd, data, sizeof(data)), (long)sizeof(data), "write 8 KiB to it");

    /* Argument validation. */
    CHECK_PTR_ERR(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL,
                  "anonymous length 0 -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL, "file length 0 -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 1), EINVAL, "offset 1 (unaligned) -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, pg / 2), EINVAL,
                  "offset half a page -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL,
                  "neither MAP_PRIVATE nor MAP_SHARED -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED_VALIDATE | 0x200000, fd, 0), EOPNOTSUPP,
                  "MAP_SHARED_VALIDATE with an unknown flag -> EOPNOTSUPP");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED_VALIDATE | 0x80000 /* MAP_SYNC */, fd, 0), EOPNOTSUPP,
                  "MAP_SHARED_VALIDATE|MAP_SYNC on a non-DAX file -> EOPNOTSUPP");
    m = mmap(NULL, pg, PROT_READ, MAP_SHARED | 0x200000, fd, 0);
    CHECK(m != MAP_FAILED && ((char *)m)[0] == 'd', "plain MAP_SHARED ignores the unknown flag");
    if (m != MAP_FAILED)
        munmap(m, pg);
    m = mmap(NULL, pg, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);
    CHECK(m != MAP_FAILED && ((char *)m)[pg - 1] == 'd', "MAP_SHARED_VALIDATE with known flags works");
    if (m != MAP_FAILED)
        munmap(m, pg);

    /* File descriptor errors. */
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, -1, 0), EBADF, "file mapping with fd -1 -> EBADF");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, 1000, 0), EBADF, "closed fd 1000 -> EBADF");
    m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 1000, 0);
    CHECK(m != MAP_FAILED, "fd is ignored with MAP_ANONYMOUS");
    if (m != MAP_FAILED)
        munmap(m, pg);

    int rfd = open(path, O_RDONLY);
    CHECK(rfd >= 0, "open O_RDONLY");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0), EACCES,
                  "PROT_WRITE MAP_SHARED on O_RDONLY fd -> EACCES");
    m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, rfd, 0);
    CHECK(m != MAP_FAILED, "PROT_WRITE MAP_PRIVATE on O_RDONLY fd succeeds");
    if (m != MAP_FAILED) {
        ((char *)m)[0] = 'X';
        char c = 0;
        CHECK(pread(fd, &c, 1, 0) == 1 && c == 'd', "private write does not reach the file");
        munmap(m, pg);
    }
    m = mmap(NULL, pg, PROT_READ, MAP_SHARED, rfd, 0);
    CHECK(m != MAP_FAILED, "PROT_READ MAP_SHARED on O_RDONLY fd succeeds");
    if (m != MAP_FAILED) {
        CHECK_ERR(mprotect(m, pg, PROT_READ | PROT_WRITE), EACCES,
                  "mprotect to PROT_WRITE on read-only shared file mapping -> EACCES");
        munmap(m, pg);
    }
    close(rfd);

    int wfd = open(path, O_WRONLY);
    CHECK(wfd >= 0, "open O_WRONLY");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, wfd, 0), EACCES, "MAP_SHARED on O_WRONLY fd -> EACCES");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, wfd, 0), EACCES, "MAP_PRIVATE on O_WRONLY fd -> EACCES");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_WRITE, MAP_SHARED, wfd, 0), EACCES,
                  "PROT_WRITE only on O_WRONLY fd -> EACCES");
    close(wfd);


    CHECK_OK(mkdir(dir, 0700), "mkdir temp dir");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV, "mapping a directory -> ENODEV");
    close(dfd);
    rmdir(dir);

    int p[2];
    CHECK_OK(pipe2(p, 0), "pipe2");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, p[0], 0), ENODEV, "mapping a pipe -> ENODEV");
    close(p[0]);
    close(p[1]);

    /* Sizes. */
    CHECK_PTR_ERR(mmap(NULL, 1UL << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), ENOMEM,
                  "2^62-byte length -> ENOMEM");
    CHECK_PTR_ERR(mmap(NULL, (size_t)-pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM,
                  "length that rounds to almost 2^64 -> ENOMEM");
    CHECK_PTR_ERR(mmap(NULL, (size_t)-1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM,
                  "length SIZE_MAX (page rounding overflows) -> ENOMEM");
    m = mmap(NULL, 3 * pg + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED, "unaligned length is accepted (rounded up)");
    if (m != MAP_FAILED) {
        ((char *)m)[4 * pg - 1] = 1; /* last byte of the rounded-up page is mapped */
        CHECK_OK(munmap(m, 4 * pg), "munmap the rounded-up length");
    }

    /* munmap errors. */
    m = mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR(munmap((char *)m + 1, pg), EINVAL, "munmap unaligned address -> EINVAL");
    CHECK_ERR(munmap(m, 0), EINVAL, "munmap length 0 -> EINVAL");
    CHECK_ERR(munmap((void *)(1UL << 57), pg), EINVAL, "munmap above TASK_SIZE -> EINVAL");
    CHECK_OK(munmap(m, pg + 1), "munmap with unaligned length rounds up");
    CHECK_OK(munmap(m, 2 * pg), "munmap of an already-unmapped range succeeds");
    CHECK_OK(munmap(m, 2 * pg), "munmap the same range again succeeds");

    close(fd);
    unlink(path);
    CHECK_DONE();
}
