/* socket_errors: errno cases of socket/bind/listen/accept/connect/socketpair: bad domain/type/protocol, ENOTSOCK, EBADF, EADDRINUSE, EADDRNOTAVAIL, privilege errors. */
/* syscalls: socket, socketpair, bind, listen, accept4, connect, getsockname, getpeername, setsockopt, getsockopt, shutdown, sendto, openat, fork, setgroups, setgid, setuid, wait4, close */
/* area: inet */
#include "check.h"
#include "nobody.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* Child bodies run as uid 65534; each returns 0 on success or the errno of its call. */
static int nb_raw(void)
{
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    return s >= 0 ? 0 : errno;
}

static int nb_lowport(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo(1023);
    return bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : errno;
}

static int nb_highport(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo(0);
    return bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : errno;
}

static int nb_rcvbufforce(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0), v = 65536;
    return setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == 0 ? 0 : errno;
}

int main(void)
{
    int s, t, u, nf, r, v, port;
    struct sockaddr_in sa;
    socklen_t l;
    char buf[8];
    int sv[2];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* socket() argument errors. */
    CHECK_ERR(socket(9999, SOCK_STREAM, 0), EAFNOSUPPORT, "socket bad domain -> EAFNOSUPPORT");
    CHECK_ERR(socket(AF_INET, 99, 0), EINVAL, "socket bad type 99 -> EINVAL");
    CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT, "SOCK_STREAM with IPPROTO_UDP -> EPROTONOSUPPORT");
    CHECK_ERR(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT, "SOCK_DGRAM with IPPROTO_TCP -> EPROTONOSUPPORT");
    CHECK_ERR(socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT, "AF_INET SOCK_SEQPACKET -> ESOCKTNOSUPPORT");
    CHECK_ERR(socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT, "AF_INET SOCK_RAW protocol 0 -> EPROTONOSUPPORT");
    CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 2), EPROTONOSUPPORT, "AF_UNIX protocol 2 -> EPROTONOSUPPORT");
    s = socket(AF_UNIX, SOCK_STREAM, PF_UNIX);
    CHECK(s >= 0, "AF_UNIX accepts protocol PF_UNIX (1)");
    close(s);
    s = socket(AF_UNIX, SOCK_RAW, 0);
    v = -1;
    l = sizeof(v);
    CHECK(s >= 0 && getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_DGRAM, "AF_UNIX SOCK_RAW is accepted as SOCK_DGRAM");
    close(s);
    CHECK_ERR(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP, "socketpair AF_INET -> EOPNOTSUPP");
    CHECK_ERR(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (int *)8), EFAULT, "socketpair bad sv pointer -> EFAULT");

    /* Non-socket and bad descriptors. */
    nf = open("/dev/null", O_RDWR);
    sa = lo(0);
    l = sizeof(sa);
    v = 1;
    CHECK_ERR(bind(nf, (struct sockaddr *)&sa, sizeof(sa)), ENOTSOCK, "bind on /dev/null -> ENOTSOCK");
    CHECK_ERR(listen(nf, 1), ENOTSOCK, "listen on /dev/null -> ENOTSOCK");
    CHECK_ERR(accept4(nf, NULL, NULL, 0), ENOTSOCK, "accept on /dev/null -> ENOTSOCK");
    CHECK_ERR(connect(nf, (struct sockaddr *)&sa, sizeof(sa)), ENOTSOCK, "connect on /dev/null -> ENOTSOCK");
    CHECK_ERR(getsockname(nf, (struct sockaddr *)&sa, &l), ENOTSOCK, "getsockname on /dev/null -> ENOTSOCK");
    CHECK_ERR(getpeername(nf, (struct sockaddr *)&sa, &l), ENOTSOCK, "getpeername on /dev/null -> ENOTSOCK");
    CHECK_ERR(setsockopt(nf, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), ENOTSOCK, "setsockopt on /dev/null -> ENOTSOCK");
    CHECK_ERR(send(nf, "x", 1, 0), ENOTSOCK, "send on /dev/null -> ENOTSOCK");
    close(nf); /* nf is now a closed descriptor */
    CHECK_ERR(bind(nf, (struct sockaddr *)&sa, sizeof(sa)), EBADF, "bind on a closed fd -> EBADF");
    CHECK_ERR(listen(nf, 1), EBADF, "listen on a closed fd -> EBADF");
    CHECK_ERR(accept4(-1, NULL, NULL, 0), EBADF, "accept on fd -1 -> EBADF");
    CHECK_ERR(connect(nf, (struct sockaddr *)&sa, sizeof(sa)), EBADF, "connect on a closed fd -> EBADF");

    /* bind() errors. */
    s = socket(AF_INET, SOCK_STREAM, 0);
    sa = lo(0);
    CHECK_OK(bind(s, (struct sockaddr *)&sa, sizeof(sa)), "bind 127.0.0.1:0");
    CHECK_ERR(bind(s, (struct sockaddr *)&sa, sizeof(sa)), EINVAL, "bind an already bound socket -> EINVAL");
    l = sizeof(sa);
    getsockname(s, (struct sockaddr *)&sa, &l);
    port = ntohs(sa.sin_port);
    t = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_ERR(bind(t, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE, "bind a port in use -> EADDRINUSE");
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    CHECK_ERR(bind(t, (struct sockaddr *)&sa, sizeof(sa)), EADDRINUSE, "bind INADDR_ANY on a port bound to 127.0.0.1 -> EADDRINUSE");
    sa = lo(0);
    inet_pton(AF_INET, "192.0.2.1", &sa.sin_addr); /* TEST-NET-1, never local */
    CHECK_ERR(bind(t, (struct sockaddr *)&sa, sizeof(sa)), EADDRNOTAVAIL, "bind a non-local address -> EADDRNOTAVAIL");
    sa = lo(0);
    CHECK_ERR(bind(t, (struct sockaddr *)&sa, sizeof(sa) - 1), EINVAL, "bind with addrlen 15 -> EINVAL");
    CHECK_ERR(bind(t, (struct sockaddr *)8, sizeof(sa)), EFAULT, "bind with a bad address pointer -> EFAULT");
    sa.sin_family = AF_INET6;
    CHECK_ERR(bind(t, (struct sockaddr *)&sa, sizeof(sa)), EAFNOSUPPORT, "bind with sin_family AF_INET6 on AF_INET -> EAFNOSUPPORT");
    sa = lo(0);
    CHECK_ERR(connect(t, (struct sockaddr *)&sa, 4), EINVAL, "connect with addrlen 4 -> EINVAL");

    /* listen/accept errors. */
    u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK_ERR(listen(u, 1), EOPNOTSUPP, "listen on UDP -> EOPNOTSUPP");
    CHECK_ERR(accept4(u, NULL, NULL, 0), EOPNOTSUPP, "accept on UDP -> EOPNOTSUPP");
    CHECK_ERR(accept4(s, NULL, NULL, 0), EINVAL, "accept on a bound, non-listening TCP socket -> EINVAL");
    CHECK_OK(listen(s, 1), "listen");
    CHECK_ERR(accept4(s, NULL, NULL, 0x1234), EINVAL, "accept4 with unknown flags -> EINVAL");
    sa = lo(port);
    CHECK_ERR(connect(s, (struct sockaddr *)&sa, sizeof(sa)), EISCONN, "connect on a listening socket -> EISCONN");
    CHECK_ERR(recv(s, buf, 1, MSG_DONTWAIT), ENOTCONN, "recv on a listening socket -> ENOTCONN");
    close(u);
    close(t);
    close(s);

    /* Privilege checks in a child running as uid 65534. */
    s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    CHECK(s >= 0, "SOCK_RAW as root succeeds"); /* needs root: CAP_NET_RAW */
    close(s);
    CHECK_EQ(as_nobody(nb_raw), EPERM, "SOCK_RAW as uid 65534 -> EPERM");
    {
        int start = 1024;
        FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "r");
        if (f) {
            if (fscanf(f, "%d", &start) != 1)
                start = 1024;
            fclose(f);
        }
        if (start > 1023)
            CHECK_EQ(as_nobody(nb_lowport), EACCES, "bind port 1023 as uid 65534 -> EACCES");
        else
            CHECK_SKIP("bind port 1023 as uid 65534 -> EACCES", "ip_unprivileged_port_start lowered");
    }
    CHECK_EQ(as_nobody(nb_highport), 0, "bind ephemeral port as uid 65534 succeeds");
    CHECK_EQ(as_nobody(nb_rcvbufforce), EPERM, "SO_RCVBUFFORCE as uid 65534 -> EPERM");
    r = socket(AF_INET, SOCK_DGRAM, 0);
    v = 65536;
    CHECK_OK(setsockopt(r, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)), "SO_RCVBUFFORCE as root"); /* needs root: CAP_NET_ADMIN */
    close(r);
    CHECK_DONE();
}
