/* stat: stat/fstat/lstat/newfstatat/statx on files and directories. */
/* area: stat */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_stat" CONF_TAG
#define F1 DIR_ "/file"

int main(void)
{
    struct stat st, st2;
    struct statx stx;
    int fd, dfd;

    umask(022);
    mkdir(DIR_, 0755);
    fd = open(F1, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK_EQ(write(fd, "0123456789abcdef", 16), 16, "write 16 bytes");

    CHECK_OK(stat(F1, &st), "stat on created file");
    CHECK(S_ISREG(st.st_mode), "S_ISREG on regular file");
    CHECK_EQ(st.st_size, 16, "st_size is 16");
    CHECK_EQ(st.st_mode & 07777, 0644, "permission bits 0644");
    CHECK_EQ(st.st_nlink, 1, "st_nlink is 1");
    CHECK(st.st_blksize > 0, "st_blksize > 0");

    CHECK_OK(fstat(fd, &st2), "fstat on open fd");
    CHECK(st2.st_ino == st.st_ino && st2.st_dev == st.st_dev && st2.st_size == 16,
          "fstat agrees with stat (ino, dev, size)");
    CHECK(lstat(F1, &st2) == 0 && st2.st_ino == st.st_ino && S_ISREG(st2.st_mode),
          "lstat on regular file equals stat");

    /* Raw syscalls, in case libc routes stat through newfstatat. */
    CHECK(syscall(SYS_stat, F1, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_size == 16,
          "raw SYS_stat agrees");
    CHECK(syscall(SYS_fstat, fd, &st2) == 0 && st2.st_ino == st.st_ino, "raw SYS_fstat agrees");
    CHECK(syscall(SYS_lstat, F1, &st2) == 0 && st2.st_ino == st.st_ino, "raw SYS_lstat agrees");

    dfd = open(DIR_, O_RDONLY | O_DIRECTORY);
    CHECK(fstatat(dfd, "file", &st2, 0) == 0 && st2.st_ino == st.st_ino,
          "newfstatat relative to dirfd");
    CHECK(fstatat(fd, "", &st2, AT_EMPTY_PATH) == 0 && st2.st_ino == st.st_ino,
          "newfstatat AT_EMPTY_PATH on fd");
    CHECK(fstatat(AT_FDCWD, DIR_, &st2, 0) == 0 && S_ISDIR(st2.st_mode),
          "newfstatat AT_FDCWD on directory: S_ISDIR");

    CHECK(stat("/usr", &st2) == 0 && S_ISDIR(st2.st_mode), "stat /usr: S_ISDIR");
    CHECK(stat("/etc/passwd", &st2) == 0 && S_ISREG(st2.st_mode) && st2.st_size > 0,
          "stat /etc/passwd: regular, non-empty");
    CHECK(stat("/dev/null", &st2) == 0 && S_ISCHR(st2.st_mode), "stat /dev/null: S_ISCHR");

    CHECK_ERR(stat(DIR_ "/missing", &st2), ENOENT, "stat missing file -> ENOENT");
    CHECK_ERR(stat(F1 "/x", &st2), ENOTDIR, "stat through a file -> ENOTDIR");
    CHECK_ERR(fstatat(dfd, "missing", &st2, 0), ENOENT, "newfstatat missing -> ENOENT");
    CHECK_ERR(fstatat(AT_FDCWD, F1, &st2, 0x40000000), EINVAL,
              "newfstatat with invalid flag -> EINVAL");

    /* statx */
    memset(&stx, 0, sizeof(stx));
    CHECK_OK(statx(AT_FDCWD, F1, 0, STATX_BASIC_STATS, &stx), "statx on file");
    CHECK((stx.stx_mask & (STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_INO)) ==
              (STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_INO),
          "statx mask has TYPE|MODE|SIZE|INO");
    CHECK(S_ISREG(stx.stx_mode) && stx.stx_size == 16 && stx.stx_ino == st.st_ino,
          "statx mode/size/ino agree with stat");
    memset(&stx, 0, sizeof(stx));
    CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &stx) == 0 && stx.stx_size == 16,
          "statx AT_EMPTY_PATH on fd");
    CHECK(statx(dfd, "", AT_EMPTY_PATH, STATX_TYPE, &stx) == 0 && S_ISDIR(stx.stx_mode),
          "statx on directory fd: S_ISDIR");
    CHECK_ERR(statx(AT_FDCWD, DIR_ "/missing", 0, STATX_BASIC_STATS, &stx), ENOENT,
              "statx missing file -> ENOENT");

    close(fd);
    close(dfd);
    unlink(F1);
    unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR);
    CHECK_DONE();
}
