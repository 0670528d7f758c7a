/* sendmmsg: sendmmsg/recvmmsg batches over UDP: counts, msg_len, vlen 0, MSG_WAITFORONE, timeout, partial batches, EFAULT/EINVAL. */
/* syscalls: socket, bind, connect, getsockname, setsockopt, sendmmsg, recvmmsg, sendto, recvfrom, poll, clock_gettime, openat, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
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

static int udp_bound(int *port)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = lo(0);
    socklen_t l = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || getsockname(s, (struct sockaddr *)&a, &l) != 0)
        return -1;
    *port = ntohs(a.sin_port);
    return s;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static int wait_readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 2000) == 1;
}

#define N 5
static struct mmsghdr mm[N];
static struct iovec iv[N];
static char bufs[N][64];
static struct sockaddr_in names[N];

static void setup_recv(void)
{
    int i;
    memset(mm, 0, sizeof(mm));
    for (i = 0; i < N; i++) {
        iv[i].iov_base = bufs[i];
        iv[i].iov_len = sizeof(bufs[i]);
        mm[i].msg_hdr.msg_iov = &iv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &names[i];
        mm[i].msg_hdr.msg_namelen = sizeof(names[i]);
        mm[i].msg_len = 12345;
    }
}

static const char *payload[N] = {"a", "bb", "ccc", "dddd", "eeeee"};

static void setup_send(struct sockaddr_in *to)
{
    int i;
    memset(mm, 0, sizeof(mm));
    for (i = 0; i < N; i++) {
        iv[i].iov_base = (void *)payload[i];
        iv[i].iov_len = strlen(payload[i]);
        mm[i].msg_hdr.msg_iov = &iv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = to;
        mm[i].msg_hdr.msg_namelen = to ? sizeof(*to) : 0;
        mm[i].msg_len = 12345;
    }
}

int main(void)
{
    int a, b, pa, pb, r, i, ok;
    struct sockaddr_in to;
    struct timespec ts;
    char tmp[64];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    a = udp_bound(&pa);
    b = udp_bound(&pb);
    CHECK(a >= 0 && b >= 0, "two UDP sockets");
    if (a < 0 || b < 0)
        CHECK_DONE();
    to = lo(pb);

    /* Send a batch of 3 with explicit addresses. */
    setup_send(&to);
    r = sendmmsg(a, mm, 3, 0);
    CHECK_EQ(r, 3, "sendmmsg vlen 3 returns 3");
    CHECK(mm[0].msg_len == 1 && mm[1].msg_len == 2 && mm[2].msg_len == 3, "msg_len set to bytes sent per message");
    CHECK_EQ(mm[3].msg_len, 12345, "msg_len beyond the batch untouched");
    wait_readable(b);
    usleep(10000);
    setup_recv();
    r = recvmmsg(b, mm, N, MSG_DONTWAIT, NULL);
    CHECK_EQ(r, 3, "recvmmsg vlen 5 MSG_DONTWAIT returns the 3 queued datagrams");
    CHECK(mm[0].msg_len == 1 && mm[1].msg_len == 2 && mm[2].msg_len == 3, "recvmmsg msg_len per datagram");
    CHECK(memcmp(bufs[0], "a", 1) == 0 && memcmp(bufs[1], "bb", 2) == 0 && memcmp(bufs[2], "ccc", 3) == 0, "datagram contents in order");
    ok = 1;
    for (i = 0; i < 3; i++)
        if (mm[i].msg_hdr.msg_namelen != sizeof(struct sockaddr_in) || ntohs(names[i].sin_port) != pa)
            ok = 0;
    CHECK(ok, "each msg_name is the sender's address");
    CHECK_EQ(mm[3].msg_len, 12345, "unused entries untouched");
    setup_recv();
    CHECK_ERR(recvmmsg(b, mm, N, MSG_DONTWAIT, NULL), EAGAIN, "recvmmsg on empty socket with MSG_DONTWAIT -> EAGAIN");

    /* vlen 0. */
    setup_send(&to);
    CHECK_EQ(sendmmsg(a, mm, 0, 0), 0, "sendmmsg vlen 0 returns 0");
    setup_recv();
    CHECK_EQ(recvmmsg(b, mm, 0, MSG_DONTWAIT, NULL), 0, "recvmmsg vlen 0 returns 0");

    /* Connected socket: no msg_name. */
    connect(a, (struct sockaddr *)&to, sizeof(to));
    setup_send(NULL);
    CHECK_EQ(sendmmsg(a, mm, N, 0), N, "sendmmsg on connected socket without msg_name sends all 5");
    wait_readable(b);
    usleep(10000);
    /* MSG_WAITFORONE: after the first datagram the rest is non-blocking. */
    setup_recv();
    r = recvmmsg(b, mm, 2, MSG_WAITFORONE, NULL);
    CHECK_EQ(r, 2, "MSG_WAITFORONE with vlen 2 and 5 queued returns 2");
    setup_recv();
    r = recvmmsg(b, mm, N, MSG_WAITFORONE, NULL);
    CHECK_EQ(r, 3, "MSG_WAITFORONE returns the 3 remaining without blocking");
    CHECK(r == 3 && mm[2].msg_len == 5 && memcmp(bufs[2], "eeeee", 5) == 0, "last datagram 'eeeee'");

    /* MSG_TRUNC per message. */
    send(a, "0123456789", 10, 0);
    wait_readable(b);
    setup_recv();
    iv[0].iov_len = 4;
    r = recvmmsg(b, mm, 1, MSG_DONTWAIT, NULL);
    CHECK(r == 1 && mm[0].msg_len == 4 && (mm[0].msg_hdr.msg_flags & MSG_TRUNC), "truncated datagram: msg_len 4, msg_flags MSG_TRUNC");

    /* Partial batch: the second message fails (too big for a datagram). */
    {
        static char big[70000];
        setup_send(NULL);
        iv[1].iov_base = big;
        iv[1].iov_len = sizeof(big);
        r = sendmmsg(a, mm, 3, 0);
        CHECK_EQ(r, 1, "sendmmsg with a bad 2nd message returns 1 (sent before the error)");
        CHECK_ERR(sendmmsg(a, mm + 1, 2, 0), EMSGSIZE, "sendmmsg whose first message fails -> EMSGSIZE");
        wait_readable(b);
        setup_recv();
        r = recvmmsg(b, mm, N, MSG_DONTWAIT, NULL);
        CHECK(r == 1 && mm[0].msg_len == 1, "only the first message was delivered");
    }

    /* Timeout: with SO_RCVTIMEO 100 ms the second wait ends, and the datagram already received is returned. */
    {
        struct timeval tv = {0, 100000};
        long long t0;
        setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        send(a, "one", 3, 0);
        wait_readable(b);
        setup_recv();
        ts.tv_sec = 5;
        ts.tv_nsec = 0;
        t0 = now_ms();
        r = recvmmsg(b, mm, 2, 0, &ts);
        t0 = now_ms() - t0;
        CHECK_EQ(r, 1, "recvmmsg returns 1 when the 2nd receive times out (SO_RCVTIMEO)");
        CHECK(t0 >= 80 && t0 < 2000, "it waited for the receive timeout");
        send(a, "p", 1, 0);
        send(a, "q", 1, 0);
        wait_readable(b);
        usleep(10000);
        setup_recv();
        ts.tv_sec = 0;
        ts.tv_nsec = 0;
        r = recvmmsg(b, mm, N, 0, &ts);
        CHECK_EQ(r, 1, "zero timeout: returns after the first datagram (timeout checked after each)");
        r = recv(b, tmp, sizeof(tmp), MSG_DONTWAIT);
        CHECK(r == 1 && tmp[0] == 'q', "second datagram still queued");
        ts.tv_sec = 0;
        ts.tv_nsec = 1000000000;
        CHECK_ERR(recvmmsg(b, mm, N, 0, &ts), EINVAL, "timeout tv_nsec 1e9 -> EINVAL");
        ts.tv_sec = -1;
        ts.tv_nsec = 0;
        CHECK_ERR(recvmmsg(b, mm, N, 0, &ts), EINVAL, "negative timeout -> EINVAL");
    }

    /* EFAULT. */
    CHECK_ERR(syscall(SYS_sendmmsg, a, (void *)8, 2, 0), EFAULT, "sendmmsg bad msgvec -> EFAULT");
    send(a, "r", 1, 0);
    wait_readable(b);
    CHECK_ERR(syscall(SYS_recvmmsg, b, (void *)8, 2, MSG_DONTWAIT, NULL), EFAULT, "recvmmsg bad msgvec -> EFAULT");
    setup_recv();
    CHECK_ERR(syscall(SYS_recvmmsg, b, mm, 2, MSG_DONTWAIT, (void *)8), EFAULT, "recvmmsg bad timeout pointer -> EFAULT");
    CHECK_ERR(sendmmsg(-1, mm, 1, 0), EBADF, "sendmmsg on fd -1 -> EBADF");
    {
        int fd = open("/dev/null", 0);
        CHECK_ERR(recvmmsg(fd, mm, 1, 0, NULL), ENOTSOCK, "recvmmsg on /dev/null -> ENOTSOCK");
        close(fd);
    }
    close(a);
    close(b);
    CHECK_DONE();
}
