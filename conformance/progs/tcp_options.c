/* tcp_options: SOL_SOCKET and IPPROTO_TCP socket options: defaults, read-back, kernel doubling, bounds and errors. */
/* syscalls: socket, bind, listen, connect, accept4, getsockname, setsockopt, getsockopt, poll, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in lo(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t l = sizeof(a);
    return getsockname(fd, (struct sockaddr *)&a, &l) == 0 ? ntohs(a.sin_port) : -1;
}

static int geti(int fd, int level, int name)
{
    int v = -12345;
    socklen_t l = sizeof(v);
    if (getsockopt(fd, level, name, &v, &l) != 0)
        return -1000 - errno;
    return v;
}

static int seti(int fd, int level, int name, int v)
{
    return setsockopt(fd, level, name, &v, sizeof(v));
}

int main(void)
{
    int s, u, ls, c, a, v, r, port;
    socklen_t l;
    struct linger lg;
    struct sockaddr_in sa;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);

    s = socket(AF_INET, SOCK_STREAM, 0);
    u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0 && u >= 0, "socket TCP and UDP");
    if (s < 0 || u < 0)
        CHECK_DONE();

    /* Identity options (read-only). */
    CHECK_EQ(geti(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM, "SO_TYPE of TCP socket is SOCK_STREAM");
    CHECK_EQ(geti(u, SOL_SOCKET, SO_TYPE), SOCK_DGRAM, "SO_TYPE of UDP socket is SOCK_DGRAM");
    CHECK_EQ(geti(s, SOL_SOCKET, SO_DOMAIN), AF_INET, "SO_DOMAIN is AF_INET");
    CHECK_EQ(geti(s, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP, "SO_PROTOCOL of TCP socket is IPPROTO_TCP");
    CHECK_EQ(geti(u, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP, "SO_PROTOCOL of UDP socket is IPPROTO_UDP");
    CHECK_ERR(seti(s, SOL_SOCKET, SO_TYPE, SOCK_DGRAM), ENOPROTOOPT, "setsockopt SO_TYPE (read-only) -> ENOPROTOOPT");
    CHECK_EQ(geti(s, SOL_SOCKET, SO_ERROR), 0, "SO_ERROR 0 on a fresh socket");

    /* Boolean options. */
    CHECK_EQ(geti(s, SOL_SOCKET, SO_REUSEADDR), 0, "SO_REUSEADDR off by default");
    CHECK(seti(s, SOL_SOCKET, SO_REUSEADDR, 1) == 0 && geti(s, SOL_SOCKET, SO_REUSEADDR) == 1, "SO_REUSEADDR set reads back 1");
    CHECK(seti(s, SOL_SOCKET, SO_REUSEADDR, 7) == 0 && geti(s, SOL_SOCKET, SO_REUSEADDR) == 1, "SO_REUSEADDR nonzero value normalised to 1");
    CHECK_EQ(geti(s, SOL_SOCKET, SO_REUSEPORT), 0, "SO_REUSEPORT off by default");
    CHECK(seti(s, SOL_SOCKET, SO_REUSEPORT, 1) == 0 && geti(s, SOL_SOCKET, SO_REUSEPORT) == 1, "SO_REUSEPORT set reads back 1");
    CHECK_EQ(geti(s, SOL_SOCKET, SO_KEEPALIVE), 0, "SO_KEEPALIVE off by default");
    CHECK(seti(s, SOL_SOCKET, SO_KEEPALIVE, 1) == 0 && geti(s, SOL_SOCKET, SO_KEEPALIVE) == 1, "SO_KEEPALIVE set reads back 1");
    CHECK(seti(s, SOL_SOCKET, SO_KEEPALIVE, 0) == 0 && geti(s, SOL_SOCKET, SO_KEEPALIVE) == 0, "SO_KEEPALIVE cleared reads back 0");
    CHECK_EQ(geti(s, IPPROTO_TCP, TCP_NODELAY), 0, "TCP_NODELAY off by default");
    CHECK(seti(s, IPPROTO_TCP, TCP_NODELAY, 1) == 0 && geti(s, IPPROTO_TCP, TCP_NODELAY) == 1, "TCP_NODELAY set reads back 1");

    /* Buffer sizes: the kernel doubles the requested value and enforces a minimum. */
    CHECK(seti(s, SOL_SOCKET, SO_RCVBUF, 8192) == 0 && geti(s, SOL_SOCKET, SO_RCVBUF) == 16384, "SO_RCVBUF 8192 reads back doubled (16384)");
    CHECK(seti(s, SOL_SOCKET, SO_SNDBUF, 16384) == 0 && geti(s, SOL_SOCKET, SO_SNDBUF) == 32768, "SO_SNDBUF 16384 reads back doubled (32768)");
    CHECK(seti(u, SOL_SOCKET, SO_RCVBUF, 10000) == 0 && geti(u, SOL_SOCKET, SO_RCVBUF) == 20000, "UDP SO_RCVBUF 10000 reads back 20000");
    seti(s, SOL_SOCKET, SO_RCVBUF, 1);
    v = geti(s, SOL_SOCKET, SO_RCVBUF);
    seti(s, SOL_SOCKET, SO_RCVBUF, 0);
    CHECK(v > 2 && v >= 256 && geti(s, SOL_SOCKET, SO_RCVBUF) == v, "SO_RCVBUF tiny values clamp to the same minimum");
    seti(s, SOL_SOCKET, SO_SNDBUF, 1);
    v = geti(s, SOL_SOCKET, SO_SNDBUF);
    CHECK(v > 2 && v >= 1024, "SO_SNDBUF 1 clamps to a minimum >= 1024");

    /* SO_LINGER uses struct linger. */
    memset(&lg, 0x55, sizeof(lg));
    l = sizeof(lg);
    r = getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &l);
    CHECK(r == 0 && l == sizeof(lg) && lg.l_onoff == 0 && lg.l_linger == 0, "SO_LINGER default {0,0}");
    lg.l_onoff = 1;
    lg.l_linger = 5;
    CHECK_OK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), "set SO_LINGER {1,5}");
    memset(&lg, 0, sizeof(lg));
    l = sizeof(lg);
    r = getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &l);
    CHECK(r == 0 && lg.l_onoff == 1 && lg.l_linger == 5, "SO_LINGER reads back {1,5}");
    CHECK_ERR(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(int)), EINVAL, "SO_LINGER with optlen < sizeof(struct linger) -> EINVAL");

    /* Keepalive tuning. */
    CHECK(seti(s, IPPROTO_TCP, TCP_KEEPIDLE, 30) == 0 && geti(s, IPPROTO_TCP, TCP_KEEPIDLE) == 30, "TCP_KEEPIDLE 30 reads back");
    CHECK(seti(s, IPPROTO_TCP, TCP_KEEPINTVL, 5) == 0 && geti(s, IPPROTO_TCP, TCP_KEEPINTVL) == 5, "TCP_KEEPINTVL 5 reads back");
    CHECK(seti(s, IPPROTO_TCP, TCP_KEEPCNT, 3) == 0 && geti(s, IPPROTO_TCP, TCP_KEEPCNT) == 3, "TCP_KEEPCNT 3 reads back");
    CHECK_ERR(seti(s, IPPROTO_TCP, TCP_KEEPIDLE, 0), EINVAL, "TCP_KEEPIDLE 0 -> EINVAL");
    CHECK_ERR(seti(s, IPPROTO_TCP, TCP_KEEPIDLE, 32768), EINVAL, "TCP_KEEPIDLE 32768 (> max 32767) -> EINVAL");
    CHECK_ERR(seti(s, IPPROTO_TCP, TCP_KEEPINTVL, 0), EINVAL, "TCP_KEEPINTVL 0 -> EINVAL");
    CHECK_ERR(seti(s, IPPROTO_TCP, TCP_KEEPCNT, 0), EINVAL, "TCP_KEEPCNT 0 -> EINVAL");
    CHECK_ERR(seti(s, IPPROTO_TCP, TCP_KEEPCNT, 128), EINVAL, "TCP_KEEPCNT 128 (> max 127) -> EINVAL");
    CHECK_EQ(geti(s, IPPROTO_TCP, TCP_KEEPIDLE), 30, "failed sets leave TCP_KEEPIDLE unchanged");

    /* TCP_MAXSEG on an unconnected socket. */
    CHECK_ERR(seti(s, IPPROTO_TCP, TCP_MAXSEG, 10), EINVAL, "TCP_MAXSEG 10 (below minimum) -> EINVAL");
    CHECK(seti(s, IPPROTO_TCP, TCP_MAXSEG, 1000) == 0 && geti(s, IPPROTO_TCP, TCP_MAXSEG) == 1000, "TCP_MAXSEG 1000 reads back before connect");

    /* Length and pointer errors. */
    v = 1;
    CHECK_ERR(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL, "SOL_SOCKET int option with optlen 2 -> EINVAL");
    CHECK_ERR(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, 2), EINVAL, "TCP_NODELAY with optlen 2 -> EINVAL");
    l = (socklen_t)-1;
    CHECK_ERR(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l), EINVAL, "getsockopt with negative optlen -> EINVAL");
    v = 0;
    l = 100;
    r = getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l);
    CHECK(r == 0 && l == sizeof(int) && v == SOCK_STREAM, "getsockopt with large optlen shrinks it to sizeof(int)");
    CHECK_ERR(seti(s, SOL_SOCKET, 9999, 1), ENOPROTOOPT, "setsockopt unknown SOL_SOCKET option -> ENOPROTOOPT");
    l = sizeof(v);
    CHECK_ERR(getsockopt(s, SOL_SOCKET, 9999, &v, &l), ENOPROTOOPT, "getsockopt unknown SOL_SOCKET option -> ENOPROTOOPT");
    CHECK_ERR(seti(s, IPPROTO_TCP, 9999, 1), ENOPROTOOPT, "setsockopt unknown TCP option -> ENOPROTOOPT");
    CHECK_ERR(seti(s, 12345, 1, 1), ENOPROTOOPT, "setsockopt unknown level -> ENOPROTOOPT");
    l = sizeof(v);
    /* Linux asymmetry: ip_getsockopt answers an unknown level with EOPNOTSUPP. */
    CHECK_ERR(getsockopt(s, 12345, 1, &v, &l), EOPNOTSUPP, "getsockopt unknown level -> EOPNOTSUPP (observed)");
    CHECK_ERR(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (void *)8, sizeof(int)), EFAULT, "setsockopt bad optval -> EFAULT");
    l = sizeof(v);
    CHECK_ERR(getsockopt(s, SOL_SOCKET, SO_TYPE, (void *)8, &l), EFAULT, "getsockopt bad optval -> EFAULT");
    CHECK_ERR(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)8), EFAULT, "getsockopt bad optlen pointer -> EFAULT");
    l = sizeof(v);
    CHECK_ERR(getsockopt(-1, SOL_SOCKET, SO_TYPE, &v, &l), EBADF, "getsockopt on fd -1 -> EBADF");
    close(s);

    /* SO_REUSEPORT lets two listeners share a port; without it bind fails. */
    ls = socket(AF_INET, SOCK_STREAM, 0);
    a = socket(AF_INET, SOCK_STREAM, 0);
    c = socket(AF_INET, SOCK_STREAM, 0);
    seti(ls, SOL_SOCKET, SO_REUSEPORT, 1);
    seti(a, SOL_SOCKET, SO_REUSEPORT, 1);
    sa = lo(0);
    bind(ls, (struct sockaddr *)&sa, sizeof(sa));
    listen(ls, 4);
    port = port_of(ls);
    sa = lo(port);
    CHECK_OK(bind(a, (struct sockaddr *)&sa, sizeof(sa)), "second SO_REUSEPORT socket binds the same port");
    CHECK_ERR(bind(c, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE, "socket without SO_REUSEPORT -> EADDRINUSE");
    close(a);
    close(c);

    /* SO_REUSEADDR on UDP lets two sockets bind the same port. */
    a = socket(AF_INET, SOCK_DGRAM, 0);
    seti(u, SOL_SOCKET, SO_REUSEADDR, 1);
    seti(a, SOL_SOCKET, SO_REUSEADDR, 1);
    sa = lo(0);
    bind(u, (struct sockaddr *)&sa, sizeof(sa));
    sa = lo(port_of(u));
    CHECK_OK(bind(a, (struct sockaddr *)&sa, sizeof(sa)), "UDP: both SO_REUSEADDR sockets bind the same port");
    close(a);
    close(u);

    /* Connected socket: SO_ERROR stays 0, TCP_MAXSEG reports a usable MSS, accepted socket inherits TCP_NODELAY. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    seti(ls, IPPROTO_TCP, TCP_NODELAY, 1);
    sa = lo(port);
    r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
    CHECK_OK(r, "connect to listener");
    a = accept4(ls, NULL, NULL, 0);
    CHECK(a >= 0, "accept");
    CHECK_EQ(geti(c, SOL_SOCKET, SO_ERROR), 0, "SO_ERROR 0 after successful connect");
    v = geti(c, IPPROTO_TCP, TCP_MAXSEG);
    CHECK(v >= 88 && v <= 65535, "TCP_MAXSEG of a connected socket within [88, 65535]");
    CHECK_EQ(geti(a, IPPROTO_TCP, TCP_NODELAY), 1, "accepted socket inherits TCP_NODELAY from the listener");
    close(a);
    close(c);

    /* SO_ERROR reports an asynchronous connect failure once, then clears. */
    close(ls); /* port now closed */
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
    if (r == -1 && errno == EINPROGRESS) {
        struct pollfd pfd = {c, POLLOUT, 0};
        poll(&pfd, 1, 2000);
        CHECK_EQ(geti(c, SOL_SOCKET, SO_ERROR), ECONNREFUSED, "SO_ERROR ECONNREFUSED after refused connect");
    } else {
        CHECK(r == -1 && errno == ECONNREFUSED, "refused connect fails with ECONNREFUSED");
    }
    CHECK_EQ(geti(c, SOL_SOCKET, SO_ERROR), 0, "SO_ERROR cleared after being read");
    close(c);
    CHECK_DONE();
}
