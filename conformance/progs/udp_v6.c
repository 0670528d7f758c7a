/* udp_v6: UDP over AF_INET6 on ::1: sendto/recvfrom source addresses, connect filtering, MSG_TRUNC, empty datagrams, IPV6_RECVPKTINFO, family errors. */
/* syscalls: socket, bind, connect, getsockname, getpeername, setsockopt, getsockopt, sendto, recvfrom, sendmsg, recvmsg, poll, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in6 v6(int port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    return a;
}

static int port_of(int fd)
{
    struct sockaddr_in6 a;
    socklen_t l = sizeof(a);
    return getsockname(fd, (struct sockaddr *)&a, &l) == 0 ? ntohs(a.sin6_port) : -1;
}

static int readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

int main(void)
{
    int s, t, u, r, ps, pt, pu, one = 1;
    struct sockaddr_in6 sa, from;
    struct sockaddr_in s4;
    socklen_t l;
    char buf[256];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    s = socket(AF_INET6, SOCK_DGRAM, 0);
    if (s < 0) {
        CHECK_SKIP("IPv6 UDP tests", "socket(AF_INET6) failed: no IPv6");
        CHECK_DONE();
    }
    sa = v6(0);
    if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        CHECK_SKIP("IPv6 UDP tests", "::1 not available");
        CHECK_DONE();
    }
    t = socket(AF_INET6, SOCK_DGRAM, 0);
    u = socket(AF_INET6, SOCK_DGRAM, 0);
    CHECK(t >= 0 && u >= 0 && bind(t, (struct sockaddr *)&sa, sizeof(sa)) == 0 && bind(u, (struct sockaddr *)&sa, sizeof(sa)) == 0,
          "three UDP sockets bound to [::1]:0");
    ps = port_of(s);
    pt = port_of(t);
    pu = port_of(u);
    CHECK(ps > 0 && pt > 0 && pu > 0 && ps != pt && pt != pu && ps != pu, "distinct ephemeral ports");

    /* sendto / recvfrom with the source address. */
    sa = v6(pt);
    CHECK_EQ(sendto(s, "hello6", 6, 0, (struct sockaddr *)&sa, sizeof(sa)), 6, "sendto [::1]:t");
    memset(&from, 0, sizeof(from));
    l = sizeof(from);
    r = readable(t, 2000) ? recvfrom(t, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l) : -1;
    CHECK(r == 6 && memcmp(buf, "hello6", 6) == 0, "recvfrom gets the datagram");
    CHECK(l == sizeof(struct sockaddr_in6) && from.sin6_family == AF_INET6, "source address is a sockaddr_in6");
    CHECK(ntohs(from.sin6_port) == ps && memcmp(&from.sin6_addr, &in6addr_loopback, 16) == 0, "source is [::1]:s");
    l = 8;
    sendto(s, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
    r = readable(t, 2000) ? recvfrom(t, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l) : -1;
    CHECK(r == 1 && l == sizeof(struct sockaddr_in6), "short addrlen buffer: recvfrom reports the full address length");

    /* MSG_TRUNC reports the real length; excess is discarded. */
    sendto(s, "0123456789", 10, 0, (struct sockaddr *)&sa, sizeof(sa));
    r = readable(t, 2000) ? recv(t, buf, 4, MSG_TRUNC) : -1;
    CHECK_EQ(r, 10, "recv(4, MSG_TRUNC) returns the full datagram length 10");
    CHECK(memcmp(buf, "0123", 4) == 0, "first 4 bytes copied");
    CHECK_ERR(recv(t, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "rest of a truncated datagram is discarded");
    {
        struct msghdr mh;
        struct iovec iov = {buf, 3};
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        sendto(s, "abcdef", 6, 0, (struct sockaddr *)&sa, sizeof(sa));
        r = readable(t, 2000) ? recvmsg(t, &mh, 0) : -1;
        CHECK(r == 3 && (mh.msg_flags & MSG_TRUNC), "recvmsg into short buffer: returns 3, msg_flags MSG_TRUNC");
    }

    /* Zero-length datagram. */
    CHECK_EQ(sendto(s, "", 0, 0, (struct sockaddr *)&sa, sizeof(sa)), 0, "send a zero-length datagram");
    r = readable(t, 2000) ? recvfrom(t, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l) : -1;
    CHECK_EQ(r, 0, "zero-length datagram received as 0 bytes");
    CHECK_ERR(recv(t, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "queue empty after the empty datagram");

    /* connect() filters other sources and sets the default destination. */
    sa = v6(ps);
    CHECK_OK(connect(t, (struct sockaddr *)&sa, sizeof(sa)), "connect t to s");
    l = sizeof(from);
    r = getpeername(t, (struct sockaddr *)&from, &l);
    CHECK(r == 0 && ntohs(from.sin6_port) == ps, "getpeername reports s");
    sa = v6(pt);
    sendto(u, "from-u", 6, 0, (struct sockaddr *)&sa, sizeof(sa));
    sendto(s, "from-s", 6, 0, (struct sockaddr *)&sa, sizeof(sa));
    r = readable(t, 2000) ? recv(t, buf, sizeof(buf), 0) : -1;
    CHECK(r == 6 && memcmp(buf, "from-s", 6) == 0, "connected socket receives only from its peer");
    CHECK_ERR(recv(t, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "datagram from another source was dropped");
    CHECK_EQ(send(t, "reply", 5, 0), 5, "send without address on connected socket");
    r = readable(s, 2000) ? recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l) : -1;
    CHECK(r == 5 && ntohs(from.sin6_port) == pt, "reply arrives from t");
    CHECK_ERR(send(u, "x", 1, 0), EDESTADDRREQ, "send without address on unconnected socket -> EDESTADDRREQ");

    /* IPV6_RECVPKTINFO gives the destination address. */
    CHECK_OK(setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)), "set IPV6_RECVPKTINFO");
    {
        struct msghdr mh;
        struct iovec iov = {buf, sizeof(buf)};
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        } cb;
        struct cmsghdr *cm;
        int found = 0;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cb.b;
        mh.msg_controllen = sizeof(cb.b);
        sa = v6(ps);
        sendto(u, "pi", 2, 0, (struct sockaddr *)&sa, sizeof(sa));
        r = readable(s, 2000) ? recvmsg(s, &mh, 0) : -1;
        CHECK_EQ(r, 2, "recvmsg with control buffer");
        for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
            if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
                struct in6_pktinfo pi;
                memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
                found = memcmp(&pi.ipi6_addr, &in6addr_loopback, 16) == 0 && pi.ipi6_ifindex > 0;
            }
        CHECK(found, "IPV6_PKTINFO cmsg carries destination ::1 and an interface index");
        CHECK(!(mh.msg_flags & MSG_CTRUNC), "no MSG_CTRUNC");
    }

    /* Address family mismatches (observed Linux errnos). */
    memset(&s4, 0, sizeof(s4));
    s4.sin_family = AF_INET;
    s4.sin_port = htons(ps);
    s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* u is bound to ::1 (not dual-stack): an IPv4 destination is unreachable. */
    CHECK_ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&s4, sizeof(s4)), ENETUNREACH, "sendto a sockaddr_in from an AF_INET6 socket bound to ::1 -> ENETUNREACH");
    {
        /* An unbound dual-stack AF_INET6 socket may send to a plain sockaddr_in. */
        int d6 = socket(AF_INET6, SOCK_DGRAM, 0), v4 = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in b4 = s4;
        b4.sin_port = 0;
        bind(v4, (struct sockaddr *)&b4, sizeof(b4));
        l = sizeof(b4);
        getsockname(v4, (struct sockaddr *)&b4, &l);
        CHECK_EQ(sendto(d6, "v4", 2, 0, (struct sockaddr *)&b4, sizeof(b4)), 2, "unbound AF_INET6 socket sendto a sockaddr_in");
        r = readable(v4, 2000) ? recv(v4, buf, sizeof(buf), 0) : -1;
        CHECK(r == 2 && memcmp(buf, "v4", 2) == 0, "IPv4 socket receives it");
        CHECK_ERR(setsockopt(d6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), EINVAL, "IPV6_V6ONLY after sendto autobound the socket -> EINVAL");
        close(d6);
        d6 = socket(AF_INET6, SOCK_DGRAM, 0);
        CHECK_OK(setsockopt(d6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), "set IPV6_V6ONLY on a fresh socket");
        CHECK_ERR(sendto(d6, "v4", 2, 0, (struct sockaddr *)&b4, sizeof(b4)), ENETUNREACH, "V6ONLY socket sendto a sockaddr_in -> ENETUNREACH");
        close(d6);
        close(v4);
    }
    sa = v6(ps);
    sa.sin6_family = AF_UNIX;
    CHECK_ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)), EINVAL, "sendto an address with family AF_UNIX -> EINVAL");
    sa = v6(ps);
    CHECK_ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&sa, 20), EINVAL, "sendto with addrlen 20 (< 24) -> EINVAL");
    {
        int v4 = socket(AF_INET, SOCK_DGRAM, 0);
        sa = v6(ps);
        CHECK_EQ(sendto(v4, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) == -1 ? errno : 0, EAFNOSUPPORT,
                 "sendto a sockaddr_in6 from an AF_INET socket -> EAFNOSUPPORT");
        close(v4);
    }
    sa = v6(0);
    CHECK_ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)), EINVAL, "sendto port 0 -> EINVAL");

    /* Sending to a closed port: unconnected sockets see nothing; connected get ECONNREFUSED. */
    {
        int d = socket(AF_INET6, SOCK_DGRAM, 0), dead;
        sa = v6(0);
        bind(d, (struct sockaddr *)&sa, sizeof(sa));
        dead = port_of(d);
        close(d);
        sa = v6(dead);
        connect(u, (struct sockaddr *)&sa, sizeof(sa));
        send(u, "x", 1, 0);
        struct pollfd p = {u, POLLIN, 0};
        poll(&p, 1, 2000);
        CHECK(p.revents & POLLERR, "connected socket to closed port: POLLERR after ICMPv6 unreachable");
        CHECK_ERR(recv(u, buf, sizeof(buf), MSG_DONTWAIT), ECONNREFUSED, "recv -> ECONNREFUSED");
    }
    close(s);
    close(t);
    close(u);
    CHECK_DONE();
}
