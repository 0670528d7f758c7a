/* unix_bind: AF_UNIX bind/listen/connect/accept4 on a path and abstract names, autobind, errnos. */
/* syscalls: socket, bind, listen, connect, accept4, getsockname, getpeername, getsockopt, sendto, recvfrom, unlink, stat */
/* area: unix */
#include "check.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define DIR "/tmp/conf_unix_bind" CONF_TAG
#define SOCK DIR "/sock"

static socklen_t path_addr(struct sockaddr_un *a, const char *p)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, p);
    return offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1;
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

int main(void)
{
    struct sockaddr_un a, got;
    socklen_t alen, glen;
    struct stat st;
    int ls, c, s, x, v;
    char buf[32], abname[64];

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    unlink(SOCK);

    ls = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(ls >= 0, "socket AF_UNIX SOCK_STREAM");
    alen = path_addr(&a, SOCK);
    CHECK_OK(bind(ls, (struct sockaddr *)&a, alen), "bind to a path");
    CHECK(stat(SOCK, &st) == 0 && S_ISSOCK(st.st_mode), "bound path is a socket inode");
    {
        struct sockaddr_un o;
        socklen_t olen = path_addr(&o, DIR "/other");
        CHECK_ERR(bind(ls, (struct sockaddr *)&o, olen), EINVAL, "binding a bound socket to a second path -> EINVAL");
        unlink(DIR "/other");
    }
    x = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(bind(x, (struct sockaddr *)&a, alen), EADDRINUSE, "bind to an existing path -> EADDRINUSE");
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED, "connect to bound, non-listening -> ECONNREFUSED");
    close(c);
    CHECK_ERR(accept(ls, NULL, NULL), EINVAL, "accept on non-listening socket -> EINVAL");
    CHECK_OK(listen(ls, 4), "listen");
    v = 0;
    glen = sizeof(v);
    CHECK(getsockopt(ls, SOL_SOCKET, SO_ACCEPTCONN, &v, &glen) == 0 && v == 1, "SO_ACCEPTCONN 1 after listen");
    glen = sizeof(got);
    CHECK(getsockname(ls, (struct sockaddr *)&got, &glen) == 0 && strcmp(got.sun_path, SOCK) == 0,
          "getsockname returns the path");

    fcntl(ls, F_SETFL, O_NONBLOCK);
    CHECK_ERR(accept(ls, NULL, NULL), EAGAIN, "non-blocking accept with no client -> EAGAIN");
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(connect(c, (struct sockaddr *)&a, alen), "connect to listening path");
    CHECK_ERR(connect(c, (struct sockaddr *)&a, alen), EISCONN, "connect again -> EISCONN");
    s = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK(s >= 0, "accept4 returns the connection");
    CHECK((fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC), "accept4 applied NONBLOCK|CLOEXEC");
    glen = sizeof(got);
    CHECK(getpeername(c, (struct sockaddr *)&got, &glen) == 0 && strcmp(got.sun_path, SOCK) == 0,
          "client getpeername is the server path");
    glen = sizeof(got);
    CHECK(getpeername(s, (struct sockaddr *)&got, &glen) == 0 && glen == sizeof(sa_family_t),
          "server side: peer is unnamed (addrlen == sizeof(sa_family_t))");
    CHECK(write(c, "ping", 4) == 4 && read(s, buf, sizeof(buf)) == 4, "data flows client -> server");
    close(c);
    close(s);
    CHECK_ERR(accept4(ls, NULL, NULL, 0x7), EINVAL, "accept4 bad flags -> EINVAL");

    /* Removing the path stops new connections but not the listener. */
    unlink(SOCK);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&a, alen), ENOENT, "connect after unlink -> ENOENT");
    close(c);
    close(ls);
    close(open(DIR "/regular", O_WRONLY | O_CREAT, 0644));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    glen = path_addr(&got, DIR "/regular");
    CHECK_ERR(connect(c, (struct sockaddr *)&got, glen), ECONNREFUSED, "connect to a regular file -> ECONNREFUSED");
    close(c);

    /* Abstract namespace. */
    snprintf(abname, sizeof(abname), "conf_unix_bind.%d", (int)getpid());
    alen = abstract_addr(&a, abname);
    ls = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(bind(ls, (struct sockaddr *)&a, alen), "bind abstract name");
    glen = sizeof(got);
    CHECK(getsockname(ls, (struct sockaddr *)&got, &glen) == 0 && glen == alen && got.sun_path[0] == 0 &&
              memcmp(got.sun_path + 1, abname, strlen(abname)) == 0,
          "getsockname returns the abstract name and its length");
    x = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(bind(x, (struct sockaddr *)&a, alen), EADDRINUSE, "abstract name in use -> EADDRINUSE");
    close(x);
    listen(ls, 1);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(connect(c, (struct sockaddr *)&a, alen), "connect to abstract name");
    s = accept(ls, NULL, NULL);
    CHECK(s >= 0 && write(s, "abs", 3) == 3 && read(c, buf, 3) == 3, "abstract connection carries data");
    close(s);
    close(c);
    close(ls);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED, "closed abstract name -> ECONNREFUSED");
    close(c);

    /* Autobind. */
    x = socket(AF_UNIX, SOCK_DGRAM, 0);
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    CHECK_OK(bind(x, (struct sockaddr *)&a, sizeof(sa_family_t)), "bind with only sun_family autobinds");
    glen = sizeof(got);
    CHECK(getsockname(x, (struct sockaddr *)&got, &glen) == 0 && glen == sizeof(sa_family_t) + 6 && got.sun_path[0] == 0,
          "autobind name: NUL + 5 hex digits");

    /* Datagram sockets on paths. */
    {
        int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
        struct sockaddr_un a1, a2, from;
        socklen_t l1 = path_addr(&a1, DIR "/d1"), l2 = path_addr(&a2, DIR "/d2"), fl = sizeof(from);
        bind(d1, (struct sockaddr *)&a1, l1);
        bind(d2, (struct sockaddr *)&a2, l2);
        CHECK_EQ(sendto(d1, "dg", 2, 0, (struct sockaddr *)&a2, l2), 2, "sendto a bound datagram path");
        CHECK(recvfrom(d2, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) == 2 && strcmp(from.sun_path, DIR "/d1") == 0,
              "recvfrom reports the sender's path");
        CHECK_ERR(listen(d1, 1), EOPNOTSUPP, "listen on SOCK_DGRAM -> EOPNOTSUPP");
        CHECK_ERR(send(d1, "x", 1, 0), ENOTCONN, "send on unconnected datagram socket -> ENOTCONN");
        close(d1);
        close(d2);
        unlink(DIR "/d1");
        unlink(DIR "/d2");
    }
    memset(&a, 'a', sizeof(a));
    a.sun_family = AF_UNIX;
    CHECK_ERR(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, sizeof(a) + 1), EINVAL,
              "bind with addrlen > sizeof(sockaddr_un) -> EINVAL");
    CHECK_ERR(connect(x, (struct sockaddr *)&a, 1), EINVAL, "connect with addrlen 1 -> EINVAL");
    unlink(DIR "/regular");
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
