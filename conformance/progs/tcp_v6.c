/* tcp_v6: TCP over AF_INET6 on ::1: bind/listen/connect/accept, sockaddr_in6 names, IPV6_V6ONLY and v4-mapped peers, inet_pton. */
/* syscalls: socket, bind, listen, connect, accept4, getsockname, getpeername, setsockopt, getsockopt, sendto, recvfrom, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in6 v6(const struct in6_addr *ad, int port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = *ad;
    return a;
}

static int geti(int fd, int level, int name)
{
    int v = -1;
    socklen_t l = sizeof(v);
    return getsockopt(fd, level, name, &v, &l) == 0 ? v : -1;
}

int main(void)
{
    int ls, c, a, r, port, one = 1;
    struct sockaddr_in6 sa, na;
    struct sockaddr_in s4;
    struct in6_addr any = IN6ADDR_ANY_INIT, loop = IN6ADDR_LOOPBACK_INIT, p;
    socklen_t l;
    char buf[64], txt[INET6_ADDRSTRLEN];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);

    /* Address parsing, no kernel involved but defines the expected bytes. */
    CHECK(inet_pton(AF_INET6, "::1", &p) == 1 && memcmp(&p, &loop, sizeof(p)) == 0, "inet_pton ::1 == in6addr_loopback");
    CHECK(inet_pton(AF_INET6, "::ffff:127.0.0.1", &p) == 1 && IN6_IS_ADDR_V4MAPPED(&p), "inet_pton v4-mapped address");
    CHECK_EQ(inet_pton(AF_INET6, "1:::2", &p), 0, "inet_pton rejects malformed address");

    ls = socket(AF_INET6, SOCK_STREAM, 0);
    if (ls < 0) {
        CHECK_SKIP("IPv6 TCP tests", "socket(AF_INET6) failed: no IPv6");
        CHECK_DONE();
    }
    sa = v6(&loop, 0);
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        CHECK_SKIP("IPv6 TCP tests", "::1 not available");
        close(ls);
        CHECK_DONE();
    }
    CHECK_EQ(geti(ls, SOL_SOCKET, SO_DOMAIN), AF_INET6, "SO_DOMAIN is AF_INET6");
    CHECK_OK(listen(ls, 8), "listen on [::1]");
    memset(&na, 0xff, sizeof(na));
    l = sizeof(na);
    r = getsockname(ls, (struct sockaddr *)&na, &l);
    CHECK(r == 0 && l == sizeof(struct sockaddr_in6), "getsockname length is sizeof(sockaddr_in6)");
    CHECK(na.sin6_family == AF_INET6 && memcmp(&na.sin6_addr, &loop, 16) == 0, "getsockname family AF_INET6, address ::1");
    CHECK(na.sin6_flowinfo == 0 && na.sin6_scope_id == 0, "sin6_flowinfo and sin6_scope_id are 0");
    port = ntohs(na.sin6_port);
    CHECK(port > 0, "ephemeral port assigned");
    l = sizeof(na);
    CHECK_ERR(getpeername(ls, (struct sockaddr *)&na, &l), ENOTCONN, "getpeername on listener -> ENOTCONN");

    c = socket(AF_INET6, SOCK_STREAM, 0);
    sa = v6(&loop, port);
    /* SIN6_LEN_RFC2133 (24, no sin6_scope_id) is the shortest accepted length. */
    CHECK_ERR(connect(c, (struct sockaddr *)&sa, 23), EINVAL, "connect with addrlen 23 (< 24) -> EINVAL");
    CHECK_OK(connect(c, (struct sockaddr *)&sa, 24), "connect to [::1]:port with the RFC 2133 length 24");
    memset(&na, 0, sizeof(na));
    l = sizeof(na);
    a = accept4(ls, (struct sockaddr *)&na, &l, 0);
    CHECK(a >= 0, "accept");
    CHECK(l == sizeof(na) && na.sin6_family == AF_INET6 && memcmp(&na.sin6_addr, &loop, 16) == 0, "accepted peer address is ::1");
    {
        struct sockaddr_in6 cn;
        socklen_t cl = sizeof(cn);
        getsockname(c, (struct sockaddr *)&cn, &cl);
        CHECK_EQ(na.sin6_port, cn.sin6_port, "accepted peer port equals the client's local port");
    }
    l = sizeof(na);
    r = getpeername(c, (struct sockaddr *)&na, &l);
    CHECK(r == 0 && ntohs(na.sin6_port) == port, "client getpeername port is the listener's");
    CHECK_EQ(send(c, "six", 3, 0), 3, "send over IPv6");
    CHECK(recv(a, buf, sizeof(buf), 0) == 3 && memcmp(buf, "six", 3) == 0, "receive over IPv6");
    CHECK(inet_ntop(AF_INET6, &na.sin6_addr, txt, sizeof(txt)) && strcmp(txt, "::1") == 0, "inet_ntop of the peer gives ::1");
    close(a);
    close(c);
    close(ls);

    /* Binding ::1 with sin6_scope_id nonzero: for a non-link-local address the scope is ignored. */
    ls = socket(AF_INET6, SOCK_STREAM, 0);
    sa = v6(&loop, 0);
    sa.sin6_scope_id = 1;
    CHECK_OK(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), "bind ::1 with sin6_scope_id 1 (ignored for non-link-local)");
    close(ls);

    /* Binding a v4 sockaddr to an AF_INET6 socket. */
    ls = socket(AF_INET6, SOCK_STREAM, 0);
    memset(&s4, 0, sizeof(s4));
    s4.sin_family = AF_INET;
    s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_ERR(bind(ls, (struct sockaddr *)&s4, sizeof(s4)), EINVAL, "bind sockaddr_in (short) to AF_INET6 socket -> EINVAL");
    close(ls);

    /* Dual-stack listener on [::]: v4 clients appear as v4-mapped. */
    ls = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK_EQ(geti(ls, IPPROTO_IPV6, IPV6_V6ONLY), 0, "IPV6_V6ONLY defaults to 0");
    sa = v6(&any, 0);
    r = bind(ls, (struct sockaddr *)&sa, sizeof(sa));
    CHECK(r == 0 && listen(ls, 8) == 0, "listen on [::]:0");
    l = sizeof(na);
    getsockname(ls, (struct sockaddr *)&na, &l);
    port = ntohs(na.sin6_port);
    CHECK_ERR(setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), EINVAL, "IPV6_V6ONLY cannot change after bind -> EINVAL");
    c = socket(AF_INET, SOCK_STREAM, 0);
    s4.sin_port = htons(port);
    CHECK_OK(connect(c, (struct sockaddr *)&s4, sizeof(s4)), "IPv4 connect from 127.0.0.1 to the [::] listener");
    memset(&na, 0, sizeof(na));
    l = sizeof(na);
    a = accept4(ls, (struct sockaddr *)&na, &l, 0);
    CHECK(a >= 0, "accept the IPv4 client");
    CHECK(na.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&na.sin6_addr), "peer reported as a v4-mapped IPv6 address");
    CHECK(memcmp(&na.sin6_addr.s6_addr[12], "\x7f\x00\x00\x01", 4) == 0, "mapped address embeds 127.0.0.1");
    CHECK(a >= 0 && send(a, "m", 1, 0) == 1 && recv(c, buf, 1, 0) == 1 && buf[0] == 'm', "data flows over the mapped connection");
    {
        struct sockaddr_in6 ln;
        socklen_t ll = sizeof(ln);
        r = getsockname(a, (struct sockaddr *)&ln, &ll);
        CHECK(r == 0 && IN6_IS_ADDR_V4MAPPED(&ln.sin6_addr), "accepted socket's local name is v4-mapped too");
    }
    close(a);
    close(c);
    close(ls);

    /* V6ONLY listener refuses IPv4 clients. The IPv4 port of the same number is free (V6ONLY sockets do
     * not reserve it); we hold it with a bound IPv4 socket so no concurrent process can listen there.
     * A concurrent process may already own it as an IPv4 ephemeral port: then retry with a new port. */
    {
        int res = -1, tries, v6only_rb = -1, set_ok = -1;
        ls = -1;
        for (tries = 0; tries < 8 && res < 0; tries++) {
            ls = socket(AF_INET6, SOCK_STREAM, 0);
            set_ok = setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
            v6only_rb = geti(ls, IPPROTO_IPV6, IPV6_V6ONLY);
            sa = v6(&any, 0);
            bind(ls, (struct sockaddr *)&sa, sizeof(sa));
            listen(ls, 8);
            l = sizeof(na);
            getsockname(ls, (struct sockaddr *)&na, &l);
            port = ntohs(na.sin6_port);
            res = socket(AF_INET, SOCK_STREAM, 0);
            s4.sin_port = htons(port);
            if (bind(res, (struct sockaddr *)&s4, sizeof(s4)) != 0) {
                close(res);
                res = -1;
                close(ls);
            }
        }
        CHECK_OK(set_ok, "set IPV6_V6ONLY 1 before bind");
        CHECK_EQ(v6only_rb, 1, "IPV6_V6ONLY reads back 1");
        CHECK(res >= 0, "IPv4 bind to the port of a V6ONLY [::] listener succeeds");
        if (res >= 0) {
            c = socket(AF_INET, SOCK_STREAM, 0);
            CHECK_ERR(connect(c, (struct sockaddr *)&s4, sizeof(s4)), ECONNREFUSED, "IPv4 connect to V6ONLY listener -> ECONNREFUSED");
            close(c);
            c = socket(AF_INET6, SOCK_STREAM, 0);
            sa = v6(&loop, port);
            CHECK_OK(connect(c, (struct sockaddr *)&sa, sizeof(sa)), "IPv6 connect to V6ONLY listener works");
            close(c);
            close(res);
            close(ls);
        }
    }

    /* IPv6 socket connecting to a v4-mapped address. */
    ls = socket(AF_INET, SOCK_STREAM, 0);
    s4.sin_port = 0;
    bind(ls, (struct sockaddr *)&s4, sizeof(s4));
    listen(ls, 8);
    l = sizeof(s4);
    getsockname(ls, (struct sockaddr *)&s4, &l);
    c = socket(AF_INET6, SOCK_STREAM, 0);
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &p);
    sa = v6(&p, ntohs(s4.sin_port));
    CHECK_OK(connect(c, (struct sockaddr *)&sa, sizeof(sa)), "AF_INET6 socket connects to ::ffff:127.0.0.1 (IPv4 listener)");
    memset(&s4, 0, sizeof(s4));
    l = sizeof(s4);
    a = accept4(ls, (struct sockaddr *)&s4, &l, 0);
    CHECK(a >= 0 && s4.sin_family == AF_INET && s4.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "IPv4 listener sees a plain 127.0.0.1 peer");
    close(a);
    close(c);
    close(ls);
    CHECK_DONE();
}
