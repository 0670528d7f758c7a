/* sock_names: getsockname/getpeername/accept addresses for AF_INET and AF_UNIX: bound, connected, unnamed, truncation, ENOTCONN. */
/* syscalls: socket, socketpair, bind, listen, connect, accept4, getsockname, getpeername, unlink, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int main(void)
{
    int s, c, a, r, port, sv[2];
    struct sockaddr_in sa, na;
    struct sockaddr_un ua, un;
    struct sockaddr_storage st;
    socklen_t l;
    char path[64];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Unbound IPv4 socket. */
    s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&na, 0xff, sizeof(na));
    l = sizeof(na);
    r = getsockname(s, (struct sockaddr *)&na, &l);
    CHECK(r == 0 && l == sizeof(na) && na.sin_family == AF_INET && na.sin_port == 0 && na.sin_addr.s_addr == 0,
          "unbound TCP socket name is 0.0.0.0:0");
    l = sizeof(na);
    CHECK_ERR(getpeername(s, (struct sockaddr *)&na, &l), ENOTCONN, "getpeername unconnected TCP -> ENOTCONN");
    l = (socklen_t)-1;
    CHECK_ERR(getsockname(s, (struct sockaddr *)&na, &l), EINVAL, "getsockname negative addrlen -> EINVAL");
    l = sizeof(na);
    CHECK_ERR(syscall(SYS_getsockname, s, (struct sockaddr *)8, &l), EFAULT, "getsockname bad address pointer -> EFAULT");
    CHECK_ERR(syscall(SYS_getsockname, s, &na, (socklen_t *)8), EFAULT, "getsockname bad addrlen pointer -> EFAULT");

    /* Bound to INADDR_ANY, listening. */
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    CHECK_OK(bind(s, (struct sockaddr *)&sa, sizeof(sa)), "bind 0.0.0.0:0");
    listen(s, 4);
    l = sizeof(na);
    r = getsockname(s, (struct sockaddr *)&na, &l);
    port = ntohs(na.sin_port);
    CHECK(r == 0 && na.sin_addr.s_addr == htonl(INADDR_ANY) && port > 0, "bound name 0.0.0.0:port");
    /* Truncation: only addrlen bytes copied, full length reported. */
    memset(&na, 0xee, sizeof(na));
    l = 4;
    r = getsockname(s, (struct sockaddr *)&na, &l);
    CHECK(r == 0 && l == sizeof(struct sockaddr_in), "truncated getsockname reports full length 16");
    CHECK(na.sin_family == AF_INET && ntohs(na.sin_port) == port && na.sin_addr.s_addr == 0xeeeeeeee,
          "only the first 4 bytes were written");
    l = 0;
    r = getsockname(s, (struct sockaddr *)&na, &l);
    CHECK(r == 0 && l == sizeof(struct sockaddr_in), "addrlen 0: nothing copied, length still reported");

    /* Connected pair. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    CHECK_OK(connect(c, (struct sockaddr *)&sa, sizeof(sa)), "connect to 127.0.0.1:port");
    memset(&na, 0, sizeof(na));
    l = sizeof(na);
    a = accept4(s, (struct sockaddr *)&na, &l, 0);
    CHECK(a >= 0 && l == sizeof(na) && na.sin_family == AF_INET && na.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "accept returns the peer address 127.0.0.1");
    {
        struct sockaddr_in cn, pn, an;
        socklen_t cl = sizeof(cn), pl = sizeof(pn), al = sizeof(an);
        getsockname(c, (struct sockaddr *)&cn, &cl);
        CHECK(cn.sin_port != 0 && cn.sin_port == na.sin_port, "accept's peer port is the client's local port");
        r = getpeername(a, (struct sockaddr *)&pn, &pl);
        CHECK(r == 0 && pn.sin_port == cn.sin_port && pn.sin_addr.s_addr == cn.sin_addr.s_addr, "getpeername(accepted) == getsockname(client)");
        r = getsockname(a, (struct sockaddr *)&an, &al);
        CHECK(r == 0 && an.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(an.sin_port) == port,
              "accepted socket's local name is the concrete 127.0.0.1:port, not 0.0.0.0");
        pl = sizeof(pn);
        r = getpeername(c, (struct sockaddr *)&pn, &pl);
        CHECK(r == 0 && ntohs(pn.sin_port) == port && pn.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "client getpeername is the server");
        l = sizeof(st);
        r = getpeername(c, (struct sockaddr *)&st, &l);
        CHECK(r == 0 && l == sizeof(struct sockaddr_in), "getpeername with a large buffer reports 16");
    }
    close(a);
    close(c);
    close(s);

    /* UDP unconnected. */
    s = socket(AF_INET, SOCK_DGRAM, 0);
    l = sizeof(na);
    CHECK_ERR(getpeername(s, (struct sockaddr *)&na, &l), ENOTCONN, "getpeername unconnected UDP -> ENOTCONN");
    close(s);

    /* AF_UNIX. */
    snprintf(path, sizeof(path), "/tmp/sock_names.%d%s", (int)getpid(), CONF_TAG);
    unlink(path);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&un, 0xff, sizeof(un));
    l = sizeof(un);
    r = getsockname(s, (struct sockaddr *)&un, &l);
    CHECK(r == 0 && l == sizeof(sa_family_t) && un.sun_family == AF_UNIX, "unnamed unix socket: name is just the family (addrlen 2)");
    l = sizeof(un);
    CHECK_ERR(getpeername(s, (struct sockaddr *)&un, &l), ENOTCONN, "getpeername unconnected unix -> ENOTCONN");
    memset(&ua, 0, sizeof(ua));
    ua.sun_family = AF_UNIX;
    strcpy(ua.sun_path, path);
    CHECK_OK(bind(s, (struct sockaddr *)&ua, sizeof(ua)), "bind unix path");
    listen(s, 4);
    memset(&un, 0, sizeof(un));
    l = sizeof(un);
    r = getsockname(s, (struct sockaddr *)&un, &l);
    CHECK(r == 0 && l == offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1, "bound unix name length = offsetof + strlen + 1");
    CHECK_STREQ(un.sun_path, path, "bound unix name is the path");
    l = 5;
    memset(&un, 0, sizeof(un));
    r = getsockname(s, (struct sockaddr *)&un, &l);
    CHECK(r == 0 && l == offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1 && un.sun_path[3] == 0,
          "truncated unix getsockname copies 5 bytes, reports full length");
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(connect(c, (struct sockaddr *)&ua, sizeof(ua)), "connect to the unix listener");
    memset(&un, 0xff, sizeof(un));
    l = sizeof(un);
    a = accept4(s, (struct sockaddr *)&un, &l, 0);
    CHECK(a >= 0 && l == sizeof(sa_family_t) && un.sun_family == AF_UNIX, "accept from an unbound unix client: addrlen 2");
    l = sizeof(un);
    r = getpeername(c, (struct sockaddr *)&un, &l);
    CHECK(r == 0 && strcmp(un.sun_path, path) == 0, "client getpeername is the listener path");
    l = sizeof(un);
    r = getsockname(a, (struct sockaddr *)&un, &l);
    CHECK(r == 0 && strcmp(un.sun_path, path) == 0, "accepted socket getsockname is the listener path");
    l = sizeof(un);
    r = getpeername(a, (struct sockaddr *)&un, &l);
    CHECK(r == 0 && l == sizeof(sa_family_t), "accepted socket getpeername of unbound client: addrlen 2");
    l = sizeof(un);
    r = getsockname(c, (struct sockaddr *)&un, &l);
    CHECK(r == 0 && l == sizeof(sa_family_t), "connected unbound client stays unnamed");
    close(a);
    close(c);
    close(s);
    unlink(path);

    /* socketpair. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair");
    l = sizeof(un);
    r = getpeername(sv[0], (struct sockaddr *)&un, &l);
    CHECK(r == 0 && l == sizeof(sa_family_t) && un.sun_family == AF_UNIX, "socketpair getpeername: family only");
    l = sizeof(un);
    r = getsockname(sv[1], (struct sockaddr *)&un, &l);
    CHECK(r == 0 && l == sizeof(sa_family_t), "socketpair getsockname: family only");
    close(sv[0]);
    close(sv[1]);
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair SOCK_DGRAM");
    l = sizeof(un);
    r = getpeername(sv[0], (struct sockaddr *)&un, &l);
    CHECK(r == 0 && l == sizeof(sa_family_t), "dgram socketpair is connected (getpeername succeeds)");
    close(sv[0]);
    close(sv[1]);
    CHECK_DONE();
}
