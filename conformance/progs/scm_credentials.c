/* scm_credentials: SO_PASSCRED/SCM_CREDENTIALS (implicit and explicit), privilege checks on forged credentials, SO_PEERCRED on socketpairs and connected sockets. */
/* syscalls: socketpair, socket, bind, listen, connect, accept4, setsockopt, getsockopt, sendmsg, recvmsg, fork, setuid, setgid, wait4, pipe2, read, write, chmod, unlinkat, close */
/* area: unix */
#include "check.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Sends one byte, with explicit credentials if c != NULL. Returns 0 or errno. */
static int send_cred(int s, const struct ucred *c)
{
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(struct ucred))];
    } cb;
    struct iovec iov = {"c", 1};
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (c) {
        struct cmsghdr *cm;
        mh.msg_control = cb.b;
        mh.msg_controllen = sizeof(cb.b);
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_CREDENTIALS;
        cm->cmsg_len = CMSG_LEN(sizeof(struct ucred));
        memcpy(CMSG_DATA(cm), c, sizeof(*c));
    }
    return sendmsg(s, &mh, 0) == 1 ? 0 : errno;
}

/* Receives one message; returns 1 and fills *out if SCM_CREDENTIALS present, 0 if not, -1 on error. */
static int recv_cred(int s, struct ucred *out)
{
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(struct ucred)) + 64];
    } cb;
    char c;
    struct iovec iov = {&c, 1};
    struct msghdr mh;
    struct cmsghdr *cm;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cb.b;
    mh.msg_controllen = sizeof(cb.b);
    if (recvmsg(s, &mh, MSG_DONTWAIT) < 0)
        return -1;
    for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
            memcpy(out, CMSG_DATA(cm), sizeof(*out));
            return 1;
        }
    return 0;
}

static struct ucred peercred(int s)
{
    struct ucred c = {-1, (uid_t)-1, (gid_t)-1};
    socklen_t l = sizeof(c);
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &c, &l);
    return c;
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

