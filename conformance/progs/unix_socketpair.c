/* unix_socketpair: stream/dgram/seqpacket pairs, shutdown, MSG_PEEK/DONTWAIT/TRUNC/WAITALL, SCM_RIGHTS/CREDENTIALS. */
/* syscalls: socketpair, sendmsg, recvmsg, sendto, recvfrom, shutdown, getsockopt, setsockopt, ioctl, fcntl, pipe2 */
/* area: unix */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int send_fd(int sock, int fd)
{
    char c = 'F';
    struct iovec iov = { &c, 1 };
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    return sendmsg(sock, &msg, 0);
}

static int recv_fd(int sock)
{
    char c;
    struct iovec iov = { &c, 1 };
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
    if (recvmsg(sock, &msg, 0) != 1)
        return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    return fd;
}

int main(void)
{
    int sv[2], dv[2], qv[2], v;
    char buf[64];
    socklen_t len;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    signal(SIGPIPE, SIG_IGN);

    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair SOCK_STREAM");
    len = sizeof(v);
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM, "SO_TYPE SOCK_STREAM");
    len = sizeof(v);
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 && v == AF_UNIX, "SO_DOMAIN AF_UNIX");
    CHECK(send(sv[0], "abc", 3, 0) == 3 && send(sv[0], "def", 3, 0) == 3, "two sends on stream");
    CHECK(ioctl(sv[1], FIONREAD, &v) == 0 && v == 6, "FIONREAD 6");
    memset(buf, 0, sizeof(buf));
    CHECK(recv(sv[1], buf, 4, MSG_PEEK) == 4 && strcmp(buf, "abcd") == 0, "MSG_PEEK sees bytes across sends");
    memset(buf, 0, sizeof(buf));
    CHECK(recv(sv[1], buf, sizeof(buf), 0) == 6 && strcmp(buf, "abcdef") == 0, "stream coalesces the two sends");
    CHECK_ERR(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT on empty -> EAGAIN");
    send(sv[0], "12", 2, 0);
    send(sv[0], "34", 2, 0);
    CHECK_EQ(recv(sv[1], buf, 4, MSG_WAITALL), 4, "MSG_WAITALL collects 4 bytes");
    {
        struct ucred cr;
        len = sizeof(cr);
        CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && cr.pid == getpid() && cr.uid == getuid(),
              "SO_PEERCRED: our pid and uid");
    }
    CHECK_OK(shutdown(sv[0], SHUT_WR), "shutdown(SHUT_WR)");
    CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 0, "peer reads EOF after SHUT_WR");
    CHECK_ERR(send(sv[0], "x", 1, 0), EPIPE, "send after SHUT_WR -> EPIPE");
    CHECK(send(sv[1], "back", 4, 0) == 4 && recv(sv[0], buf, sizeof(buf), 0) == 4, "other direction still works");
    close(sv[1]);
    CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 0, "recv after peer close -> 0");
    CHECK_ERR(shutdown(sv[0], 7), EINVAL, "shutdown bad how -> EINVAL");
    close(sv[0]);

    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, dv), "socketpair SOCK_DGRAM|NONBLOCK|CLOEXEC");
    CHECK((fcntl(dv[0], F_GETFL) & O_NONBLOCK) && (fcntl(dv[0], F_GETFD) & FD_CLOEXEC), "flags applied");
    send(dv[0], "one", 3, 0);
    send(dv[0], "three", 5, 0);
    memset(buf, 0, sizeof(buf));
    CHECK(recv(dv[1], buf, sizeof(buf), 0) == 3 && strcmp(buf, "one") == 0, "datagram boundaries kept (1st)");
    CHECK_EQ(recv(dv[1], buf, 2, MSG_TRUNC), 5, "MSG_TRUNC returns the full datagram length");
    CHECK_ERR(recv(dv[1], buf, sizeof(buf), 0), EAGAIN, "truncated datagram was consumed");
    {
        struct iovec iov = { buf, 2 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
        send(dv[0], "hello", 5, 0);
        CHECK(recvmsg(dv[1], &m, 0) == 2 && (m.msg_flags & MSG_TRUNC), "recvmsg sets MSG_TRUNC in msg_flags");
    }
    CHECK_EQ(send(dv[0], "", 0, 0), 0, "zero-length datagram sent");
    CHECK_EQ(recv(dv[1], buf, sizeof(buf), 0), 0, "zero-length datagram received");
    close(dv[0]);
    close(dv[1]);

    CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, qv), "socketpair SOCK_SEQPACKET");
    send(qv[0], "rec1", 4, 0);
    send(qv[0], "record2", 7, 0);
    CHECK(recv(qv[1], buf, sizeof(buf), 0) == 4 && recv(qv[1], buf, sizeof(buf), 0) == 7, "seqpacket keeps boundaries");
    {
        struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
        struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
        char x[2], y[8] = { 0 };
        struct iovec riov[2] = { { x, 2 }, { y, 8 } };
        struct msghdr rm = { .msg_iov = riov, .msg_iovlen = 2 };
        CHECK_EQ(sendmsg(qv[0], &m, 0), 5, "sendmsg gathers two iovecs");
        CHECK(recvmsg(qv[1], &rm, 0) == 5 && memcmp(x, "ab", 2) == 0 && strcmp(y, "cde") == 0, "recvmsg scatters");
    }

    /* SCM_RIGHTS. */
    {
        int p[2], got;
        pipe2(p, 0);
        CHECK_EQ(send_fd(qv[0], p[1]), 1, "sendmsg with SCM_RIGHTS");
        got = recv_fd(qv[1]);
        CHECK(got >= 0 && got != p[1], "received a new descriptor");
        CHECK(write(got, "via", 3) == 3 && read(p[0], buf, 3) == 3 && memcmp(buf, "via", 3) == 0,
              "passed fd refers to the same pipe");
        close(got);
        close(p[0]);
        close(p[1]);
    }

    /* SCM_CREDENTIALS. */
    {
        int on = 1;
        char c;
        struct iovec iov = { &c, 1 };
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(sizeof(struct ucred))];
        } u;
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
        CHECK_OK(setsockopt(qv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), "SO_PASSCRED");
        send(qv[0], "c", 1, 0);
        struct cmsghdr *cm = NULL;
        if (recvmsg(qv[1], &m, 0) == 1)
            cm = CMSG_FIRSTHDR(&m);
        CHECK(cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS, "SCM_CREDENTIALS received");
        struct ucred cr = { 0, 0, 0 };
        if (cm)
            memcpy(&cr, CMSG_DATA(cm), sizeof(cr));
        CHECK(cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid(), "credentials are ours");
    }
    close(qv[1]);
    CHECK_ERR(send(qv[0], "x", 1, MSG_NOSIGNAL), EPIPE, "seqpacket send to closed peer -> EPIPE");
    close(qv[0]);

    CHECK_ERR(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP, "socketpair AF_INET -> EOPNOTSUPP");
    CHECK_ERR(socketpair(AF_UNIX, 99, 0, sv), EINVAL, "socketpair bad type -> EINVAL");
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 5, sv), EPROTONOSUPPORT, "socketpair bad protocol -> EPROTONOSUPPORT");
    CHECK_DONE();
}
