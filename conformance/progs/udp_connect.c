/* udp_connect: connected UDP over 127.0.0.1: default peer, source filtering, AF_UNSPEC disconnect, boundaries, MSG_PEEK, EMSGSIZE, small SO_RCVBUF drops, ICMP ECONNREFUSED. */
/* syscalls: socket, bind, connect, getsockname, getpeername, setsockopt, sendto, recvfrom, ioctl, poll, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
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

static int udp_bound(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = lo(0);
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(s);
        return -1;
    }
    return s;
}

static int readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

int main(void)
{
    int a, b, o, c, r, pa, pb, po, n;
    struct sockaddr_in sa, from;
    socklen_t l;
    static char buf[70000];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    a = udp_bound();
    b = udp_bound();
    o = udp_bound();
    CHECK(a >= 0 && b >= 0 && o >= 0, "three UDP sockets on 127.0.0.1:0");
    if (a < 0 || b < 0 || o < 0)
        CHECK_DONE();
    pa = port_of(a);
    pb = port_of(b);
    po = port_of(o);

    CHECK_ERR(send(a, "x", 1, 0), EDESTADDRREQ, "send on unconnected UDP -> EDESTADDRREQ");
    l = sizeof(from);
    CHECK_ERR(getpeername(a, (struct sockaddr *)&from, &l), ENOTCONN, "getpeername unconnected -> ENOTCONN");

    sa = lo(pb);
    CHECK_OK(connect(a, (struct sockaddr *)&sa, sizeof(sa)), "connect a -> b");
    l = sizeof(from);
    r = getpeername(a, (struct sockaddr *)&from, &l);
    CHECK(r == 0 && ntohs(from.sin_port) == pb && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "getpeername is b");
    CHECK_EQ(send(a, "one", 3, 0), 3, "send without address to the default peer");
    l = sizeof(from);
    r = readable(b, 2000) ? recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l) : -1;
    CHECK(r == 3 && memcmp(buf, "one", 3) == 0 && ntohs(from.sin_port) == pa, "b receives it from a");
    CHECK_EQ(write(a, "two", 3), 3, "write() works on a connected UDP socket");
    r = readable(b, 2000) ? read(b, buf, sizeof(buf)) : -1;
    CHECK_EQ(r, 3, "b reads the write()");

    /* Source filtering. */
    sa = lo(pa);
    sendto(o, "other", 5, 0, (struct sockaddr *)&sa, sizeof(sa));
    sendto(b, "peer", 4, 0, (struct sockaddr *)&sa, sizeof(sa));
    r = readable(a, 2000) ? recv(a, buf, sizeof(buf), 0) : -1;
    CHECK(r == 4 && memcmp(buf, "peer", 4) == 0, "connected socket receives from its peer");
    CHECK_ERR(recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "datagram from a third socket was not queued");

    /* Explicit destination on a connected socket overrides the default (Linux). */
    sa = lo(po);
    CHECK_EQ(sendto(a, "expl", 4, 0, (struct sockaddr *)&sa, sizeof(sa)), 4, "sendto another address on a connected socket");
    r = readable(o, 2000) ? recv(o, buf, sizeof(buf), 0) : -1;
    CHECK_EQ(r, 4, "the explicit destination receives it");

    /* Boundaries, MSG_PEEK, FIONREAD. */
    send(a, "1", 1, 0);
    send(a, "22", 2, 0);
    send(a, "333", 3, 0);
    readable(b, 2000);
    n = -1;
    CHECK(ioctl(b, FIONREAD, &n) == 0 && n == 1, "FIONREAD reports the size of the first datagram (1)");
    r = recv(b, buf, sizeof(buf), MSG_PEEK);
    CHECK(r == 1 && buf[0] == '1', "MSG_PEEK returns the first datagram");
    r = recv(b, buf, sizeof(buf), MSG_PEEK);
    CHECK(r == 1 && buf[0] == '1', "second MSG_PEEK returns it again");
    CHECK(recv(b, buf, sizeof(buf), 0) == 1 && buf[0] == '1', "recv consumes datagram 1");
    r = readable(b, 2000) ? recv(b, buf, sizeof(buf), 0) : -1;
    CHECK(r == 2 && memcmp(buf, "22", 2) == 0, "datagram 2 separately (boundaries preserved)");
    r = readable(b, 2000) ? recv(b, buf, 2, 0) : -1;
    CHECK(r == 2 && memcmp(buf, "33", 2) == 0, "datagram 3 truncated to the buffer");
    CHECK_ERR(recv(b, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "truncated tail discarded, queue empty");

    /* Size limits. */
    CHECK_ERR(send(a, buf, 65508, 0), EMSGSIZE, "65508-byte IPv4 datagram -> EMSGSIZE");
    CHECK_EQ(send(a, buf, 65507, 0), 65507, "65507-byte datagram (maximum) accepted");
    r = readable(b, 2000) ? recv(b, buf, sizeof(buf), 0) : -1;
    CHECK_EQ(r, 65507, "maximum datagram received whole");

    /* AF_UNSPEC disconnects. */
    sa.sin_family = AF_UNSPEC;
    CHECK_OK(connect(a, (struct sockaddr *)&sa, sizeof(sa)), "connect(AF_UNSPEC) disconnects");
    l = sizeof(from);
    CHECK_ERR(getpeername(a, (struct sockaddr *)&from, &l), ENOTCONN, "getpeername after disconnect -> ENOTCONN");
    /* Observed Linux: a port chosen by bind(port 0) is not locked, so disconnect releases it. */
    l = sizeof(from);
    r = getsockname(a, (struct sockaddr *)&from, &l);
    CHECK(r == 0 && from.sin_port == 0 && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "after disconnect: ephemeral port released (0), bound address 127.0.0.1 kept");
    CHECK_ERR(send(a, "x", 1, 0), EDESTADDRREQ, "send after disconnect -> EDESTADDRREQ");
    pa = port_of(a);
    CHECK(pa > 0, "the send attempt autobound a new port");
    sa = lo(pa);
    sendto(o, "free", 4, 0, (struct sockaddr *)&sa, sizeof(sa));
    r = readable(a, 2000) ? recv(a, buf, sizeof(buf), 0) : -1;
    CHECK(r == 4 && memcmp(buf, "free", 4) == 0, "disconnected socket receives from anyone again");

    /* Connecting an unbound socket autobinds it to the loopback address. */
    c = socket(AF_INET, SOCK_DGRAM, 0);
    sa = lo(pb);
    connect(c, (struct sockaddr *)&sa, sizeof(sa));
    l = sizeof(from);
    r = getsockname(c, (struct sockaddr *)&from, &l);
    CHECK(r == 0 && ntohs(from.sin_port) != 0 && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "connect autobinds to 127.0.0.1:ephemeral");
    close(c);

    /* Small receive buffer: excess datagrams are dropped, not queued. */
    {
        int small = 1, got = 0, i;
        setsockopt(o, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        sa = lo(po);
        for (i = 0; i < 40; i++)
            sendto(b, buf, 1000, 0, (struct sockaddr *)&sa, sizeof(sa));
        while (readable(o, got ? 50 : 2000) && recv(o, buf, sizeof(buf), MSG_DONTWAIT) == 1000)
            got++;
        CHECK(got >= 1 && got < 40, "tiny SO_RCVBUF: some but not all of 40 datagrams delivered");
    }

    /* ICMP port unreachable on a connected socket. */
    c = udp_bound();
    {
        int dead = port_of(c);
        close(c);
        sa = lo(dead);
        c = socket(AF_INET, SOCK_DGRAM, 0);
        connect(c, (struct sockaddr *)&sa, sizeof(sa));
        CHECK_EQ(send(c, "x", 1, 0), 1, "send to a closed port succeeds locally");
        struct pollfd p = {c, POLLIN, 0};
        poll(&p, 1, 2000);
        CHECK(p.revents & POLLERR, "POLLERR after ICMP port unreachable");
        CHECK_ERR(recv(c, buf, sizeof(buf), MSG_DONTWAIT), ECONNREFUSED, "recv -> ECONNREFUSED");
        CHECK_ERR(recv(c, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "error reported once, then EAGAIN");
        send(c, "y", 1, 0);
        poll(&p, 1, 2000);
        CHECK_ERR(send(c, "z", 1, 0), ECONNREFUSED, "pending ICMP error also reported by the next send");
        close(c);
        /* An unconnected socket does not get the error. */
        c = socket(AF_INET, SOCK_DGRAM, 0);
        sendto(c, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
        p.fd = c;
        p.revents = 0;
        poll(&p, 1, 100);
        CHECK_ERR(recv(c, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "unconnected socket ignores ICMP unreachable");
        close(c);
    }
    close(a);
    close(b);
    close(o);
    CHECK_DONE();
}