int main(void)
{
    int sv[2], dv[2], one = 1, r;
    struct ucred c, got;
    pid_t me = getpid(), pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dv), "dgram socketpair");
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "stream socketpair");

    /* Without SO_PASSCRED nothing is attached. */
    send_cred(dv[0], NULL);
    CHECK_EQ(recv_cred(dv[1], &got), 0, "no SCM_CREDENTIALS without SO_PASSCRED");

    /* SO_PASSCRED: credentials attached automatically. */
    CHECK_OK(setsockopt(dv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), "set SO_PASSCRED");
    {
        int v = 0;
        socklen_t l = sizeof(v);
        getsockopt(dv[1], SOL_SOCKET, SO_PASSCRED, &v, &l);
        CHECK_EQ(v, 1, "SO_PASSCRED reads back 1");
    }
    send_cred(dv[0], NULL);
    memset(&got, 0, sizeof(got));
    r = recv_cred(dv[1], &got);
    CHECK_EQ(r, 1, "SCM_CREDENTIALS present without the sender supplying it");
    CHECK(got.pid == me && got.uid == getuid() && got.gid == getgid(), "implicit credentials are the sender's pid/uid/gid");

    /* Explicit credentials equal to our own. */
    c.pid = me;
    c.uid = getuid();
    c.gid = getgid();
    CHECK_EQ(send_cred(dv[0], &c), 0, "explicit own credentials accepted");
    r = recv_cred(dv[1], &got);
    CHECK(r == 1 && got.pid == me && got.uid == c.uid, "explicit credentials received");

    /* Root may claim another existing pid and other ids. needs root: CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID */
    c.pid = getppid();
    c.uid = 65534;
    c.gid = 65534;
    CHECK_EQ(send_cred(dv[0], &c), 0, "root: credentials with the parent's pid and uid/gid 65534 accepted");
    r = recv_cred(dv[1], &got);
    CHECK(r == 1 && got.pid == getppid() && got.uid == 65534 && got.gid == 65534, "forged credentials delivered as given");
    c.pid = 4194305; /* above pid_max limit: no such process */
    CHECK_EQ(send_cred(dv[0], &c), ESRCH, "credentials naming a nonexistent pid -> ESRCH");

    /* A forked child's credentials carry its pid. */
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(send_cred(dv[0], NULL) == 0 ? 0 : 1);
    CHECK_EQ(wait_code(pid), 0, "child sent a message");
    r = recv_cred(dv[1], &got);
    CHECK(r == 1 && got.pid == pid, "credentials carry the child's pid");

    /* Unprivileged child cannot forge. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct ucred k;
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(100);
        k.pid = getpid();
        k.uid = 65534;
        k.gid = 65534;
        if (send_cred(dv[0], &k) != 0)
            _exit(101);
        k.pid = getppid();
        if (send_cred(dv[0], &k) != EPERM)
            _exit(102);
        k.pid = getpid();
        k.uid = 0;
        if (send_cred(dv[0], &k) != EPERM)
            _exit(103);
        k.uid = 65534;
        k.gid = 0;
        if (send_cred(dv[0], &k) != EPERM)
            _exit(104);
        _exit(0);
    }
    CHECK_EQ(wait_code(pid), 0, "uid 65534: own creds ok; other pid, uid 0 or gid 0 -> EPERM");
    r = recv_cred(dv[1], &got);
    CHECK(r == 1 && got.pid == pid && got.uid == 65534 && got.gid == 65534, "unprivileged child's credentials received");
    CHECK_EQ(recv_cred(dv[1], &got), -1, "the refused messages were not queued");

    /* SO_PEERCRED. */
    got = peercred(sv[0]);
    CHECK(got.pid == me && got.uid == getuid() && got.gid == getgid(), "SO_PEERCRED on a socketpair: creator's credentials");
    {
        struct sockaddr_un ua;
        char path[80];
        int ls, a, cs, p[2];
        char ch;
        snprintf(path, sizeof(path), "/tmp/scm_credentials.%d%s", (int)me, CONF_TAG);
        unlink(path);
        memset(&ua, 0, sizeof(ua));
        ua.sun_family = AF_UNIX;
        strcpy(ua.sun_path, path);
        ls = socket(AF_UNIX, SOCK_STREAM, 0);
        bind(ls, (struct sockaddr *)&ua, sizeof(ua));
        listen(ls, 2);
        chmod(path, 0777);
        got = peercred(ls);
        CHECK(got.pid == me, "SO_PEERCRED on a listener reports its own credentials");
        {
            struct ucred bad;
            socklen_t l = sizeof(bad);
            cs = socket(AF_UNIX, SOCK_STREAM, 0);
            /* Observed Linux: no error, just an empty pid. */
            bad.pid = 12345;
            r = getsockopt(cs, SOL_SOCKET, SO_PEERCRED, &bad, &l);
            CHECK(r == 0 && bad.pid == 0, "SO_PEERCRED on an unconnected stream socket: pid 0");
            close(cs);
        }
        pipe(p);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            int s;
            close(p[1]);
            int dropped = setgid(65534) == 0 && setuid(65534) == 0;
            s = socket(AF_UNIX, SOCK_STREAM, 0);
            /* Connect even when the drop failed, so the parent's accept4 does not wait forever. */
            if (connect(s, (struct sockaddr *)&ua, sizeof(ua)) != 0)
                _exit(101);
            if (!dropped)
                _exit(100);
            struct ucred k = peercred(s);
            if (k.pid != getppid() || k.uid != 0)
                _exit(102);
            read(p[0], &ch, 1); /* keep the socket open until the parent looked */
            _exit(0);
        }
        close(p[0]);
        a = accept4(ls, NULL, NULL, 0);
        got = peercred(a);
        CHECK(a >= 0 && got.pid == pid && got.uid == 65534 && got.gid == 65534, "SO_PEERCRED on accepted socket: the connecting child (uid 65534)");
        write(p[1], "x", 1);
        CHECK_EQ(wait_code(pid), 0, "child saw the listener's credentials via SO_PEERCRED");
        close(p[1]);
        close(a);
        close(ls);
        unlink(path);
    }
    close(sv[0]);
    close(sv[1]);
    close(dv[0]);
    close(dv[1]);
    CHECK_DONE();
}
