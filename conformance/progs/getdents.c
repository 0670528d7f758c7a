/* getdents: getdents64 on a created directory lists exactly its entries. */
/* area: dirs */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_getdents" CONF_TAG

struct dirent64_raw {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static const char *const files[] = { "alpha", "beta", "a_much_longer_file_name_0123456789" };
#define NFILES 3

/* Bits: 0..2 files, 3 subdir, 4 ".", 5 "..", 6 unknown name, 7 wrong d_type. */
static unsigned seen;
static int entries;

static void scan(char *buf, long n)
{
    long off = 0;
    while (off < n) {
        struct dirent64_raw *d = (struct dirent64_raw *)(buf + off);
        int matched = 0;
        entries++;
        for (int i = 0; i < NFILES; i++) {
            if (strcmp(d->d_name, files[i]) == 0) {
                seen |= 1u << i;
                matched = 1;
                if (d->d_type != DT_REG)
                    seen |= 1u << 7;
            }
        }
        if (strcmp(d->d_name, "subdir") == 0) {
            seen |= 1u << 3;
            matched = 1;
            if (d->d_type != DT_DIR)
                seen |= 1u << 7;
        } else if (strcmp(d->d_name, ".") == 0) {
            seen |= 1u << 4;
            matched = 1;
        } else if (strcmp(d->d_name, "..") == 0) {
            seen |= 1u << 5;
            matched = 1;
        }
        if (!matched)
            seen |= 1u << 6;
        if (d->d_reclen == 0)
            break;
        off += d->d_reclen;
    }
}

int main(void)
{
    char buf[4096] __attribute__((aligned(8)));
    char small[8] __attribute__((aligned(8)));
    long n;
    int fd, calls = 0;

    mkdir(DIR_, 0755);
    for (int i = 0; i < NFILES; i++) {
        char path[256];
        snprintf(path, sizeof(path), DIR_ "/%s", files[i]);
        fd = open(path, O_CREAT | O_WRONLY, 0644);
        close(fd);
    }
    CHECK_OK(mkdir(DIR_ "/subdir", 0755), "mkdir subdir");

    fd = open(DIR_, O_RDONLY | O_DIRECTORY);
    CHECK_OK(fd, "open directory");

    while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
        scan(buf, n);
        calls++;
    }
    CHECK_EQ(n, 0, "getdents64 eventually returns 0 (end of directory)");
    CHECK(calls >= 1, "at least one non-empty getdents64 batch");
    CHECK_EQ(entries, 6, "exactly 6 entries (3 files, subdir, ., ..)");
    CHECK_EQ(seen & 7u, 7, "all created files listed");
    CHECK(seen & (1u << 3), "subdir listed");
    CHECK((seen & (3u << 4)) == (3u << 4), "'.' and '..' listed");
    CHECK(!(seen & (1u << 6)), "no unexpected names");
    CHECK(!(seen & (1u << 7)), "d_type is DT_REG for files and DT_DIR for subdir");
    CHECK_EQ(syscall(SYS_getdents64, fd, buf, sizeof(buf)), 0, "getdents64 at end again returns 0");

    /* Rewind and list again with a buffer that holds only a few entries. */
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0, "lseek directory to 0");
    seen = 0;
    entries = 0;
    calls = 0;
    while ((n = syscall(SYS_getdents64, fd, buf, 64)) > 0) {
        scan(buf, n);
        calls++;
    }
    CHECK_EQ(n, 0, "small-buffer listing ends with 0");
    CHECK_EQ(entries, 6, "small-buffer listing also yields 6 entries");
    CHECK(calls >= 2, "small buffer needs several calls");
    CHECK_EQ(seen & 0x3f, 0x3f, "small-buffer listing sees every name");

    lseek(fd, 0, SEEK_SET);
    CHECK_ERR(syscall(SYS_getdents64, fd, small, sizeof(small)), EINVAL,
              "buffer too small for one entry -> EINVAL");
    close(fd);

    fd = open(DIR_ "/alpha", O_RDONLY);
    CHECK_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR,
              "getdents64 on regular file -> ENOTDIR");
    close(fd);
    CHECK_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), EBADF,
              "getdents64 on closed fd -> EBADF");

    /* Empty directory has only . and .. */
    fd = open(DIR_ "/subdir", O_RDONLY | O_DIRECTORY);
    seen = 0;
    entries = 0;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
        scan(buf, n);
    CHECK_EQ(entries, 2, "empty directory lists 2 entries");
    CHECK_EQ(seen, 3u << 4, "empty directory lists only '.' and '..'");
    close(fd);

    /* libc readdir (built on getdents64) agrees after an unlink. */
    unlink(DIR_ "/beta");
    {
        DIR *d = opendir(DIR_);
        struct dirent *de;
        int count = 0, beta = 0;
        while (d && (de = readdir(d)) != NULL) {
            count++;
            if (strcmp(de->d_name, "beta") == 0)
                beta = 1;
        }
        if (d)
            closedir(d);
        CHECK_EQ(count, 5, "readdir after unlink sees 5 entries");
        CHECK(!beta, "unlinked name no longer listed");
    }

    for (int i = 0; i < NFILES; i++) {
        char path[256];
        snprintf(path, sizeof(path), DIR_ "/%s", files[i]);
        unlink(path);
    }
    unlinkat(AT_FDCWD, DIR_ "/subdir", AT_REMOVEDIR);
    unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR);
    CHECK_DONE();
}
