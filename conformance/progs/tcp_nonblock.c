/* tcp_nonblock: non-blocking TCP: connect EINPROGRESS/POLLOUT/SO_ERROR, refused connect, EALREADY/EISCONN, EAGAIN on accept/recv, SOCK_NONBLOCK, MSG_DONTWAIT. */
/* syscalls: socket, bind, listen, connect, accept4, getsockname, getsockopt, sendto, recvfrom, poll, fcntl, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
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

static int so_error(int fd)
{
    int v = -1;
    socklen_t l = sizeof(v);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &l) != 0)
        return -1;
    return v;
}

static int pollev(int fd, short ev, int ms)
{
    struct pollfd p = {fd, ev, 0};
    int r = poll(&p, 1, ms);
    return r < 0 ? -1 : p.revents;
}

int main(void)
{
    int ls, c, c2, a, r, port, dead, fl;
    struct sockaddr_in sa;
    char buf[64];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);

    ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(ls >= 0, "socket with SOCK_NONBLOCK");
    if (ls < 0)
        CHECK_DONE();
    fl = fcntl(ls, F_GETFL);
    CHECK(fl >= 0 && (fl & O_NONBLOCK), "SOCK_NONBLOCK sets O_NONBLOCK in F_GETFL");
    CHECK_ERR(socket(AF_INET, SOCK_STREAM | 0x40000000, 0), EINVAL, "socket with an unknown type flag -> EINVAL");
    sa = lo(0);
    CHECK_OK(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), "bind listener");
    CHECK_OK(listen(ls, 8), "listen");
    port = port_of(ls);
    CHECK_ERR(accept4(ls, NULL, NULL, 0), EAGAIN, "accept on empty non-blocking listener -> EAGAIN");
    CHECK_EQ(pollev(ls, POLLIN, 0), 0, "empty listener not readable");

    /* Non-blocking connect to a live listener. */
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sa = lo(port);
    errno = 0;
    r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
    int inprog = r == -1 && errno == EINPROGRESS;
    CHECK(r == 0 || inprog, "non-blocking connect: 0 or EINPROGRESS");
    CHECK(pollev(c, POLLOUT, 2000) & POLLOUT, "connecting socket becomes writable");
    CHECK_EQ(so_error(c), 0, "SO_ERROR 0 after successful connect");
    if (inprog) /* Linux: the first connect after an EINPROGRESS one completed reports success */
        CHECK_OK(connect(c, (struct sockaddr *)&sa, sizeof(sa)), "connect after completion of EINPROGRESS connect -> 0");
    CHECK_ERR(connect(c, (struct sockaddr *)&sa, sizeof(sa)), EISCONN, "connect again when connected -> EISCONN");
    CHECK(pollev(ls, POLLIN, 2000) & POLLIN, "listener readable with a pending connection");
    a = accept4(ls, NULL, NULL, 0);
    CHECK(a >= 0, "accept succeeds once a connection is queued");
    fl = a >= 0 ? fcntl(a, F_GETFL) : -1;
    CHECK(fl >= 0 && !(fl & O_NONBLOCK), "accepted socket is blocking despite non-blocking listener");
    CHECK_ERR(accept4(ls, NULL, NULL, 0), EAGAIN, "second accept -> EAGAIN");

    /* recv on empty sockets. */
    CHECK_ERR(recv(c, buf, sizeof(buf), 0), EAGAIN, "recv on empty non-blocking socket -> EAGAIN");
    CHECK_ERR(recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT recv on empty blocking socket -> EAGAIN");
    CHECK_ERR(read(c, buf, sizeof(buf)), EAGAIN, "read on empty non-blocking socket -> EAGAIN");
    CHECK_EQ(send(c, "hello", 5, 0), 5, "send 5 bytes");
    CHECK(pollev(a, POLLIN, 2000) & POLLIN, "peer becomes readable");
    CHECK_EQ(recv(a, buf, sizeof(buf), MSG_DONTWAIT), 5, "MSG_DONTWAIT recv returns available data");
    CHECK(memcmp(buf, "hello", 5) == 0, "data intact");
    CHECK_ERR(recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT again -> EAGAIN");
    fl = fcntl(a, F_GETFL);
    CHECK(!(fl & O_NONBLOCK), "MSG_DONTWAIT does not change the file status flags");
    CHECK_OK(fcntl(a, F_SETFL, fl | O_NONBLOCK), "fcntl F_SETFL O_NONBLOCK on accepted socket");
    CHECK_ERR(recv(a, buf, sizeof(buf), 0), EAGAIN, "recv after F_SETFL O_NONBLOCK -> EAGAIN");

    /* Fill the send buffer: non-blocking send eventually returns EAGAIN. */
    {
        int small = 4096, n = 0;
        long total = 0;
        static char big[65536];
        setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
        setsockopt(a, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        for (n = 0; n < 2000; n++) {
            r = send(c, big, sizeof(big), 0);
            if (r < 0)
                break;
            total += r;
        }
        CHECK(r == -1 && errno == EAGAIN && total > 0, "non-blocking send fills the buffer then -> EAGAIN");
        CHECK_EQ(pollev(c, POLLOUT, 0) & POLLOUT, 0, "full socket not writable");
        CHECK_ERR(send(c, big, 1, MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT send on full socket -> EAGAIN");
    }
    close(a);
    close(c);

    /* Connect to a closed port. */
    c2 = socket(AF_INET, SOCK_STREAM, 0);
    sa = lo(0);
    bind(c2, (struct sockaddr *)&sa, sizeof(sa));
    dead = port_of(c2);
    close(c2); /* bound but never listened: nothing on 'dead' */
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sa = lo(dead);
    errno = 0;
    r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
    if (r == -1 && errno == EINPROGRESS) {
        int ev = pollev(c, POLLOUT, 2000);
        CHECK(ev & (POLLOUT | POLLERR), "refused connecting socket reports POLLOUT/POLLERR");
        CHECK(ev & POLLERR, "refused connect sets POLLERR");
        CHECK_EQ(so_error(c), ECONNREFUSED, "SO_ERROR is ECONNREFUSED");
        CHECK_EQ(so_error(c), 0, "SO_ERROR cleared after reading");
    } else {
        CHECK(r == -1 && errno == ECONNREFUSED, "refused connect fails immediately with ECONNREFUSED");
    }
    close(c);

    /* Blocking connect to a closed port fails synchronously. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&sa, sizeof(sa)), ECONNREFUSED, "blocking connect to closed port -> ECONNREFUSED");
    close(c);

    /* Second connect right after EINPROGRESS: EALREADY while the handshake runs, or 0 if it has already
     * completed (loopback handshakes finish almost at once); never EISCONN on this first repeat. */
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sa = lo(port);
    errno = 0;
    r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
    if (r == -1 && errno == EINPROGRESS) {
        errno = 0;
        r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
        CHECK(r == 0 || (r == -1 && errno == EALREADY), "second connect while connecting -> EALREADY or 0 (completed)");
    } else {
        CHECK_ERR(connect(c, (struct sockaddr *)&sa, sizeof(sa)), EISCONN, "second connect after immediate success -> EISCONN");
    }
    if (r == -1 && errno == EALREADY) {
        pollev(c, POLLOUT, 2000);
        connect(c, (struct sockaddr *)&sa, sizeof(sa)); /* reports the completion (0) */
    }
    pollev(c, POLLOUT, 2000);
    errno = 0;
    r = connect(c, (struct sockaddr *)&sa, sizeof(sa));
    CHECK(r == -1 && errno == EISCONN, "connect once established -> EISCONN");
    a = -1;
    if (pollev(ls, POLLIN, 2000) & POLLIN)
        a = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
    CHECK(a >= 0, "listener accepts the third connection");
    close(a);
    close(c);

    /* Non-blocking connect to a listener whose backlog is full stays pending or fails later; not tested.
     * Writes on a non-blocking unconnected socket. */
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK_ERR(send(c, "x", 1, 0), EPIPE, "send on unconnected TCP socket -> EPIPE");
    CHECK_ERR(recv(c, buf, 1, 0), ENOTCONN, "recv on unconnected TCP socket -> ENOTCONN");
    close(c);
    close(ls);
    CHECK_DONE();
}
