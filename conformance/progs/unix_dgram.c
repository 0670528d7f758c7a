/* unix_dgram: AF_UNIX SOCK_DGRAM: sendto/recvfrom with source paths, connect, boundaries, EMSGSIZE, ENOENT/ECONNREFUSED, unlink, EAGAIN when full, socketpair. */
/* syscalls: socket, socketpair, bind, connect, getsockname, setsockopt, sendto, recvfrom, sendmsg, recvmsg, poll, mkdirat, unlinkat, newfstatat, close */
/* area: unix */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[80];

static socklen_t mkaddr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
    return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

static int bound(const char *name, struct sockaddr_un *a)
{
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    socklen_t l = mkaddr(a, name);
    if (s >= 0 && bind(s, (struct sockaddr *)a, l) != 0) {
        close(s);
        return -1;
    }
    return s;
}

int main(void)
{
    int s, t, u, r, sv[2], v;
    struct sockaddr_un as, at, ax, from;
    socklen_t l, lx;
    char buf[256];
    struct stat st;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof(dir), "/tmp/unix_dgram.%d%s", (int)getpid(), CONF_TAG);
    mkdir(dir, 0700);

    s = bound("s", &as);
    t = bound("t", &at);
    CHECK(s >= 0 && t >= 0, "two SOCK_DGRAM sockets bound in /tmp");
    if (s < 0 || t < 0)
        CHECK_DONE();
    CHECK(stat(as.sun_path, &st) == 0 && S_ISSOCK(st.st_mode), "bind created a socket file");
    CHECK_ERR(bind(socket(AF_UNIX, SOCK_DGRAM, 0), (struct sockaddr *)&as, sizeof(as)), EADDRINUSE, "bind an existing path -> EADDRINUSE");

    /* sendto / recvfrom with source path. */
    CHECK_EQ(sendto(s, "hello", 5, 0, (struct sockaddr *)&at, sizeof(at)), 5, "sendto t's path");
    memset(&from, 0, sizeof(from));
    l = sizeof(from);
    r = recvfrom(t, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l);
    CHECK(r == 5 && memcmp(buf, "hello", 5) == 0, "recvfrom gets the datagram");
    CHECK(l == offsetof(struct sockaddr_un, sun_path) + strlen(as.sun_path) + 1 && strcmp(from.sun_path, as.sun_path) == 0,
          "source address is s's path with exact length");

    /* Unbound sender: no source name. */
    u = socket(AF_UNIX, SOCK_DGRAM, 0);
    sendto(u, "anon", 4, 0, (struct sockaddr *)&at, sizeof(at));
    l = sizeof(from);
    r = recvfrom(t, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l);
    CHECK(r == 4 && l <= sizeof(sa_family_t), "datagram from an unbound sender has no source path");
    CHECK_ERR(send(u, "x", 1, 0), ENOTCONN, "send without address on unconnected unix dgram -> ENOTCONN");

    /* Boundaries. */
    sendto(s, "1", 1, 0, (struct sockaddr *)&at, sizeof(at));
    sendto(s, "22", 2, 0, (struct sockaddr *)&at, sizeof(at));
    sendto(s, "", 0, 0, (struct sockaddr *)&at, sizeof(at));
    CHECK_EQ(recv(t, buf, sizeof(buf), 0), 1, "first datagram 1 byte");
    CHECK_EQ(recv(t, buf, sizeof(buf), 0), 2, "second datagram 2 bytes");
    CHECK_EQ(recv(t, buf, sizeof(buf), 0), 0, "zero-length datagram delivered as 0");
    CHECK_ERR(recv(t, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "queue empty -> EAGAIN");

    /* connect sets the default destination and filters senders. */
    CHECK_OK(connect(u, (struct sockaddr *)&at, sizeof(at)), "connect u -> t");
    CHECK_EQ(send(u, "conn", 4, 0), 4, "send on connected dgram socket");
    CHECK_EQ(recv(t, buf, sizeof(buf), 0), 4, "t receives it");
    CHECK_OK(connect(t, (struct sockaddr *)&as, sizeof(as)), "connect t -> s");
    errno = 0;
    r = sendto(u, "x", 1, 0, (struct sockaddr *)&at, sizeof(at));
    CHECK(r == -1 && errno == EPERM, "sending to a socket connected elsewhere -> EPERM");
    sendto(s, "fromS", 5, 0, (struct sockaddr *)&at, sizeof(at));
    CHECK_EQ(recv(t, buf, sizeof(buf), MSG_DONTWAIT), 5, "t still receives from its peer s");
    memset(&ax, 0, sizeof(ax));
    ax.sun_family = AF_UNSPEC;
    CHECK_OK(connect(t, (struct sockaddr *)&ax, sizeof(sa_family_t)), "connect AF_UNSPEC disconnects t");
    CHECK_EQ(send(u, "again", 5, 0), 5, "u can send to t again");
    CHECK_EQ(recv(t, buf, sizeof(buf), MSG_DONTWAIT), 5, "t receives it");

    /* Size limit vs SO_SNDBUF. */
    v = 4096;
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
    {
        static char big[20000];
        CHECK_ERR(sendto(s, big, sizeof(big), 0, (struct sockaddr *)&at, sizeof(at)), EMSGSIZE, "datagram larger than SO_SNDBUF -> EMSGSIZE");
        CHECK_EQ(sendto(s, big, 1000, 0, (struct sockaddr *)&at, sizeof(at)), 1000, "1000-byte datagram fits");
        CHECK_EQ(recv(t, big, sizeof(big), 0), 1000, "received whole");
    }

    /* Non-blocking send to a receiver that does not read: eventually EAGAIN. */
    {
        int n = 0;
        for (n = 0; n < 100000; n++)
            if (send(u, "fill", 4, MSG_DONTWAIT) < 0)
                break;
        CHECK(n > 0 && n < 100000 && errno == EAGAIN, "receive queue fills: MSG_DONTWAIT send -> EAGAIN");
        struct pollfd p = {u, POLLOUT, 0};
        CHECK(poll(&p, 1, 0) == 0, "sender to a full peer is not writable");
        recv(t, buf, sizeof(buf), 0);
        while (recv(t, buf, sizeof(buf), MSG_DONTWAIT) > 0)
            ;
        CHECK(poll(&p, 1, 2000) == 1 && (p.revents & POLLOUT), "writable again after the peer drained its queue");
    }

    /* Nonexistent path and stale socket files. */
    lx = mkaddr(&ax, "nothing");
    CHECK_ERR(sendto(s, "x", 1, 0, (struct sockaddr *)&ax, lx), ENOENT, "sendto a nonexistent path -> ENOENT");
    close(t);
    CHECK_ERR(sendto(s, "x", 1, 0, (struct sockaddr *)&at, sizeof(at)), ECONNREFUSED, "sendto a socket file with no socket -> ECONNREFUSED");
    CHECK_ERR(send(u, "x", 1, 0), ECONNREFUSED, "connected sender whose peer closed -> ECONNREFUSED");
    CHECK(unlink(at.sun_path) == 0, "socket file can be unlinked");
    t = bound("t", &at);
    CHECK(t >= 0, "rebind the path after unlink");
    CHECK_ERR(connect(u, (struct sockaddr *)&ax, lx), ENOENT, "connect to a nonexistent path -> ENOENT");
    connect(u, (struct sockaddr *)&at, sizeof(at));
    unlink(at.sun_path);
    CHECK_EQ(send(u, "still", 5, 0), 5, "connected socket still sends after its peer's file is unlinked");
    CHECK_EQ(recv(t, buf, sizeof(buf), 0), 5, "peer receives it");
    CHECK_ERR(sendto(s, "x", 1, 0, (struct sockaddr *)&at, sizeof(at)), ENOENT, "but the unlinked path is gone -> ENOENT");
    {
        int ls = socket(AF_UNIX, SOCK_STREAM, 0);
        lx = mkaddr(&ax, "stream");
        bind(ls, (struct sockaddr *)&ax, lx);
        listen(ls, 1);
        CHECK_ERR(sendto(s, "x", 1, 0, (struct sockaddr *)&ax, lx), EPROTOTYPE, "sendto a stream socket's path -> EPROTOTYPE");
        close(ls);
        unlink(ax.sun_path);
    }

    /* socketpair SOCK_DGRAM. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair SOCK_DGRAM");
    send(sv[0], "ab", 2, 0);
    send(sv[0], "cd", 2, 0);
    r = recv(sv[1], buf, sizeof(buf), 0);
    CHECK(r == 2 && memcmp(buf, "ab", 2) == 0, "socketpair keeps datagram boundaries");
    CHECK_EQ(send(sv[1], "back", 4, 0), 4, "socketpair is bidirectional");
    CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 4, "reverse direction received");
    close(sv[1]);
    CHECK_ERR(send(sv[0], "x", 1, 0), ECONNREFUSED, "send after the pair peer closed -> ECONNREFUSED");
    close(sv[0]);

    close(s);
    close(t);
    close(u);
    unlink(as.sun_path);
    rmdir(dir);
    CHECK_DONE();
}
