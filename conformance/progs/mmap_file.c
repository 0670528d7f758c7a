/* mmap_file: file-backed mappings of a /tmp file and of /bin/busybox. */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_mmap_file" CONF_TAG
#define F1 DIR_ "/data"
#define PG 4096
#define FSIZE (3 * PG + 100)

static unsigned char pattern(long i) { return (unsigned char)(i * 7 + 3); }

int main(void)
{
    static unsigned char data[FSIZE], buf[PG];
    unsigned char *m, *m2;
    int fd, ok;

    mkdir(DIR_, 0755);
    for (long i = 0; i < FSIZE; i++)
        data[i] = pattern(i);
    fd = open(F1, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK_EQ(write(fd, data, FSIZE), FSIZE, "write test file (3 pages + 100 bytes)");

    m = mmap(NULL, FSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED, "mmap file MAP_PRIVATE PROT_READ");
    CHECK(memcmp(m, data, FSIZE) == 0, "mapping matches file content");
    ok = 1;
    for (long i = FSIZE; i < 4 * PG; i++)
        ok &= m[i] == 0;
    CHECK(ok, "bytes past EOF in last page are zero");
    munmap(m, FSIZE);

    m = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG);
    CHECK(m != MAP_FAILED && memcmp(m, data + 2 * PG, PG) == 0, "mmap at page offset 2");
    munmap(m, PG);

    /* Private writable mapping: copy-on-write, the file is not changed. */
    m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED, "mmap file MAP_PRIVATE PROT_READ|PROT_WRITE");
    memset(m, 'P', 16);
    CHECK(m[0] == 'P' && m[15] == 'P' && m[16] == pattern(16), "private write visible in mapping");
    CHECK(pread(fd, buf, 16, 0) == 16 && memcmp(buf, data, 16) == 0,
          "private write not visible through read()");
    munmap(m, 2 * PG);

    /* Shared mapping: writes reach the file. */
    m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED, "mmap file MAP_SHARED PROT_READ|PROT_WRITE");
    memcpy(m + 8, "SHARED", 6);
    CHECK(pread(fd, buf, 6, 8) == 6 && memcmp(buf, "SHARED", 6) == 0,
          "shared write visible through read()");
    CHECK_EQ(pwrite(fd, "W", 1, 0), 1, "pwrite into mapped file");
    CHECK_EQ(m[0], 'W', "pwrite visible in shared mapping");
    munmap(m, PG);

    CHECK_PTR_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL,
                  "unaligned file offset -> EINVAL");
    close(fd);
    CHECK_PTR_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EBADF, "mmap closed fd -> EBADF");

    fd = open(F1, O_WRONLY);
    CHECK_PTR_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EACCES,
                  "mmap O_WRONLY fd -> EACCES");
    close(fd);
    fd = open(F1, O_RDONLY);
    CHECK_PTR_ERR(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES,
                  "MAP_SHARED PROT_WRITE on O_RDONLY fd -> EACCES");
    m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED, "MAP_PRIVATE PROT_WRITE on O_RDONLY fd is allowed");
    munmap(m, PG);
    close(fd);
    fd = open(DIR_, O_RDONLY | O_DIRECTORY);
    CHECK_PTR_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV, "mmap a directory -> ENODEV");
    close(fd);
    unlink(F1);
    unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR);

    /* Host binary mapped read-only compares equal to read(). */
    fd = open("/bin/busybox", O_RDONLY);
    CHECK_OK(fd, "open /bin/busybox");
    {
        struct stat st;
        fstat(fd, &st);
        m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        CHECK(m != MAP_FAILED, "mmap /bin/busybox read-only");
        CHECK(memcmp(m, "\177ELF", 4) == 0, "mapping starts with ELF magic");
        CHECK(read(fd, buf, PG) == PG && memcmp(m, buf, PG) == 0, "first page equals read()");
        long off = (st.st_size / 2) & ~(long)(PG - 1);
        m2 = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, off);
        CHECK(m2 != MAP_FAILED && pread(fd, buf, PG, off) == PG && memcmp(m2, buf, PG) == 0 &&
                  memcmp(m2, m + off, PG) == 0,
              "page in the middle equals pread() and the full mapping");
        munmap(m2, PG);
        munmap(m, st.st_size);
    }
    close(fd);
    CHECK_DONE();
}
