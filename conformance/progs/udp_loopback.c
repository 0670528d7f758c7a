/* udp_loopback: UDP over 127.0.0.1 and ::1: sendto/recvfrom, boundaries, MSG_TRUNC, connect, errors. */
/* syscalls: socket, bind, connect, sendto, recvfrom, recvmsg, getsockname, getpeername, setsockopt, getsockopt, poll */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static struct sockaddr_in lo4(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int bound4(struct sockaddr_in *out)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    socklen_t l = sizeof(*out);
    *out = lo4(0);
    if (bind(fd, (struct sockaddr *)out, sizeof(*out)) != 0 || getsockname(fd, (struct sockaddr *)out, &l) != 0)
        return -1;
    return fd;
}

int main(void)
{
    static char big[65508];
    struct sockaddr_in a, b, from;
    socklen_t fl;
    int s1, s2, v;
    char buf[64];

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    s1 = bound4(&a);
    s2 = bound4(&b);
    CHECK(s1 >= 0 && s2 >= 0 && ntohs(a.sin_port) > 0, "two UDP sockets bound to 127.0.0.1:0");
    CHECK_EQ(sendto(s1, "first", 5, 0, (struct sockaddr *)&b, sizeof(b)), 5, "sendto");
    CHECK_EQ(sendto(s1, "second!", 7, 0, (struct sockaddr *)&b, sizeof(b)), 7, "second sendto");
    fl = sizeof(from);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(recvfrom(s2, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 5, "recvfrom returns one datagram");
    CHECK(strcmp(buf, "first") == 0 && fl == sizeof(from), "contents and address length");
    CHECK(from.sin_port == a.sin_port && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "source is the sender's address");
    CHECK_EQ(recv(s2, buf, 3, MSG_PEEK | MSG_TRUNC), 7, "MSG_PEEK|MSG_TRUNC returns full length 7");
    {
        struct iovec iov = { buf, 3 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
        CHECK(recvmsg(s2, &m, 0) == 3 && (m.msg_flags & MSG_TRUNC), "short recvmsg: 3 bytes and MSG_TRUNC");
    }
    CHECK_ERR(recv(s2, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "rest of the truncated datagram is discarded");
    CHECK(sendto(s1, "", 0, 0, (struct sockaddr *)&b, sizeof(b)) == 0 && recv(s2, buf, sizeof(buf), 0) == 0,
          "zero-length datagram");

    CHECK_EQ(sendto(s1, big, 65507, 0, (struct sockaddr *)&b, sizeof(b)), 65507, "max IPv4 UDP payload 65507");
    CHECK_EQ(recv(s2, big, sizeof(big), 0), 65507, "received 65507 bytes");
    CHECK_ERR(sendto(s1, big, 65508, 0, (struct sockaddr *)&b, sizeof(b)), EMSGSIZE, "65508 bytes -> EMSGSIZE");

    CHECK_ERR(send(s1, "x", 1, 0), EDESTADDRREQ, "send on unconnected UDP -> EDESTADDRREQ");
    CHECK_OK(connect(s1, (struct sockaddr *)&b, sizeof(b)), "connect UDP socket");
    fl = sizeof(from);
    CHECK(getpeername(s1, (struct sockaddr *)&from, &fl) == 0 && from.sin_port == b.sin_port, "getpeername after connect");
    CHECK(send(s1, "conn", 4, 0) == 4 && recv(s2, buf, sizeof(buf), 0) == 4, "send on connected UDP");
    {
        int s3;
        struct sockaddr_in c;
        s3 = bound4(&c);
        sendto(s3, "stranger", 8, 0, (struct sockaddr *)&a, sizeof(a));
        sendto(s2, "peer", 4, 0, (struct sockaddr *)&a, sizeof(a));
        memset(buf, 0, sizeof(buf));
        CHECK(recv(s1, buf, sizeof(buf), 0) == 4 && strcmp(buf, "peer") == 0, "connected UDP only receives from its peer");
        close(s3);
    }
    {
        struct sockaddr unspec = { .sa_family = AF_UNSPEC };
        CHECK_OK(connect(s1, &unspec, sizeof(unspec)), "connect AF_UNSPEC dissolves the association");
        fl = sizeof(from);
        CHECK_ERR(getpeername(s1, (struct sockaddr *)&from, &fl), ENOTCONN, "getpeername -> ENOTCONN after AF_UNSPEC");
    }

    /* ICMP port unreachable is reported on a connected socket. */
    {
        struct sockaddr_in d;
        int dead = bound4(&d);
        close(dead);
        connect(s1, (struct sockaddr *)&d, sizeof(d));
        send(s1, "void", 4, 0);
        struct pollfd pf = { s1, POLLIN, 0 };
        poll(&pf, 1, 1000);
        CHECK(pf.revents & POLLERR, "POLLERR after sending to a closed port");
        CHECK_ERR(recv(s1, buf, sizeof(buf), MSG_DONTWAIT), ECONNREFUSED, "recv -> ECONNREFUSED");
    }

    /* Timeouts and binding conflicts. */
    {
        struct timeval tv = { 0, 20000 };
        setsockopt(s2, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        CHECK_ERR(recv(s2, buf, sizeof(buf), 0), EAGAIN, "SO_RCVTIMEO 20ms: recv -> EAGAIN");
        int x = socket(AF_INET, SOCK_DGRAM, 0);
        CHECK_ERR(bind(x, (struct sockaddr *)&b, sizeof(b)), EADDRINUSE, "bind to a bound UDP port -> EADDRINUSE");
        close(x);
        fl = sizeof(v);
        CHECK(getsockopt(s2, SOL_SOCKET, SO_TYPE, &v, &fl) == 0 && v == SOCK_DGRAM, "SO_TYPE SOCK_DGRAM");
    }
    close(s1);
    close(s2);

    /* IPv6 ::1. */
    {
        struct sockaddr_in6 x6, y6, f6;
        socklen_t l = sizeof(x6);
        int t1 = socket(AF_INET6, SOCK_DGRAM, 0), t2 = socket(AF_INET6, SOCK_DGRAM, 0);
        memset(&x6, 0, sizeof(x6));
        x6.sin6_family = AF_INET6;
        x6.sin6_addr = in6addr_loopback;
        y6 = x6;
        if (t1 < 0 || t2 < 0 || bind(t1, (struct sockaddr *)&x6, sizeof(x6)) != 0 ||
            bind(t2, (struct sockaddr *)&y6, sizeof(y6)) != 0) {
            CHECK_SKIP("IPv6 ::1 sendto", "::1 unavailable");
            CHECK_SKIP("IPv6 recvfrom source address", "::1 unavailable");
            CHECK_SKIP("IPv6 MSG_TRUNC", "::1 unavailable");
        } else {
            getsockname(t1, (struct sockaddr *)&x6, &l);
            l = sizeof(y6);
            getsockname(t2, (struct sockaddr *)&y6, &l);
            CHECK_EQ(sendto(t1, "six", 3, 0, (struct sockaddr *)&y6, sizeof(y6)), 3, "IPv6 ::1 sendto");
            l = sizeof(f6);
            CHECK(recvfrom(t2, buf, sizeof(buf), 0, (struct sockaddr *)&f6, &l) == 3 && l == sizeof(f6) &&
                      f6.sin6_port == x6.sin6_port && memcmp(&f6.sin6_addr, &in6addr_loopback, 16) == 0,
                  "IPv6 recvfrom source address is [::1]:port");
            sendto(t1, "truncated", 9, 0, (struct sockaddr *)&y6, sizeof(y6));
            CHECK_EQ(recv(t2, buf, 2, MSG_TRUNC), 9, "IPv6 MSG_TRUNC returns full length");
        }
        if (t1 >= 0)
            close(t1);
        if (t2 >= 0)
            close(t2);
    }
    CHECK_DONE();
}
