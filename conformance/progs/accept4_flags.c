/* accept4_flags: accept4 SOCK_NONBLOCK/SOCK_CLOEXEC on the new fd only, invalid flags, no O_NONBLOCK inheritance, backlog 0, NULL addr, unix listeners. */
/* syscalls: socket, bind, listen, connect, accept, accept4, getsockname, fcntl, poll, sendto, recvfrom, unlink, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_in lsa;

static int tcp_listener(int backlog, int flags)
{
    int s = socket(AF_INET, SOCK_STREAM | flags, 0);
    socklen_t l = sizeof(lsa);
    memset(&lsa, 0, sizeof(lsa));
    lsa.sin_family = AF_INET;
    lsa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *)&lsa, sizeof(lsa)) != 0 || listen(s, backlog) != 0)
        return -1;
    getsockname(s, (struct sockaddr *)&lsa, &l);
    return s;
}

static int dial(void)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c >= 0 && connect(c, (struct sockaddr *)&lsa, sizeof(lsa)) != 0) {
        close(c);
        return -1;
    }
    return c;
}

static int readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

int main(void)
{
    int ls, c, a, fl, fd, r, cs[3];
    struct sockaddr_in na;
    socklen_t l;
    char buf[16];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    ls = tcp_listener(8, 0);
    CHECK(ls >= 0, "TCP listener");
    if (ls < 0)
        CHECK_DONE();

    /* Plain accept4 with flags 0. */
    c = dial();
    a = accept4(ls, NULL, NULL, 0);
    CHECK(a >= 0, "accept4 flags 0 with NULL addr");
    CHECK(fcntl(a, F_GETFL) >= 0 && !(fcntl(a, F_GETFL) & O_NONBLOCK), "flags 0: blocking");
    CHECK_EQ(fcntl(a, F_GETFD), 0, "flags 0: no FD_CLOEXEC");
    close(a);
    close(c);

    /* SOCK_NONBLOCK. */
    c = dial();
    a = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
    fl = a >= 0 ? fcntl(a, F_GETFL) : 0;
    CHECK(a >= 0 && (fl & O_NONBLOCK), "SOCK_NONBLOCK: new fd is O_NONBLOCK");
    CHECK_EQ(fcntl(a, F_GETFD), 0, "SOCK_NONBLOCK alone: no FD_CLOEXEC");
    CHECK_ERR(recv(a, buf, sizeof(buf), 0), EAGAIN, "recv on the non-blocking accepted socket -> EAGAIN");
    CHECK(!(fcntl(ls, F_GETFL) & O_NONBLOCK), "listener itself still blocking");
    close(a);
    close(c);

    /* SOCK_CLOEXEC. */
    c = dial();
    a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    CHECK(a >= 0 && fcntl(a, F_GETFD) == FD_CLOEXEC, "SOCK_CLOEXEC: FD_CLOEXEC set on the new fd");
    CHECK(!(fcntl(a, F_GETFL) & O_NONBLOCK), "SOCK_CLOEXEC alone: blocking");
    CHECK_EQ(fcntl(ls, F_GETFD), 0, "listener has no FD_CLOEXEC");
    close(a);
    close(c);

    /* Both. */
    c = dial();
    memset(&na, 0, sizeof(na));
    l = sizeof(na);
    a = accept4(ls, (struct sockaddr *)&na, &l, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK(a >= 0 && fcntl(a, F_GETFD) == FD_CLOEXEC && (fcntl(a, F_GETFL) & O_NONBLOCK), "SOCK_NONBLOCK|SOCK_CLOEXEC both applied");
    CHECK(l == sizeof(na) && na.sin_family == AF_INET && na.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "peer address filled in");
    close(a);
    close(c);

    /* Invalid flags. */
    c = dial();
    CHECK_ERR(accept4(ls, NULL, NULL, O_APPEND), EINVAL, "accept4 flags O_APPEND -> EINVAL");
    CHECK_ERR(accept4(ls, NULL, NULL, SOCK_NONBLOCK | 1), EINVAL, "accept4 flags SOCK_NONBLOCK|1 -> EINVAL");
    CHECK_ERR(accept4(ls, NULL, NULL, SOCK_STREAM), EINVAL, "accept4 with a socket type in flags -> EINVAL");
    a = accept4(ls, NULL, NULL, 0);
    CHECK(a >= 0, "connection still queued after the rejected accept4 calls");
    close(a);
    close(c);

    /* Address copy-out errors happen after the connection was dequeued (Linux): it is lost. */
    c = dial();
    readable(ls, 2000);
    CHECK_ERR(syscall(SYS_accept4, ls, &na, NULL, 0), EFAULT, "accept4 addr without addrlen -> EFAULT");
    CHECK(!readable(ls, 0), "the connection was consumed by the failed accept4");
    CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0, "client sees EOF: the accepted socket was closed");
    close(c);
    c = dial();
    readable(ls, 2000);
    l = (socklen_t)-1;
    CHECK_ERR(accept4(ls, (struct sockaddr *)&na, &l, 0), EINVAL, "accept4 negative addrlen -> EINVAL");
    close(c);
    c = dial();
    l = 2;
    memset(&na, 0, sizeof(na));
    readable(ls, 2000);
    a = accept4(ls, (struct sockaddr *)&na, &l, 0);
    CHECK(a >= 0 && l == sizeof(na) && na.sin_family == AF_INET && na.sin_port == 0, "addrlen 2: truncated copy, full length 16 reported");
    close(a);
    close(c);

    /* Accepted socket does not inherit O_NONBLOCK from a non-blocking listener (Linux). */
    close(ls);
    ls = tcp_listener(8, SOCK_NONBLOCK);
    c = dial();
    a = -1;
    if (readable(ls, 2000))
        a = accept(ls, NULL, NULL);
    CHECK(a >= 0 && !(fcntl(a, F_GETFL) & O_NONBLOCK), "accept from O_NONBLOCK listener: new fd blocking");
    if (a >= 0) {
        CHECK_EQ(send(c, "hi", 2, 0), 2, "data on the accepted connection");
        CHECK_EQ(recv(a, buf, sizeof(buf), 0), 2, "blocking recv on it returns the data");
    }
    close(a);
    close(c);
    close(ls);

    /* Backlog 0 still accepts one connection. */
    ls = tcp_listener(0, 0);
    CHECK(ls >= 0, "listen backlog 0");
    c = dial();
    CHECK(c >= 0, "connect to a backlog-0 listener succeeds");
    a = -1;
    if (readable(ls, 2000))
        a = accept4(ls, NULL, NULL, 0);
    CHECK(a >= 0, "backlog-0 listener accepts it");
    close(a);
    close(c);
    close(ls);

    /* Several queued connections accepted in order. */
    ls = tcp_listener(8, 0);
    for (r = 0; r < 3; r++)
        cs[r] = dial();
    CHECK(cs[0] >= 0 && cs[1] >= 0 && cs[2] >= 0, "three clients connect");
    {
        int ok = 1;
        for (r = 0; r < 3; r++) {
            struct sockaddr_in cn;
            socklen_t cl = sizeof(cn);
            l = sizeof(na);
            a = accept4(ls, (struct sockaddr *)&na, &l, SOCK_CLOEXEC);
            getsockname(cs[r], (struct sockaddr *)&cn, &cl);
            if (a < 0 || na.sin_port != cn.sin_port)
                ok = 0;
            close(a);
            close(cs[r]);
        }
        CHECK(ok, "queued connections accepted in FIFO order");
    }
    close(ls);

    /* Unix listener. */
    {
        struct sockaddr_un ua;
        char path[64];
        snprintf(path, sizeof(path), "/tmp/accept4_flags.%d%s", (int)getpid(), CONF_TAG);
        unlink(path);
        memset(&ua, 0, sizeof(ua));
        ua.sun_family = AF_UNIX;
        strcpy(ua.sun_path, path);
        ls = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&ua, sizeof(ua)) == 0 && listen(ls, 2) == 0, "unix listener");
        CHECK(!readable(ls, 0), "empty unix listener not readable");
        c = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK_OK(connect(c, (struct sockaddr *)&ua, sizeof(ua)), "unix connect");
        fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && (fcntl(fd, F_GETFL) & O_NONBLOCK), "unix accept4 applies both flags");
        CHECK_ERR(recv(fd, buf, sizeof(buf), 0), EAGAIN, "non-blocking unix accepted socket -> EAGAIN");
        CHECK(send(c, "u", 1, 0) == 1 && recv(fd, buf, 1, 0) == 1 && buf[0] == 'u', "data over the accepted unix socket");
        close(fd);
        close(c);
        close(ls);
        unlink(path);
        fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        CHECK_ERR(accept4(fd, NULL, NULL, 0), EOPNOTSUPP, "accept on a unix SOCK_DGRAM socket -> EOPNOTSUPP");
        close(fd);
    }
    CHECK_DONE();
}
