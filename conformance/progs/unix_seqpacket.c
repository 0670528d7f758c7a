/* unix_seqpacket: AF_UNIX SOCK_SEQPACKET: listen/connect/accept, record boundaries, MSG_TRUNC/MSG_EOR in recvmsg, zero-length records, EOF, socketpair. */
/* syscalls: socket, socketpair, bind, listen, connect, accept4, getsockopt, sendto, recvfrom, sendmsg, recvmsg, shutdown, poll, unlinkat, close */
/* area: unix */
#include "check.h"

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int rmsg(int fd, char *buf, size_t len, int flags, int *mflags)
{
    struct iovec iov = {buf, len};
    struct msghdr mh;
    int r;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    r = recvmsg(fd, &mh, flags);
    *mflags = mh.msg_flags;
    return r;
}

int main(void)
{
    int ls, c, a, r, mf, v, sv[2];
    struct sockaddr_un ua;
    socklen_t l;
    char path[80], buf[256];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    snprintf(path, sizeof(path), "/tmp/unix_seqpacket.%d%s", (int)getpid(), CONF_TAG);
    unlink(path);
    memset(&ua, 0, sizeof(ua));
    ua.sun_family = AF_UNIX;
    strcpy(ua.sun_path, path);

    ls = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK(ls >= 0, "socket AF_UNIX SOCK_SEQPACKET");
    if (ls < 0)
        CHECK_DONE();
    v = -1;
    l = sizeof(v);
    CHECK(getsockopt(ls, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_SEQPACKET, "SO_TYPE is SOCK_SEQPACKET");
    c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK_ERR(send(c, "x", 1, 0), ENOTCONN, "send on unconnected seqpacket -> ENOTCONN");
    CHECK_ERR(connect(c, (struct sockaddr *)&ua, sizeof(ua)), ENOENT, "connect before bind -> ENOENT");
    CHECK_OK(bind(ls, (struct sockaddr *)&ua, sizeof(ua)), "bind");
    CHECK_ERR(connect(c, (struct sockaddr *)&ua, sizeof(ua)), ECONNREFUSED, "connect to bound but not listening -> ECONNREFUSED");
    CHECK_OK(listen(ls, 4), "listen");
    {
        int st = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK_ERR(connect(st, (struct sockaddr *)&ua, sizeof(ua)), EPROTOTYPE, "SOCK_STREAM connect to a seqpacket listener -> EPROTOTYPE");
        close(st);
    }
    CHECK_OK(connect(c, (struct sockaddr *)&ua, sizeof(ua)), "connect");
    a = accept4(ls, NULL, NULL, 0);
    CHECK(a >= 0, "accept");
    if (a < 0)
        CHECK_DONE();
    l = sizeof(v);
    getsockopt(a, SOL_SOCKET, SO_TYPE, &v, &l);
    CHECK_EQ(v, SOCK_SEQPACKET, "accepted socket is SOCK_SEQPACKET");

    /* Record boundaries. */
    send(c, "rec1", 4, 0);
    send(c, "record2", 7, 0);
    send(c, "", 0, 0);
    send(c, "r3", 2, 0);
    r = rmsg(a, buf, sizeof(buf), 0, &mf);
    CHECK(r == 4 && memcmp(buf, "rec1", 4) == 0, "first record alone (4 bytes)");
    /* Observed: Linux never sets MSG_EOR on AF_UNIX seqpacket receives. */
    CHECK((mf & (MSG_TRUNC | MSG_EOR)) == 0, "complete record: msg_flags has no MSG_TRUNC (and no MSG_EOR on Linux)");
    r = rmsg(a, buf, 3, 0, &mf);
    CHECK(r == 3 && memcmp(buf, "rec", 3) == 0, "short buffer gets the first 3 bytes of record 2");
    CHECK(mf & MSG_TRUNC, "msg_flags MSG_TRUNC for the truncated record");
    r = rmsg(a, buf, sizeof(buf), 0, &mf);
    CHECK_EQ(r, 0, "rest of record 2 discarded; next is the zero-length record");
    r = rmsg(a, buf, sizeof(buf), 0, &mf);
    CHECK(r == 2 && memcmp(buf, "r3", 2) == 0, "then record 3");
    CHECK_ERR(recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "empty -> EAGAIN");
    send(c, "peekrec", 7, 0);
    r = recv(a, buf, 2, MSG_PEEK | MSG_TRUNC);
    CHECK_EQ(r, 7, "MSG_PEEK|MSG_TRUNC returns the full record length");
    r = recv(a, buf, sizeof(buf), 0);
    CHECK_EQ(r, 7, "record still there after the peek");
    CHECK_EQ(send(a, "reply", 5, MSG_EOR), 5, "send with MSG_EOR accepted");
    CHECK_EQ(recv(c, buf, sizeof(buf), 0), 5, "reply received");

    /* sendmsg with two iovecs is one record. */
    {
        struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
        struct msghdr mh;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = iov;
        mh.msg_iovlen = 2;
        CHECK_EQ(sendmsg(c, &mh, 0), 5, "sendmsg with 2 iovecs");
        r = recv(a, buf, sizeof(buf), 0);
        CHECK(r == 5 && memcmp(buf, "abcde", 5) == 0, "gathered into a single record");
    }

    /* Oversize record. */
    {
        static char big[300000];
        int sb = 8192;
        setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
        CHECK_ERR(send(c, big, sizeof(big), 0), EMSGSIZE, "record larger than the send buffer -> EMSGSIZE");
    }

    /* Shutdown and EOF. */
    shutdown(c, SHUT_WR);
    CHECK_EQ(recv(a, buf, sizeof(buf), 0), 0, "EOF after peer SHUT_WR");
    CHECK_EQ(send(a, "still", 5, 0), 5, "reverse direction still open");
    CHECK_EQ(recv(c, buf, sizeof(buf), 0), 5, "half-closed side receives");
    send(a, "last", 4, 0);
    close(a);
    r = recv(c, buf, sizeof(buf), 0);
    CHECK(r == 4 && memcmp(buf, "last", 4) == 0, "queued record readable after peer close");
    CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0, "then EOF (0)");
    {
        struct pollfd p = {c, POLLIN, 0};
        CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "POLLHUP after peer close");
    }
    CHECK_ERR(send(c, "x", 1, 0), EPIPE, "send after peer close -> EPIPE");
    close(c);
    close(ls);
    unlink(path);

    /* socketpair. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), "socketpair SOCK_SEQPACKET");
    send(sv[0], "p1", 2, 0);
    send(sv[0], "p22", 3, 0);
    CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 2, "socketpair record 1");
    CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 3, "socketpair record 2");
    CHECK_EQ(send(sv[1], "", 0, 0), 0, "zero-length record on socketpair");
    {
        struct pollfd p = {sv[0], POLLIN, 0};
        CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN), "zero-length record makes the peer readable");
    }
    CHECK_EQ(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), 0, "and is received as 0 bytes");
    CHECK_ERR(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "then EAGAIN (0 was a record, not EOF)");
    close(sv[1]);
    CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 0, "EOF after the pair peer closed");
    close(sv[0]);
    CHECK_DONE();
}
