/* ioctl_tty: TCGETS/TIOCGWINSZ/FIONREAD on non-terminals and the standard fds. */
/* area: pty */
#include "check.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_ioctl_tty" CONF_TAG

int main(void)
{
    struct termios t;
    struct winsize ws;
    int null_fd, file_fd, dir_fd;

    null_fd = open("/dev/null", O_RDWR);
    CHECK_ERR(ioctl(null_fd, TCGETS, &t), ENOTTY, "TCGETS on /dev/null -> ENOTTY");
    CHECK_ERR(ioctl(null_fd, TIOCGWINSZ, &ws), ENOTTY, "TIOCGWINSZ on /dev/null -> ENOTTY");
    CHECK_EQ(isatty(null_fd), 0, "isatty(/dev/null) is 0");
    CHECK_EQ(errno, ENOTTY, "isatty(/dev/null) sets errno ENOTTY");
    CHECK_ERR(tcgetattr(null_fd, &t), ENOTTY, "tcgetattr on /dev/null -> ENOTTY");
    {
        int n = -7;
        CHECK_ERR(ioctl(null_fd, FIONREAD, &n), ENOTTY, "FIONREAD on /dev/null -> ENOTTY");
    }
    CHECK_ERR(ioctl(null_fd, 0x54ff, 0), ENOTTY, "unknown ioctl on /dev/null -> ENOTTY");

    mkdir(DIR_, 0755);
    file_fd = open(DIR_ "/f", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(file_fd, "0123456789", 10);
    CHECK_ERR(ioctl(file_fd, TCGETS, &t), ENOTTY, "TCGETS on regular file -> ENOTTY");
    CHECK_ERR(ioctl(file_fd, TIOCGWINSZ, &ws), ENOTTY, "TIOCGWINSZ on regular file -> ENOTTY");
    CHECK_EQ(isatty(file_fd), 0, "isatty(regular file) is 0");
    {
        int fd = open("/etc/passwd", O_RDONLY);
        CHECK_ERR(ioctl(fd, TCGETS, &t), ENOTTY, "TCGETS on host file /etc/passwd -> ENOTTY");
        close(fd);
    }
    dir_fd = open(DIR_, O_RDONLY | O_DIRECTORY);
    CHECK_ERR(ioctl(dir_fd, TCGETS, &t), ENOTTY, "TCGETS on directory -> ENOTTY");
    close(dir_fd);

    close(file_fd);
    CHECK_ERR(ioctl(file_fd, TCGETS, &t), EBADF, "TCGETS on closed fd -> EBADF");
    CHECK_ERR(ioctl(-1, TIOCGWINSZ, &ws), EBADF, "TIOCGWINSZ on fd -1 -> EBADF");

    /* Standard fds may or may not be terminals; check only consistency. */
    for (int fd = 0; fd <= 2; fd++) {
        char desc[96];
        errno = 0;
        int tc = ioctl(fd, TCGETS, &t);
        int tc_errno = errno;
        int wz = ioctl(fd, TIOCGWINSZ, &ws);
        snprintf(desc, sizeof(desc), "fd %d: TCGETS succeeds or fails with ENOTTY/EBADF", fd);
        CHECK(tc == 0 || tc_errno == ENOTTY || tc_errno == EBADF, desc);
        snprintf(desc, sizeof(desc), "fd %d: TIOCGWINSZ succeeds iff TCGETS does", fd);
        CHECK((tc == 0) == (wz == 0), desc);
        snprintf(desc, sizeof(desc), "fd %d: isatty agrees with TCGETS", fd);
        CHECK(isatty(fd) == (tc == 0), desc);
    }

    close(null_fd);
    unlink(DIR_ "/f");
    unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR);
    CHECK_DONE();
}
