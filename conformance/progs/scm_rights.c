/* scm_rights: SCM_RIGHTS fd passing over stream and dgram socketpairs: new numbers, shared offsets, MSG_CMSG_CLOEXEC, SCM_MAX_FD, MSG_CTRUNC, passing to a child. */
/* syscalls: socketpair, sendmsg, recvmsg, openat, lseek, read, write, fcntl, fstat, pipe2, fork, wait4, unlinkat, close */
/* area: unix */
#include "check.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXFDS 300

static int send_fds(int sock, const int *fds, int n)
{
    static union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * MAXFDS)];
    } cb;
    struct iovec iov = {"F", 1};
    struct msghdr mh;
    struct cmsghdr *cm;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cb.b;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
    return sendmsg(sock, &mh, 0);
}

/* Receives up to max fds into out; returns count of fds or -1; *mflags gets msg_flags. */
static int recv_fds(int sock, int *out, int max, size_t ctl, int flags, int *mflags)
{
    static union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * MAXFDS)];
    } cb;
    char c;
    struct iovec iov = {&c, 1};
    struct msghdr mh;
    struct cmsghdr *cm;
    int n = 0;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cb.b;
    mh.msg_controllen = ctl;
    if (recvmsg(sock, &mh, flags) < 0)
        return -1;
    *mflags = mh.msg_flags;
    for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            if (k > max - n)
                k = max - n;
            memcpy(out + n, CMSG_DATA(cm), k * sizeof(int));
            n += k;
        }
    return n;
}

