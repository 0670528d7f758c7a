/* dup_fcntl: dup/dup2/dup3 and fcntl F_DUPFD*, F_GETFD/F_SETFD, F_GETFL/F_SETFL. */
/* area: fcntl */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_dup_fcntl" CONF_TAG
#define F1 DIR_ "/f"

/* Lowest descriptor number that is not open. */
static int lowest_free(void)
{
    int i = 0;
    while (fcntl(i, F_GETFD) != -1)
        i++;
    return i;
}

int main(void)
{
    char buf[8] = { 0 };
    int fd, fd2, fd3;

    mkdir(DIR_, 0755);
    fd = open(F1, O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(fd, "abcdef", 6);
    lseek(fd, 0, SEEK_SET);

    int expect = lowest_free();
    fd2 = dup(fd);
    CHECK(fd2 >= 0 && fd2 != fd, "dup returns a new descriptor");
    CHECK_EQ(fd2, expect, "dup returns the lowest free descriptor");
    CHECK(read(fd, buf, 2) == 2 && lseek(fd2, 0, SEEK_CUR) == 2, "dup'd fds share the file offset");
    CHECK_EQ(fcntl(fd2, F_GETFD), 0, "dup clears FD_CLOEXEC");

    CHECK_EQ(dup2(fd, 50), 50, "dup2 to chosen fd 50");
    CHECK(read(50, buf, 2) == 2 && memcmp(buf, "cd", 2) == 0, "dup2 fd reads shared offset");
    CHECK_EQ(dup2(fd, fd), fd, "dup2 onto itself returns fd");
    CHECK_EQ(dup2(fd2, 50), 50, "dup2 onto open fd replaces it");
    CHECK_ERR(dup2(-1, 51), EBADF, "dup2 bad old fd -> EBADF");
    CHECK_ERR(dup2(fd, -1), EBADF, "dup2 negative new fd -> EBADF");

    CHECK_EQ(dup3(fd, 60, O_CLOEXEC), 60, "dup3 with O_CLOEXEC");
    CHECK_EQ(fcntl(60, F_GETFD), FD_CLOEXEC, "dup3 O_CLOEXEC sets FD_CLOEXEC");
    CHECK_ERR(dup3(fd, fd, 0), EINVAL, "dup3 onto itself -> EINVAL");
    CHECK_ERR(dup3(fd, 61, 0x4), EINVAL, "dup3 invalid flags -> EINVAL");

    fd3 = fcntl(fd, F_DUPFD, 100);
    CHECK_EQ(fd3, 100, "F_DUPFD returns lowest fd >= 100");
    CHECK_EQ(fcntl(fd, F_DUPFD, 100), 101, "second F_DUPFD 100 returns 101");
    CHECK_EQ(fcntl(fd, F_DUPFD_CLOEXEC, 200), 200, "F_DUPFD_CLOEXEC 200");
    CHECK_EQ(fcntl(200, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC, "F_DUPFD_CLOEXEC sets FD_CLOEXEC");
    CHECK_ERR(fcntl(fd, F_DUPFD, -1), EINVAL, "F_DUPFD negative minimum -> EINVAL");

    CHECK_EQ(fcntl(fd, F_SETFD, FD_CLOEXEC), 0, "F_SETFD FD_CLOEXEC");
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "F_GETFD reads back FD_CLOEXEC");
    CHECK_EQ(fcntl(fd2, F_GETFD), 0, "fd flags are per-descriptor");
    fcntl(fd, F_SETFD, 0);

    CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK), O_RDWR, "F_GETFL: O_RDWR only");
    CHECK_EQ(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY), 0, "F_SETFL O_APPEND|O_NONBLOCK");
    CHECK_EQ(fcntl(fd2, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK), O_RDWR | O_APPEND | O_NONBLOCK,
             "status flags shared by dup'd fd; access mode unchanged");
    write(fd2, "Z", 1);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7, "write via O_APPEND goes to end");

    close(fd3);
    close(101);
    close(200);
    close(60);
    close(50);
    close(fd2);
    CHECK_ERR(fcntl(fd2, F_GETFD), EBADF, "fcntl on closed fd -> EBADF");
    CHECK_ERR(dup(fd2), EBADF, "dup closed fd -> EBADF");
    close(fd);
    unlink(F1);
    unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR);
    CHECK_DONE();
}
