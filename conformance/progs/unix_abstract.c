/* unix_abstract: abstract AF_UNIX names: bind/connect, exact getsockname length, EADDRINUSE, no filesystem entry, autobind, embedded NULs. */
/* syscalls: socket, bind, listen, connect, accept4, getsockname, getpeername, sendto, recvfrom, openat, read, close */
/* area: unix */
#include "check.h"

#include <ctype.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Abstract address: NUL + text (no terminator); returns its length. */
static socklen_t abs_addr(struct sockaddr_un *a, const char *text)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, text, strlen(text));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(text);
}

/* Is the abstract name listed in /proc/net/unix? */
static int in_proc_net_unix(const char *text)
{
    static char buf[1 << 20];
    char pat[128];
    int fd = open("/proc/net/unix", O_RDONLY), n = 0, r;
    if (fd < 0)
        return -1;
    while (n < (int)sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    snprintf(pat, sizeof(pat), " @%s\n", text);
    return strstr(buf, pat) != NULL;
}

int main(void)
{
    int ls, c, a, s, t, r;
    struct sockaddr_un ua, na, ub;
    socklen_t al, l, bl;
    char name[48], name2[64], buf[64];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(name, sizeof(name), "unix_abstract.%d%s", (int)getpid(), CONF_TAG);

    ls = socket(AF_UNIX, SOCK_STREAM, 0);
    al = abs_addr(&ua, name);
    CHECK_OK(bind(ls, (struct sockaddr *)&ua, al), "bind abstract name");
    CHECK_OK(listen(ls, 4), "listen");
    memset(&na, 0x55, sizeof(na));
    l = sizeof(na);
    r = getsockname(ls, (struct sockaddr *)&na, &l);
    CHECK(r == 0 && l == al, "getsockname length is exactly the bound length (no terminator)");
    CHECK(na.sun_path[0] == 0 && memcmp(na.sun_path + 1, name, strlen(name)) == 0, "name starts with NUL then the text");
    CHECK_EQ(access(name, F_OK) == 0 || access(ua.sun_path + 1, F_OK) == 0, 0, "no filesystem entry created");
    CHECK_EQ(in_proc_net_unix(name), 1, "listed in /proc/net/unix with an '@' prefix");

    /* Name collision. */
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(bind(s, (struct sockaddr *)&ua, al), EADDRINUSE, "second bind to the same abstract name -> EADDRINUSE");
    t = socket(AF_UNIX, SOCK_DGRAM, 0);
    /* Observed Linux: the abstract lookup is keyed by socket type too. */
    CHECK_OK(bind(t, (struct sockaddr *)&ua, al), "a SOCK_DGRAM socket may bind the same name as a SOCK_STREAM one");
    close(t);

    /* Length matters: a prefix is a different name. */
    CHECK_OK(bind(s, (struct sockaddr *)&ua, al - 1), "bind the name minus its last byte is a distinct name");
    close(s);

    /* Connect / accept. */
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(connect(c, (struct sockaddr *)&ua, al), "connect to the abstract name");
    memset(&na, 0, sizeof(na));
    l = sizeof(na);
    a = accept4(ls, (struct sockaddr *)&na, &l, 0);
    CHECK(a >= 0 && l == sizeof(sa_family_t), "accept from an unbound client: addrlen 2");
    l = sizeof(na);
    r = getpeername(c, (struct sockaddr *)&na, &l);
    CHECK(r == 0 && l == al && memcmp(na.sun_path, ua.sun_path, al - offsetof(struct sockaddr_un, sun_path)) == 0, "client getpeername is the abstract name");
    CHECK(a >= 0 && send(c, "abs", 3, 0) == 3 && recv(a, buf, sizeof(buf), 0) == 3, "data over the abstract connection");
    close(a);
    close(c);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&ua, al + 1), ECONNREFUSED, "connect with one extra NUL byte: different name -> ECONNREFUSED");
    close(c);

    /* Release on close. */
    close(ls);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(bind(s, (struct sockaddr *)&ua, al), "name is free again once the socket is closed");
    CHECK_EQ(in_proc_net_unix(name), 1, "rebound name listed");
    close(s);
    CHECK_EQ(in_proc_net_unix(name), 0, "closed socket's name no longer listed");
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&ua, al), ECONNREFUSED, "connect to an unused abstract name -> ECONNREFUSED");
    close(c);

    /* Autobind: addrlen == sizeof(sa_family_t). */
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    memset(&ub, 0, sizeof(ub));
    ub.sun_family = AF_UNIX;
    CHECK_OK(bind(s, (struct sockaddr *)&ub, sizeof(sa_family_t)), "bind with addrlen 2 autobinds");
    memset(&na, 0, sizeof(na));
    l = sizeof(na);
    r = getsockname(s, (struct sockaddr *)&na, &l);
    {
        int hex = 1, i;
        for (i = 1; i <= 5; i++)
            if (!isxdigit((unsigned char)na.sun_path[i]) || isupper((unsigned char)na.sun_path[i]))
                hex = 0;
        CHECK(r == 0 && l == offsetof(struct sockaddr_un, sun_path) + 6, "autobound name length is NUL + 5 bytes");
        CHECK(na.sun_path[0] == 0 && hex, "autobound name is NUL + 5 lowercase hex digits");
    }
    /* Another socket can reach the autobound name. */
    t = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_EQ(sendto(t, "auto", 4, 0, (struct sockaddr *)&na, l), 4, "sendto the autobound name");
    CHECK_EQ(recv(s, buf, sizeof(buf), MSG_DONTWAIT), 4, "autobound socket receives it");
    /* Observed Linux: autobind on an already bound socket is a no-op success. */
    CHECK_OK(bind(s, (struct sockaddr *)&ub, sizeof(sa_family_t)), "autobind request on an already bound socket succeeds");
    {
        struct sockaddr_un n2;
        socklen_t l2 = sizeof(n2);
        getsockname(s, (struct sockaddr *)&n2, &l2);
        CHECK(l2 == l && memcmp(&n2, &na, l) == 0, "and keeps the same name");
    }
    ub.sun_path[0] = 'x';
    CHECK_ERR(bind(s, (struct sockaddr *)&ua, sizeof(ua)), EINVAL, "bind a real name to an autobound socket -> EINVAL");
    close(t);
    close(s);

    /* Embedded NUL bytes are part of the name. */
    snprintf(name2, sizeof(name2), "%s.x", name);
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    t = socket(AF_UNIX, SOCK_DGRAM, 0);
    al = abs_addr(&ua, name2);
    bl = abs_addr(&ub, name2);
    ub.sun_path[3] = 0; /* differs from ua only by an embedded NUL */
    CHECK_OK(bind(s, (struct sockaddr *)&ua, al), "bind name A");
    CHECK_OK(bind(t, (struct sockaddr *)&ub, bl), "bind name A with an embedded NUL: distinct");
    c = socket(AF_UNIX, SOCK_DGRAM, 0);
    sendto(c, "B", 1, 0, (struct sockaddr *)&ub, bl);
    CHECK_ERR(recv(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "datagram to the NUL variant does not reach A");
    r = recv(t, buf, sizeof(buf), MSG_DONTWAIT);
    CHECK(r == 1 && buf[0] == 'B', "it reaches the NUL variant");
    l = sizeof(na);
    r = getsockname(t, (struct sockaddr *)&na, &l);
    CHECK(r == 0 && l == bl && na.sun_path[3] == 0 && memcmp(na.sun_path + 4, ub.sun_path + 4, bl - offsetof(struct sockaddr_un, sun_path) - 4) == 0,
          "getsockname preserves the embedded NUL");
    close(c);
    close(s);
    close(t);
    CHECK_DONE();
}
