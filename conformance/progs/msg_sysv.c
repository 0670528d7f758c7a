/* msg_sysv: System V message queues: type selection, truncation, limits, blocking send/receive, IPC_RMID and errnos. */
/* syscalls: msgget, msgsnd, msgrcv, msgctl, fork, wait4, setuid, openat, read, nanosleep */
/* area: ipc */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct msg {
    long mtype;
    char mtext[256];
};

static int q = -1;

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int snd(long type, const char *text, int flags)
{
    struct msg m;
    m.mtype = type;
    strcpy(m.mtext, text);
    return msgsnd(q, &m, strlen(text), flags);
}

/* Receives into a static message; returns the size and NUL-terminates the text. */
static struct msg rm;
static long rcv(size_t size, long type, int flags)
{
    memset(&rm, 0, sizeof(rm));
    long n = msgrcv(q, &rm, size, type, flags);
    if (n >= 0 && n < (long)sizeof(rm.mtext))
        rm.mtext[n] = 0;
    return n;
}

static long qnum(void)
{
    struct msqid_ds ds;
    return msgctl(q, IPC_STAT, &ds) == 0 ? (long)ds.msg_qnum : -1;
}

/* Waits (<= 1.5 s) until process pid is sleeping (blocked in a syscall). */
static int wait_sleeping(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    for (int i = 0; i < 300; i++) {
        int fd = open(path, O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n > 0) {
            buf[n] = 0;
            char *p = strrchr(buf, ')');
            if (p && p[1] == ' ' && p[2] == 'S')
                return 1;
        }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static long read_long(const char *path)
{
    char buf[64];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    return strtol(buf, NULL, 10);
}

int main(void)
{
    struct msqid_ds ds;
    pid_t pid, me = getpid();
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    CHECK(q >= 0, "msgget(IPC_PRIVATE, 0600)");
    if (q < 0)
        CHECK_DONE();
    CHECK(msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 0 && ds.msg_qbytes > 0 && (ds.msg_perm.mode & 0777) == 0600,
          "IPC_STAT: empty, qbytes > 0, mode 0600");

    CHECK(snd(1, "one", 0) == 0 && snd(2, "two", 0) == 0 && snd(3, "three", 0) == 0 && snd(1, "uno", 0) == 0,
          "send types 1, 2, 3, 1");
    CHECK(msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 4 && ds.msg_cbytes == 14 && ds.msg_lspid == me,
          "IPC_STAT: qnum 4, cbytes 14, lspid");

    /* Type selection. */
    CHECK(rcv(256, 0, 0) == 3 && rm.mtype == 1 && strcmp(rm.mtext, "one") == 0, "type 0: first message (FIFO)");
    CHECK(msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_lrpid == me && ds.msg_qnum == 3, "lrpid set, qnum 3");
    CHECK(rcv(256, 2, 0) == 3 && rm.mtype == 2 && strcmp(rm.mtext, "two") == 0, "type 2: first message of type 2");
    CHECK(rcv(256, -2, 0) == 3 && rm.mtype == 1 && strcmp(rm.mtext, "uno") == 0,
          "type -2: lowest type <= 2 (skipping the earlier type 3)");
    CHECK(snd(5, "five", 0) == 0 && snd(4, "four", 0) == 0, "send types 5, 4");
    CHECK(rcv(256, 3, MSG_EXCEPT) == 4 && rm.mtype == 5 && strcmp(rm.mtext, "five") == 0,
          "MSG_EXCEPT 3: first message whose type is not 3");
    CHECK(rcv(256, -10, 0) == 5 && rm.mtype == 3 && strcmp(rm.mtext, "three") == 0, "type -10: lowest type (3)");
    CHECK_ERR(rcv(256, 7, IPC_NOWAIT), ENOMSG, "no message of type 7 with IPC_NOWAIT -> ENOMSG");
    CHECK(rcv(256, 4, IPC_NOWAIT) == 4 && strcmp(rm.mtext, "four") == 0, "type 4 with IPC_NOWAIT");
    CHECK_ERR(rcv(256, 0, IPC_NOWAIT), ENOMSG, "empty queue with IPC_NOWAIT -> ENOMSG");
    CHECK_EQ(snd(9, "", 0), 0, "zero-length message");
    CHECK(rcv(256, 0, 0) == 0 && rm.mtype == 9, "receive it: size 0, type 9");

    /* Truncation. */
    CHECK_OK(snd(6, "0123456789", 0), "send 10-byte message");
    CHECK_ERR(rcv(4, 0, IPC_NOWAIT), E2BIG, "receive into 4 bytes -> E2BIG");
    CHECK_EQ(qnum(), 1, "message stays queued after E2BIG");
    CHECK(rcv(4, 0, MSG_NOERROR) == 4 && memcmp(rm.mtext, "0123", 4) == 0 && rm.mtext[4] == 0,
          "MSG_NOERROR truncates to 4 bytes");
    CHECK_EQ(qnum(), 0, "truncated message is consumed");

    /* Argument errors. */
    CHECK_ERR(snd(0, "x", 0), EINVAL, "mtype 0 -> EINVAL");
    CHECK_ERR(snd(-5, "x", 0), EINVAL, "negative mtype -> EINVAL");
    CHECK_ERR(msgrcv(q, &rm, (size_t)-1, 0, IPC_NOWAIT), EINVAL, "negative msgsz to msgrcv -> EINVAL");
    {
        long max = read_long("/proc/sys/kernel/msgmax");
        if (max > 0 && max < (1 << 20)) {
            struct msg *big = calloc(1, sizeof(long) + max + 1);
            big->mtype = 1;
            CHECK_ERR(msgsnd(q, big, max + 1, IPC_NOWAIT), EINVAL, "message larger than msgmax -> EINVAL");
            free(big);
        } else {
            CHECK_SKIP("message larger than msgmax -> EINVAL", "msgmax unreadable or huge");
        }
    }
    CHECK_ERR(msgctl(q, 12345, &ds), EINVAL, "msgctl unknown command -> EINVAL");
    CHECK_ERR(msgsnd(-1, &rm, 1, 0), EINVAL, "invalid queue id -> EINVAL");
    CHECK_ERR(msgget(IPC_PRIVATE + 0x4d510000 + (me & 0xffff), 0600), ENOENT, "unknown key without IPC_CREAT -> ENOENT");

    /* A full queue. */
    CHECK(msgctl(q, IPC_STAT, &ds) == 0, "IPC_STAT");
    ds.msg_qbytes = 100;
    CHECK(msgctl(q, IPC_SET, &ds) == 0 && msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qbytes == 100,
          "IPC_SET lowers msg_qbytes to 100");
    char sixty[61];
    memset(sixty, 's', 60);
    sixty[60] = 0;
    CHECK_OK(snd(1, sixty, IPC_NOWAIT), "60-byte message fits");
    CHECK_ERR(snd(2, sixty, IPC_NOWAIT), EAGAIN, "second 60-byte message with IPC_NOWAIT -> EAGAIN");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(3);
        _exit(snd(2, sixty, 0) == 0 ? 0 : 1); /* blocks until the parent makes room */
    }
    CHECK(wait_sleeping(pid), "child blocks in msgsnd on the full queue");
    CHECK(rcv(256, 1, 0) == 60, "parent receives the first message");
    CHECK_EQ(wait_code(pid), 0, "child's blocked msgsnd completes");
    CHECK(rcv(256, 0, IPC_NOWAIT) == 60 && rm.mtype == 2, "child's message arrived");

    /* A blocked receiver woken by a send. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(3);
        _exit(rcv(256, 8, 0) == 4 && strcmp(rm.mtext, "wake") == 0 ? 0 : 1);
    }
    CHECK(wait_sleeping(pid), "child blocks in msgrcv(type 8)");
    CHECK(snd(7, "skip", 0) == 0 && snd(8, "wake", 0) == 0, "send types 7 and 8");
    CHECK_EQ(wait_code(pid), 0, "child received the type 8 message");
    CHECK(rcv(256, 0, IPC_NOWAIT) == 4 && rm.mtype == 7, "type 7 message left for the parent");

    /* Permissions. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int bad = 0;
        if (setuid(65534) != 0)
            _exit(100);
        if (snd(1, "x", IPC_NOWAIT) != -1 || errno != EACCES)
            bad |= 1;
        if (rcv(256, 0, IPC_NOWAIT) != -1 || errno != EACCES)
            bad |= 2;
        if (msgctl(q, IPC_STAT, &ds) != -1 || errno != EACCES)
            bad |= 4;
        if (msgctl(q, IPC_RMID, NULL) != -1 || errno != EPERM)
            bad |= 8;
        _exit(bad);
    }
    CHECK_EQ(wait_code(pid), 0, "uid 65534 on a 0600 queue: send/receive/stat EACCES, IPC_RMID EPERM"); /* needs root: setuid */

    /* IPC_RMID wakes a blocked receiver with EIDRM. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(3);
        _exit(rcv(256, 0, 0) == -1 && errno == EIDRM ? 0 : 1);
    }
    CHECK(wait_sleeping(pid), "child blocks in msgrcv on the empty queue");
    CHECK_OK(msgctl(q, IPC_RMID, NULL), "IPC_RMID");
    CHECK_EQ(wait_code(pid), 0, "blocked receiver gets EIDRM");
    CHECK_ERR(snd(1, "x", IPC_NOWAIT), EINVAL, "msgsnd on the removed queue -> EINVAL");
    CHECK_DONE();
}
