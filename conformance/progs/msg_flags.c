/* msg_flags: send/recv flags: MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, MSG_TRUNC, MSG_NOSIGNAL, MSG_MORE/TCP_CORK, MSG_OOB + SIOCATMARK, recvmsg msg_flags. */
/* syscalls: socket, socketpair, bind, listen, connect, accept4, getsockname, setsockopt, getsockopt, sendto, recvfrom, sendmsg, recvmsg, shutdown, ioctl, poll, fork, wait4, rt_sigaction, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t sigpipes;
static void on_pipe(int sig)
{
    (void)sig;
    sigpipes++;
}

static int tcp_pair(int *c, int *a)
{
    struct sockaddr_in sa;
    socklen_t l = sizeof(sa);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *c = *a = -1;
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1) || getsockname(ls, (struct sockaddr *)&sa, &l))
        return -1;
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(*c, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        *a = accept4(ls, NULL, NULL, 0);
    close(ls);
    return *a >= 0 ? 0 : -1;
}

static int pollev(int fd, short ev, int ms)
{
    struct pollfd p = {fd, ev, 0};
    return poll(&p, 1, ms) < 0 ? -1 : p.revents;
}

int main(void)
{
    int c, a, r, v, st, sv[2];
    pid_t pid;
    char buf[128];
    struct sigaction sa;
    struct msghdr mh;
    struct iovec iov;
    socklen_t l;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_pipe;
    sigaction(SIGPIPE, &sa, NULL);

    if (tcp_pair(&c, &a) != 0) {
        CHECK(0, "TCP pair");
        CHECK_DONE();
    }

    /* MSG_PEEK / MSG_DONTWAIT. */
    CHECK_ERR(recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT on empty TCP socket -> EAGAIN");
    send(c, "peekdata", 8, 0);
    pollev(a, POLLIN, 2000);
    r = recv(a, buf, 4, MSG_PEEK);
    CHECK(r == 4 && memcmp(buf, "peek", 4) == 0, "MSG_PEEK returns the head");
    r = recv(a, buf, sizeof(buf), MSG_PEEK);
    CHECK(r == 8 && memcmp(buf, "peekdata", 8) == 0, "MSG_PEEK again sees all 8 bytes");
    r = recv(a, buf, sizeof(buf), 0);
    CHECK(r == 8 && memcmp(buf, "peekdata", 8) == 0, "recv consumes what was peeked");

    /* MSG_TRUNC on TCP discards bytes. */
    send(c, "0123456789", 10, 0);
    pollev(a, POLLIN, 2000);
    CHECK_EQ(recv(a, NULL, 4, MSG_TRUNC), 4, "TCP recv(NULL, 4, MSG_TRUNC) discards 4 bytes");
    r = recv(a, buf, sizeof(buf), 0);
    CHECK(r == 6 && memcmp(buf, "456789", 6) == 0, "remaining 6 bytes follow");

    /* MSG_WAITALL across two sends, the second from a child after a delay. */
    send(c, "abc", 3, 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        usleep(50000);
        _exit(send(c, "def", 3, 0) == 3 ? 0 : 1);
    }
    r = -1;
    if (pid > 0)
        r = recv(a, buf, 6, MSG_WAITALL);
    CHECK(r == 6 && memcmp(buf, "abcdef", 6) == 0, "MSG_WAITALL waits for both sends (6 bytes)");
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child sent the second half");
    send(c, "xy", 2, 0);
    shutdown(c, SHUT_WR);
    r = recv(a, buf, 10, MSG_WAITALL);
    CHECK_EQ(r, 2, "MSG_WAITALL returns short at EOF");
    r = recv(a, buf, 10, MSG_WAITALL);
    CHECK_EQ(r, 0, "then EOF");

    /* MSG_NOSIGNAL. */
    sigpipes = 0;
    CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send after SHUT_WR with MSG_NOSIGNAL -> EPIPE");
    CHECK_EQ(sigpipes, 0, "no SIGPIPE with MSG_NOSIGNAL");
    CHECK_ERR(send(c, "x", 1, 0), EPIPE, "send without MSG_NOSIGNAL -> EPIPE");
    CHECK_EQ(sigpipes, 1, "SIGPIPE delivered without MSG_NOSIGNAL");
    close(c);
    close(a);

    /* MSG_MORE and TCP_CORK. */
    if (tcp_pair(&c, &a) == 0) {
        CHECK_EQ(send(c, "co", 2, MSG_MORE), 2, "send with MSG_MORE accepted");
        CHECK_EQ(send(c, "rk", 2, 0), 2, "following send without MSG_MORE");
        v = 0;
        while (v < 4 && pollev(a, POLLIN, 2000) & POLLIN) {
            r = recv(a, buf + v, sizeof(buf) - v, 0);
            if (r <= 0)
                break;
            v += r;
        }
        CHECK(v == 4 && memcmp(buf, "cork", 4) == 0, "peer receives the coalesced data");
        v = 1;
        CHECK_OK(setsockopt(c, IPPROTO_TCP, TCP_CORK, &v, sizeof(v)), "set TCP_CORK");
        v = 0;
        l = sizeof(v);
        getsockopt(c, IPPROTO_TCP, TCP_CORK, &v, &l);
        CHECK_EQ(v, 1, "TCP_CORK reads back 1");
        send(c, "ab", 2, 0);
        send(c, "cd", 2, 0);
        v = 0;
        setsockopt(c, IPPROTO_TCP, TCP_CORK, &v, sizeof(v)); /* uncork flushes */
        v = 0;
        while (v < 4 && pollev(a, POLLIN, 2000) & POLLIN) {
            r = recv(a, buf + v, sizeof(buf) - v, 0);
            if (r <= 0)
                break;
            v += r;
        }
        CHECK(v == 4 && memcmp(buf, "abcd", 4) == 0, "uncorking delivers the corked bytes");

        /* MSG_OOB and SIOCATMARK. */
        v = -1;
        CHECK(ioctl(a, SIOCATMARK, &v) == 0 && v == 0, "SIOCATMARK 0 with no urgent data");
        CHECK_ERR(recv(a, buf, 1, MSG_OOB | MSG_DONTWAIT), EINVAL, "recv MSG_OOB with no urgent data -> EINVAL");
        send(c, "abc", 3, 0);
        CHECK_EQ(send(c, "X", 1, MSG_OOB), 1, "send 1 byte MSG_OOB");
        r = pollev(a, POLLPRI, 2000);
        CHECK(r & POLLPRI, "receiver polls POLLPRI");
        r = recv(a, buf, sizeof(buf), 0);
        CHECK(r == 3 && memcmp(buf, "abc", 3) == 0, "normal recv stops at the mark (3 bytes)");
        v = -1;
        CHECK(ioctl(a, SIOCATMARK, &v) == 0 && v == 1, "SIOCATMARK 1 at the mark");
        memset(&mh, 0, sizeof(mh));
        iov.iov_base = buf;
        iov.iov_len = sizeof(buf);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        r = recvmsg(a, &mh, MSG_OOB);
        CHECK(r == 1 && buf[0] == 'X', "recvmsg MSG_OOB returns the urgent byte");
        CHECK(mh.msg_flags & MSG_OOB, "msg_flags has MSG_OOB");
        CHECK_ERR(recv(a, buf, 1, MSG_OOB), EINVAL, "urgent byte can only be read once -> EINVAL");
        send(c, "z", 1, 0);
        pollev(a, POLLIN, 2000);
        r = recv(a, buf, sizeof(buf), 0);
        CHECK(r == 1 && buf[0] == 'z', "urgent byte not in the normal stream");
        CHECK_ERR(recv(a, buf, 1, MSG_ERRQUEUE), EAGAIN, "MSG_ERRQUEUE with empty error queue -> EAGAIN");
        close(c);
        close(a);
    } else
        CHECK(0, "second TCP pair");

    /* Datagram msg_flags: MSG_TRUNC on unix dgram. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "unix dgram socketpair");
    send(sv[0], "datagram!", 9, 0);
    r = recv(sv[1], buf, 2, MSG_PEEK | MSG_TRUNC);
    CHECK_EQ(r, 9, "MSG_PEEK|MSG_TRUNC reports the full length without consuming");
    memset(&mh, 0, sizeof(mh));
    iov.iov_base = buf;
    iov.iov_len = 4;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    r = recvmsg(sv[1], &mh, 0);
    CHECK(r == 4 && (mh.msg_flags & MSG_TRUNC) && memcmp(buf, "data", 4) == 0, "recvmsg short buffer: 4 bytes, MSG_TRUNC");
    CHECK_ERR(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "truncated datagram fully consumed");
    send(sv[0], "ok", 2, 0);
    iov.iov_len = sizeof(buf);
    mh.msg_flags = -1;
    r = recvmsg(sv[1], &mh, 0);
    CHECK(r == 2 && mh.msg_flags == 0, "fitting datagram: msg_flags 0");

    /* MSG_CTRUNC: an fd passed with no room for the control message. */
    {
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(sizeof(int))];
        } cb;
        struct cmsghdr *cm;
        int fd = 0;
        memset(&mh, 0, sizeof(mh));
        iov.iov_base = "f";
        iov.iov_len = 1;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cb.b;
        mh.msg_controllen = sizeof(cb.b);
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        CHECK_EQ(sendmsg(sv[0], &mh, 0), 1, "sendmsg with SCM_RIGHTS");
        memset(&mh, 0, sizeof(mh));
        iov.iov_base = buf;
        iov.iov_len = sizeof(buf);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        r = recvmsg(sv[1], &mh, 0);
        CHECK(r == 1 && (mh.msg_flags & MSG_CTRUNC) && mh.msg_controllen == 0, "recvmsg without control buffer: MSG_CTRUNC");
    }
    close(sv[0]);
    close(sv[1]);
    CHECK_DONE();
}