static int same_file(int a, int b)
{
    struct stat x, y;
    return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int main(void)
{
    int sv[2], dv[2], f, r, mf, got[MAXFDS], fds[MAXFDS], i, p[2], st;
    char path[80], buf[16];
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof(path), "/tmp/scm_rights.%d%s", (int)getpid(), CONF_TAG);
    f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(f >= 0, "create temp file");
    if (f < 0)
        CHECK_DONE();
    write(f, "0123456789", 10);
    lseek(f, 0, SEEK_SET);
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "stream socketpair");
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dv), "dgram socketpair");

    /* One fd over a stream socket. */
    CHECK_EQ(send_fds(sv[0], &f, 1), 1, "sendmsg SCM_RIGHTS with 1 fd");
    r = recv_fds(sv[1], got, MAXFDS, CMSG_SPACE(sizeof(int)), 0, &mf);
    CHECK_EQ(r, 1, "received 1 fd");
    CHECK(r == 1 && got[0] != f && got[0] >= 0, "received fd is a new number");
    CHECK(r == 1 && same_file(got[0], f), "refers to the same file");
    CHECK(r == 1 && fcntl(got[0], F_GETFD) == 0, "no FD_CLOEXEC without MSG_CMSG_CLOEXEC");
    if (r == 1) {
        read(got[0], buf, 3);
        CHECK_EQ(lseek(f, 0, SEEK_CUR), 3, "same open file description: offset shared");
        close(got[0]);
    }

    /* Three fds over a dgram socket, with MSG_CMSG_CLOEXEC. */
    fds[0] = f;
    fds[1] = 0;
    fds[2] = f;
    CHECK_EQ(send_fds(dv[0], fds, 3), 1, "sendmsg 3 fds over SOCK_DGRAM");
    r = recv_fds(dv[1], got, MAXFDS, CMSG_SPACE(3 * sizeof(int)), MSG_CMSG_CLOEXEC, &mf);
    CHECK_EQ(r, 3, "received 3 fds");
    CHECK(r == 3 && got[0] != got[2] && same_file(got[0], f) && same_file(got[2], f) && same_file(got[1], 0), "each maps to its source file, duplicates get distinct numbers");
    CHECK(r == 3 && fcntl(got[0], F_GETFD) == FD_CLOEXEC && fcntl(got[2], F_GETFD) == FD_CLOEXEC, "MSG_CMSG_CLOEXEC sets FD_CLOEXEC");
    CHECK(!(mf & MSG_CTRUNC), "no MSG_CTRUNC when the buffer fits");
    for (i = 0; i < r; i++)
        close(got[i]);

    /* Limits. */
    for (i = 0; i < MAXFDS; i++)
        fds[i] = f;
    CHECK_EQ(send_fds(sv[0], fds, 253), 1, "253 fds (SCM_MAX_FD) accepted");
    r = recv_fds(sv[1], got, MAXFDS, CMSG_SPACE(253 * sizeof(int)), 0, &mf);
    CHECK_EQ(r, 253, "received all 253");
    for (i = 0; i < r; i++)
        close(got[i]);
    CHECK_ERR(send_fds(sv[0], fds, 254), EINVAL, "254 fds (> SCM_MAX_FD) -> EINVAL");
    fds[0] = 9999;
    CHECK_ERR(send_fds(sv[0], fds, 1), EBADF, "passing a closed fd -> EBADF");
    fds[0] = f;

    /* Truncated control buffer: excess fds are closed, MSG_CTRUNC. */
    {
        int before, after;
        before = dup(0);
        close(before);
        send_fds(sv[0], fds, 3);
        /* CMSG_LEN(4) == 20 bytes: exactly one fd fits (CMSG_SPACE(4) would hold two). */
        r = recv_fds(sv[1], got, MAXFDS, CMSG_LEN(sizeof(int)), 0, &mf);
        CHECK_EQ(r, 1, "control buffer with room for 1 of 3 fds: 1 received");
        CHECK(mf & MSG_CTRUNC, "MSG_CTRUNC set");
        if (r == 1)
            close(got[0]);
        after = dup(0);
        close(after);
        CHECK_EQ(after, before, "the 2 excess fds were not installed (lowest free fd unchanged)");
        send_fds(sv[0], fds, 1);
        r = recv_fds(sv[1], got, MAXFDS, 0, 0, &mf);
        CHECK(r == 0 && (mf & MSG_CTRUNC), "no control buffer: fd dropped, MSG_CTRUNC");
    }

    /* Passing a socket's own fd through itself. */
    CHECK_EQ(send_fds(sv[0], &sv[0], 1), 1, "send a socket's own fd through it");
    r = recv_fds(sv[1], got, MAXFDS, CMSG_SPACE(sizeof(int)), 0, &mf);
    CHECK(r == 1 && same_file(got[0], sv[0]), "received fd is that socket");
    if (r == 1) {
        CHECK(send(got[0], "S", 1, 0) == 1 && recv(sv[1], buf, 1, 0) == 1 && buf[0] == 'S', "the received socket works");
        close(got[0]);
    }

    /* Pass a pipe's read end to a child. */
    pipe2(p, 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int in[1], m;
        char b[8];
        close(p[0]);
        close(p[1]);
        if (recv_fds(sv[1], in, 1, CMSG_SPACE(sizeof(int)), 0, &m) != 1)
            _exit(1);
        if (read(in[0], b, 5) != 5 || memcmp(b, "child", 5) != 0)
            _exit(2);
        _exit(0);
    }
    CHECK(pid > 0, "fork");
    if (pid > 0) {
        CHECK_EQ(send_fds(sv[0], &p[0], 1), 1, "parent sends the pipe read end");
        close(p[0]);
        write(p[1], "child", 5);
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child received the fd and read the pipe");
    }
    close(p[1]);

    /* In-flight fd survives the sender closing it. */
    {
        int t = open(path, O_RDONLY);
        send_fds(dv[0], &t, 1);
        close(t);
        r = recv_fds(dv[1], got, MAXFDS, CMSG_SPACE(sizeof(int)), 0, &mf);
        CHECK(r == 1 && read(got[0], buf, 4) == 4 && memcmp(buf, "0123", 4) == 0, "fd closed by the sender while in flight still usable");
        if (r == 1)
            close(got[0]);
    }

    close(sv[0]);
    close(sv[1]);
    close(dv[0]);
    close(dv[1]);
    close(f);
    unlink(path);
    CHECK_DONE();
}
