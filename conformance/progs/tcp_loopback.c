/* tcp_loopback: TCP over 127.0.0.1: listen/connect/accept, non-blocking connect, names, options, shutdown. */
/* syscalls: socket, bind, listen, connect, accept4, getsockname, getpeername, setsockopt, getsockopt, sendto, recvfrom, shutdown, poll, fork */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
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

static int port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t l = sizeof(a);
    return getsockname(fd, (struct sockaddr *)&a, &l) == 0 ? ntohs(a.sin_port) : -1;
}

static int opt(int fd, int level, int name)
{
    int v = -1;
    socklen_t l = sizeof(v);
    getsockopt(fd, level, name, &v, &l);
    return v;
}

int main(void)
{
    struct sockaddr_in a, b;
    socklen_t l;
    int ls, c, s, one = 1, port, dead_port;
    char buf[256];

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    signal(SIGPIPE, SIG_IGN);

    ls = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(ls >= 0, "socket AF_INET SOCK_STREAM");
    CHECK_EQ(opt(ls, SOL_SOCKET, SO_REUSEADDR), 0, "SO_REUSEADDR off by default");
    CHECK(setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 && opt(ls, SOL_SOCKET, SO_REUSEADDR) == 1,
          "set SO_REUSEADDR, reads back 1");
    a = lo(0);
    CHECK_OK(bind(ls, (struct sockaddr *)&a, sizeof(a)), "bind 127.0.0.1:0");
    port = port_of(ls);
    CHECK(port > 0, "getsockname reports an ephemeral port");
    CHECK_OK(listen(ls, 8), "listen");
    CHECK_EQ(opt(ls, SOL_SOCKET, SO_ACCEPTCONN), 1, "SO_ACCEPTCONN 1");
    {
        int x = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        a = lo(port);
        CHECK_ERR(bind(x, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE,
                  "bind to a listening port, even with SO_REUSEADDR -> EADDRINUSE");
        close(x);
    }

    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_ERR(recv(c, buf, 1, 0), ENOTCONN, "recv on unconnected TCP -> ENOTCONN");
    CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send on unconnected TCP -> EPIPE");
    l = sizeof(b);
    CHECK_ERR(getpeername(c, (struct sockaddr *)&b, &l), ENOTCONN, "getpeername unconnected -> ENOTCONN");
    {
        /* Separate socket: Linux records the shutdown even when returning ENOTCONN. */
        int u = socket(AF_INET, SOCK_STREAM, 0);
        CHECK_ERR(shutdown(u, SHUT_RDWR), ENOTCONN, "shutdown unconnected -> ENOTCONN");
        close(u);
    }
    a = lo(port);
    CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof(a)), "blocking connect to 127.0.0.1");
    CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof(a)), EISCONN, "connect again -> EISCONN");
    l = sizeof(b);
    s = accept4(ls, (struct sockaddr *)&b, &l, SOCK_CLOEXEC);
    CHECK(s >= 0 && l == sizeof(b) && b.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "accept4 reports a loopback peer");
    CHECK_EQ(ntohs(b.sin_port), port_of(c), "accepted peer port == client's getsockname port");
    l = sizeof(b);
    CHECK(getpeername(c, (struct sockaddr *)&b, &l) == 0 && ntohs(b.sin_port) == port, "client getpeername == server port");
    CHECK_EQ(port_of(s), port, "accepted socket's local port == listening port");
    CHECK_EQ(opt(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM, "SO_TYPE SOCK_STREAM");
    CHECK_OK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), "set TCP_NODELAY");
    CHECK_EQ(opt(c, IPPROTO_TCP, TCP_NODELAY), 1, "TCP_NODELAY reads back 1");

    CHECK_EQ(send(c, "hello tcp", 9, 0), 9, "send 9 bytes");
    memset(buf, 0, sizeof(buf));
    CHECK(recv(s, buf, 5, MSG_PEEK | MSG_WAITALL) == 5 && memcmp(buf, "hello", 5) == 0, "MSG_PEEK");
    CHECK(recv(s, buf, 9, MSG_WAITALL) == 9 && memcmp(buf, "hello tcp", 9) == 0, "recv the data");
    CHECK_ERR(recv(s, buf, 1, MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT with nothing queued -> EAGAIN");

    /* Bulk transfer from a child process. */
    {
        static char big[1 << 18];
        long total = 0, n;
        int status;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            for (int i = 0; i < (int)sizeof(big); i++)
                big[i] = (char)(i * 7);
            _exit(send(c, big, sizeof(big), 0) == sizeof(big) ? 0 : 1);
        }
        int ok = 1;
        while (total < (long)sizeof(big) && (n = recv(s, buf, sizeof(buf), 0)) > 0) {
            for (long i = 0; i < n; i++)
                ok &= buf[i] == (char)((total + i) * 7);
            total += n;
        }
        waitpid(pid, &status, 0);
        CHECK(total == sizeof(big) && WIFEXITED(status) && WEXITSTATUS(status) == 0, "256 KiB streamed from a child");
        CHECK(ok, "byte stream arrives intact and in order");
    }

    CHECK_OK(shutdown(c, SHUT_WR), "shutdown(SHUT_WR) on client");
    CHECK_EQ(recv(s, buf, sizeof(buf), 0), 0, "server reads EOF");
    CHECK(send(s, "reply", 5, 0) == 5 && recv(c, buf, 5, MSG_WAITALL) == 5, "half-closed: server can still reply");
    CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "client send after SHUT_WR -> EPIPE");
    close(s);
    CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0, "client reads EOF after server close");
    close(c);

    /* Non-blocking connect. */
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    a = lo(port);
    CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS, "non-blocking connect -> EINPROGRESS");
    {
        struct pollfd pf = { c, POLLOUT, 0 };
        CHECK(poll(&pf, 1, 2000) == 1 && (pf.revents & POLLOUT), "poll POLLOUT when connected");
    }
    CHECK_EQ(opt(c, SOL_SOCKET, SO_ERROR), 0, "SO_ERROR 0 after successful connect");
    s = accept(ls, NULL, NULL);
    CHECK(s >= 0, "accept the non-blocking client");
    close(s);
    close(c);

    /* Connection refused: a port that is bound but not listening. */
    {
        int holder = socket(AF_INET, SOCK_STREAM, 0);
        a = lo(0);
        bind(holder, (struct sockaddr *)&a, sizeof(a));
        dead_port = port_of(holder);
        c = socket(AF_INET, SOCK_STREAM, 0);
        a = lo(dead_port);
        CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED, "connect to non-listening port -> ECONNREFUSED");
        close(c);
        c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int r = connect(c, (struct sockaddr *)&a, sizeof(a));
        int e = errno;
        struct pollfd pf = { c, POLLOUT, 0 };
        poll(&pf, 1, 2000);
        CHECK((r == -1 && (e == EINPROGRESS || e == ECONNREFUSED)), "non-blocking connect to a dead port fails or is in progress");
        CHECK(e == ECONNREFUSED || opt(c, SOL_SOCKET, SO_ERROR) == ECONNREFUSED, "SO_ERROR reports ECONNREFUSED");
        close(c);
        close(holder);
    }

    /* listen() on an unbound socket picks a port. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(listen(c, 1) == 0 && port_of(c) > 0, "listen without bind auto-binds a port");
    close(c);
    close(ls);
    CHECK_DONE();
}
