/* msync_mincore: msync flags and errnos on shared file mappings, mincore residency vectors and errnos. */
/* syscalls: msync, mincore, mmap, munmap, mprotect, madvise, mlock, munlock, openat, ftruncate, pwrite64, pread64, close, unlink */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char path[64], buf[16];
    unsigned char vec[8];
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    snprintf(path, sizeof(path), "/tmp/msync_mincore.%d%s", (int)getpid(), CONF_TAG);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, 4 * pg) == 0, "temp file of 4 pages");
    CHECK_EQ(pwrite(fd, "page0", 5, 0), 5, "write the first page with write()");
    char *f = fd >= 0 ? mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    CHECK(f != MAP_FAILED, "MAP_SHARED file mapping");
    if (f == MAP_FAILED) {
        unlink(path);
        CHECK_DONE();
    }

    /* msync success paths. */
    memcpy(f + pg, "viamap", 6);
    CHECK_OK(msync(f, 4 * pg, MS_SYNC), "msync MS_SYNC");
    CHECK(pread(fd, buf, 6, pg) == 6 && memcmp(buf, "viamap", 6) == 0, "data written through the map is in the file");
    memcpy(f + 2 * pg, "async", 5);
    CHECK_OK(msync(f + 2 * pg, pg, MS_ASYNC), "msync MS_ASYNC on one page");
    CHECK(pread(fd, buf, 5, 2 * pg) == 5 && memcmp(buf, "async", 5) == 0, "MS_ASYNC data visible to read()");
    CHECK_OK(msync(f, 4 * pg, MS_INVALIDATE), "msync MS_INVALIDATE");
    CHECK_OK(msync(f, 4 * pg, MS_SYNC | MS_INVALIDATE), "msync MS_SYNC|MS_INVALIDATE");
    CHECK_EQ(memcmp(f, "page0", 5), 0, "mapping still shows the file after MS_INVALIDATE");
    CHECK_OK(msync(f, 4 * pg, 0), "msync with flags 0");
    CHECK_OK(msync(f, 0, MS_SYNC), "msync length 0");
    CHECK_OK(msync(f, pg + 1, MS_SYNC), "msync unaligned length (rounded up)");

    /* msync errors. */
    CHECK_ERR(msync(f, pg, MS_SYNC | MS_ASYNC), EINVAL, "MS_SYNC|MS_ASYNC -> EINVAL");
    CHECK_ERR(msync(f, pg, 0x100), EINVAL, "unknown flag -> EINVAL");
    CHECK_ERR(msync(f + 1, pg, MS_SYNC), EINVAL, "unaligned address -> EINVAL");
    CHECK_OK(mlock(f + 3 * pg, pg), "mlock the last page");
    CHECK_ERR(msync(f, 4 * pg, MS_INVALIDATE), EBUSY, "MS_INVALIDATE over a locked page -> EBUSY");
    CHECK_OK(msync(f, 4 * pg, MS_SYNC), "MS_SYNC over a locked page is fine");
    munlock(f + 3 * pg, pg);
    CHECK_OK(munmap(f + 3 * pg, pg), "unmap the last page");
    CHECK_ERR(msync(f + 3 * pg, pg, MS_SYNC), ENOMEM, "msync of an unmapped page -> ENOMEM");
    CHECK_ERR(msync(f, 4 * pg, MS_SYNC), ENOMEM, "msync range ending in a hole -> ENOMEM");

    /* mincore on the file mapping: page cache residency. */
    memset(vec, 0xee, sizeof(vec));
    CHECK_OK(mincore(f, 3 * pg, vec), "mincore on the file mapping");
    CHECK((vec[0] & 1) && (vec[1] & 1) && (vec[2] & 1), "written file pages are resident");
    CHECK_EQ(vec[3], 0xee, "mincore writes exactly one byte per page");
    munmap(f, 3 * pg);
    {
        int fd2 = open(path, O_RDWR);
        char *g = MAP_FAILED;
        if (fd2 >= 0 && ftruncate(fd2, 8 * pg) == 0)
            g = mmap(NULL, 8 * pg, PROT_READ, MAP_SHARED, fd2, 0);
        CHECK(g != MAP_FAILED, "map the file extended to 8 pages");
        if (g != MAP_FAILED) {
            memset(vec, 0xee, sizeof(vec));
            CHECK(mincore(g, 8 * pg, vec) == 0 && (vec[0] & 1) && !(vec[6] & 1) && !(vec[7] & 1),
                  "never-written file pages (holes past the old size) are not resident");
            munmap(g, 8 * pg);
        }
        if (fd2 >= 0)
            close(fd2);
    }

    /* mincore on anonymous memory. */
    char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED, "mmap 4 anonymous pages");
    if (a != MAP_FAILED) {
        a[0] = 1;
        a[2 * pg + 5] = 1;
        memset(vec, 0xee, sizeof(vec));
        CHECK_OK(mincore(a, 4 * pg, vec), "mincore on anonymous pages");
        CHECK((vec[0] & 1) && !(vec[1] & 1) && (vec[2] & 1) && !(vec[3] & 1),
              "touched pages resident, untouched ones not");
        CHECK_EQ(vec[4], 0xee, "no byte written past the 4 entries");
        memset(vec, 0xee, sizeof(vec));
        CHECK(mincore(a, pg + 1, vec) == 0 && (vec[0] & 1) && !(vec[1] & 1) && vec[2] == 0xee,
              "unaligned length rounds up to 2 entries");
        CHECK(madvise(a, pg, MADV_DONTNEED) == 0 && mincore(a, pg, vec) == 0 && !(vec[0] & 1),
              "page not resident after MADV_DONTNEED");
        CHECK(mprotect(a + 2 * pg, pg, PROT_NONE) == 0 && mincore(a + 2 * pg, pg, vec) == 0 && (vec[0] & 1),
              "mincore works on a PROT_NONE page (still resident)");
        CHECK_OK(mincore(a, 0, vec), "mincore length 0");

        CHECK_ERR(mincore(a + 1, pg, vec), EINVAL, "mincore unaligned address -> EINVAL");
        CHECK_ERR(mincore(a, pg, (unsigned char *)a + 2 * pg), EFAULT, "vec in a PROT_NONE page -> EFAULT");
        CHECK_ERR(mincore(a, pg, (unsigned char *)8), EFAULT, "vec at an unmapped address -> EFAULT");
        munmap(a + 3 * pg, pg);
        CHECK_ERR(mincore(a + 3 * pg, pg, vec), ENOMEM, "mincore unmapped page -> ENOMEM");
        CHECK_ERR(mincore(a, 4 * pg, vec), ENOMEM, "mincore range ending in a hole -> ENOMEM");
        CHECK_ERR(mincore((void *)(1UL << 57), pg, vec), ENOMEM, "mincore above TASK_SIZE -> ENOMEM");
        munmap(a, 3 * pg);
    }
    close(fd);
    unlink(path);
    CHECK_DONE();
}
