/* tcp_shutdown: shutdown(2) SHUT_WR/SHUT_RD/SHUT_RDWR on TCP, EOF/EPIPE/SIGPIPE/POLLRDHUP, RST on close with unread data or SO_LINGER 0. */
/* syscalls: socket, bind, listen, connect, accept4, getsockname, shutdown, sendto, recvfrom, poll, setsockopt, getsockopt, rt_sigaction, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

static int ls = -1;
static struct sockaddr_in lsa;
static volatile sig_atomic_t sigpipes;

static void on_pipe(int sig)
{
    (void)sig;
    sigpipes++;
}

/* Connected pair over loopback; returns 0 on success. */
static int mkpair(int *c, int *a)
{
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (*c < 0)
        return -1;
    if (connect(*c, (struct sockaddr *)&lsa, sizeof(lsa)) != 0) {
        close(*c);
        return -1;
    }
    *a = accept4(ls, NULL, NULL, 0);
    if (*a < 0) {
        close(*c);
        return -1;
    }
    return 0;
}

static int pollev(int fd, short ev, int ms)
{
    struct pollfd p = {fd, ev, 0};
    int r = poll(&p, 1, ms);
    return r < 0 ? -1 : p.revents;
}

int main(void)
{
    int c, a, s, r, ev;
    socklen_t l;
    char buf[64];
    struct sigaction sa;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_pipe;
    sigaction(SIGPIPE, &sa, NULL);

    ls = socket(AF_INET, SOCK_STREAM, 0);
    memset(&lsa, 0, sizeof(lsa));
    lsa.sin_family = AF_INET;
    lsa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&lsa, sizeof(lsa)) == 0 && listen(ls, 8) == 0, "listener on 127.0.0.1");
    l = sizeof(lsa);
    getsockname(ls, (struct sockaddr *)&lsa, &l);

    /* Errors that need no connection. */
    s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_ERR(shutdown(s, SHUT_WR), ENOTCONN, "shutdown on unconnected TCP socket -> ENOTCONN");
    CHECK_ERR(shutdown(s, 3), EINVAL, "shutdown how=3 -> EINVAL");
    CHECK_ERR(shutdown(s, -1), EINVAL, "shutdown how=-1 -> EINVAL");
    close(s);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK_ERR(shutdown(s, SHUT_RDWR), ENOTCONN, "shutdown on unconnected UDP socket -> ENOTCONN");
    close(s);
    CHECK_ERR(shutdown(-1, SHUT_RDWR), EBADF, "shutdown on fd -1 -> EBADF");
    s = open("/dev/null", O_RDONLY);
    CHECK_ERR(shutdown(s, SHUT_RDWR), ENOTSOCK, "shutdown on /dev/null -> ENOTSOCK");
    close(s);

    /* SHUT_WR: half close. */
    if (mkpair(&c, &a) == 0) {
        CHECK_OK(shutdown(c, SHUT_WR), "shutdown(SHUT_WR)");
        ev = pollev(a, POLLIN | POLLRDHUP, 2000);
        CHECK((ev & POLLIN) && (ev & POLLRDHUP), "peer sees POLLIN|POLLRDHUP after SHUT_WR");
        CHECK_EQ(recv(a, buf, sizeof(buf), 0), 0, "peer reads EOF");
        CHECK_EQ(recv(a, buf, sizeof(buf), 0), 0, "EOF is sticky");
        CHECK_EQ(send(a, "back", 4, 0), 4, "peer can still send to the half-closed side");
        CHECK_EQ(recv(c, buf, sizeof(buf), 0), 4, "half-closed side still receives");
        CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send after SHUT_WR with MSG_NOSIGNAL -> EPIPE");
        CHECK_EQ(sigpipes, 0, "MSG_NOSIGNAL: no SIGPIPE");
        CHECK_ERR(send(c, "x", 1, 0), EPIPE, "send after SHUT_WR -> EPIPE");
        CHECK_EQ(sigpipes, 1, "plain send after SHUT_WR raises SIGPIPE");
        CHECK_ERR(write(c, "x", 1), EPIPE, "write after SHUT_WR -> EPIPE");
        CHECK_EQ(sigpipes, 2, "write after SHUT_WR raises SIGPIPE");
        CHECK_OK(shutdown(c, SHUT_WR), "second SHUT_WR succeeds");
        ev = pollev(c, POLLOUT, 0);
        CHECK(ev & POLLOUT, "SHUT_WR socket still polls writable (send would fail at once)");
        close(c);
        close(a);
    } else
        CHECK(0, "connected pair for SHUT_WR");

    /* SHUT_RD: reads return 0 at once, writes still work. */
    if (mkpair(&c, &a) == 0) {
        CHECK_OK(shutdown(c, SHUT_RD), "shutdown(SHUT_RD)");
        ev = pollev(c, POLLIN | POLLRDHUP, 0);
        CHECK((ev & POLLIN) && (ev & POLLRDHUP), "SHUT_RD socket polls POLLIN|POLLRDHUP");
        CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0, "recv after SHUT_RD returns 0");
        CHECK_EQ(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 0, "recv MSG_DONTWAIT after SHUT_RD returns 0, not EAGAIN");
        CHECK_EQ(send(c, "data", 4, 0), 4, "send after SHUT_RD still works");
        CHECK_EQ(recv(a, buf, sizeof(buf), 0), 4, "peer receives it");
        CHECK_ERR(recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "SHUT_RD sends no FIN: peer has no EOF");
        close(c);
        close(a);
    } else
        CHECK(0, "connected pair for SHUT_RD");

    /* SHUT_RDWR. */
    if (mkpair(&c, &a) == 0) {
        CHECK_OK(shutdown(c, SHUT_RDWR), "shutdown(SHUT_RDWR)");
        CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0, "recv after SHUT_RDWR returns 0");
        CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send after SHUT_RDWR -> EPIPE");
        CHECK(pollev(a, POLLIN, 2000) & POLLIN, "peer readable after SHUT_RDWR");
        CHECK_EQ(recv(a, buf, sizeof(buf), 0), 0, "peer reads EOF after SHUT_RDWR");
        close(c);
        close(a);
    } else
        CHECK(0, "connected pair for SHUT_RDWR");

    /* close() with unread data sends RST. */
    if (mkpair(&c, &a) == 0) {
        CHECK_EQ(send(c, "unread", 6, 0), 6, "send data the peer will not read");
        pollev(a, POLLIN, 2000);
        close(a);
        ev = pollev(c, POLLIN, 2000);
        CHECK(ev & POLLERR, "RST after close with unread data: POLLERR");
        CHECK(ev & POLLHUP, "RST: POLLHUP");
        CHECK_ERR(recv(c, buf, sizeof(buf), 0), ECONNRESET, "recv after peer close with unread data -> ECONNRESET");
        CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0, "reset is reported once, then EOF");
        CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send on reset connection -> EPIPE");
        close(c);
    } else
        CHECK(0, "connected pair for RST on unread data");

    /* SO_LINGER {1,0}: close aborts with RST. */
    if (mkpair(&c, &a) == 0) {
        struct linger lg = {1, 0};
        int err = -1;
        CHECK_OK(setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), "SO_LINGER {1,0}");
        close(a);
        ev = pollev(c, POLLIN, 2000);
        CHECK(ev & POLLERR, "abortive close: peer gets POLLERR");
        l = sizeof(err);
        r = getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &l);
        CHECK(r == 0 && err == ECONNRESET, "SO_ERROR is ECONNRESET after abortive close");
        CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0, "after SO_ERROR consumed the reset, recv reads EOF");
        close(c);
    } else
        CHECK(0, "connected pair for SO_LINGER 0");

    /* Orderly close (no unread data): peer reads EOF, not a reset. */
    if (mkpair(&c, &a) == 0) {
        close(a);
        ev = pollev(c, POLLIN | POLLRDHUP, 2000);
        CHECK((ev & POLLRDHUP) && !(ev & POLLERR), "orderly close: POLLRDHUP, no POLLERR");
        CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0, "orderly close: recv EOF");
        close(c);
    } else
        CHECK(0, "connected pair for orderly close");
    close(ls);
    CHECK_DONE();
}
