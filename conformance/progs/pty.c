/* pty: posix_openpt/grantpt/unlockpt/ptsname, termios on the slave, line discipline data flow. */
/* syscalls: openat, ioctl, read, write, poll, close, fstat */
/* area: pty */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* Reads exactly n bytes (or until 500ms pass without data). */
static ssize_t read_n(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd pf = { fd, POLLIN, 0 };
        if (poll(&pf, 1, 500) != 1)
            break;
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0)
            break;
        got += r;
    }
    buf[got] = 0;
    return got;
}

/* Discards whatever arrives until the fd stays quiet for 50ms. */
static void drain(int fd)
{
    char junk[256];
    struct pollfd pf = { fd, POLLIN, 0 };
    while (poll(&pf, 1, 50) == 1 && read(fd, junk, sizeof(junk)) > 0)
        ;
}

int main(void)
{
    struct termios t;
    struct winsize ws;
    char buf[128], *name;
    int m, s, n;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    m = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(m >= 0, "posix_openpt(O_RDWR|O_NOCTTY)");
    CHECK_OK(grantpt(m), "grantpt");
    name = ptsname(m);
    CHECK(name && strncmp(name, "/dev/pts/", 9) == 0, "ptsname is /dev/pts/N");
    CHECK(ioctl(m, TIOCGPTN, &n) == 0 && name && atoi(name + 9) == n, "TIOCGPTN matches ptsname");
    CHECK_ERR(open(name, O_RDWR | O_NOCTTY), EIO, "opening the slave before unlockpt -> EIO");
    CHECK_OK(unlockpt(m), "unlockpt");
    s = open(name, O_RDWR | O_NOCTTY);
    CHECK(s >= 0, "open the slave");
    {
        struct stat st;
        CHECK(fstat(s, &st) == 0 && S_ISCHR(st.st_mode), "slave is a character device");
        char small[4];
        CHECK_EQ(ptsname_r(m, small, sizeof(small)), ERANGE, "ptsname_r with tiny buffer -> ERANGE");
    }
    CHECK(isatty(m) && isatty(s), "master and slave are ttys");
    CHECK_STREQ(ttyname(s), name, "ttyname(slave) == ptsname");

    CHECK_OK(tcgetattr(s, &t), "tcgetattr on slave");
    CHECK((t.c_lflag & ICANON) && (t.c_lflag & ECHO) && (t.c_oflag & OPOST) && (t.c_oflag & ONLCR),
          "default termios: ICANON, ECHO, OPOST, ONLCR");
    CHECK(t.c_cc[VERASE] == 0x7f && t.c_cc[VINTR] == 3, "default VERASE ^? and VINTR ^C");

    /* Canonical mode: a line is delivered when complete; echo goes back to the master. */
    CHECK_EQ(write(m, "hello\n", 6), 6, "write a line to the master");
    CHECK(read_n(s, buf, 6) == 6 && strcmp(buf, "hello\n") == 0, "slave reads the line");
    CHECK(read_n(m, buf, 7) == 7 && strcmp(buf, "hello\r\n") == 0, "echo arrives on master with \\n -> \\r\\n");
    write(m, "abx\x7f" "c\n", 6);
    CHECK(read_n(s, buf, 4) == 4 && strcmp(buf, "abc\n") == 0, "VERASE removes the previous character");
    drain(m); /* the echo of the erase sequence */
    CHECK(write(s, "out\n", 4) == 4 && read_n(m, buf, 5) == 5 && strcmp(buf, "out\r\n") == 0,
          "slave output: ONLCR maps \\n to \\r\\n");

    /* Raw mode. */
    cfmakeraw(&t);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    CHECK_OK(tcsetattr(s, TCSANOW, &t), "tcsetattr raw mode");
    memset(&t, 0, sizeof(t));
    tcgetattr(s, &t);
    CHECK(!(t.c_lflag & (ICANON | ECHO)) && !(t.c_oflag & OPOST), "raw mode reads back without ICANON/ECHO/OPOST");
    write(m, "xyz", 3);
    CHECK(read_n(s, buf, 3) == 3 && strcmp(buf, "xyz") == 0, "raw: bytes delivered without a newline");
    CHECK(write(s, "r\n", 2) == 2 && read_n(m, buf, 2) == 2 && strcmp(buf, "r\n") == 0, "raw: no output processing");
    {
        struct pollfd pf = { m, POLLIN, 0 };
        CHECK_EQ(poll(&pf, 1, 50), 0, "raw: no echo sent to master");
    }
    CHECK_OK(cfsetospeed(&t, B9600), "cfsetospeed B9600");
    tcsetattr(s, TCSANOW, &t);
    tcgetattr(s, &t);
    CHECK_EQ(cfgetospeed(&t), B9600, "speed reads back B9600");

    /* Window size set on the master is seen on the slave. */
    ws = (struct winsize){ .ws_row = 40, .ws_col = 132 };
    CHECK_OK(ioctl(m, TIOCSWINSZ, &ws), "TIOCSWINSZ on master");
    memset(&ws, 0, sizeof(ws));
    CHECK(ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 40 && ws.ws_col == 132, "TIOCGWINSZ on slave");

    write(m, "12345", 5);
    {
        struct pollfd pf = { s, POLLIN, 0 };
        poll(&pf, 1, 1000);
        int avail = 0;
        CHECK(ioctl(s, FIONREAD, &avail) == 0 && avail > 0 && avail <= 5, "FIONREAD on slave");
    }
    read_n(s, buf, 5);
    fcntl(m, F_SETFL, O_NONBLOCK);
    CHECK_ERR(read(m, buf, sizeof(buf)), EAGAIN, "non-blocking master read with nothing queued -> EAGAIN");
    fcntl(m, F_SETFL, 0);
    CHECK_ERR(tcgetattr(open("/dev/null", O_RDONLY), &t), ENOTTY, "tcgetattr on /dev/null -> ENOTTY");

    close(s);
    {
        struct pollfd pf = { m, POLLIN, 0 };
        errno = 0;
        CHECK(poll(&pf, 1, 1000) == 1 && read(m, buf, sizeof(buf)) == -1 && errno == EIO,
              "master read after the slave closes -> EIO");
    }
    close(m);
    CHECK_DONE();
}
