/* sem_sysv: System V semaphores: semctl values/counts, semop/semtimedop blocking and timeouts, SEM_UNDO, IPC_RMID, errnos. */
/* syscalls: semget, semctl, semop, semtimedop, fork, wait4, setuid, getpid, nanosleep, clock_gettime */
/* area: ipc */
#include "check.h"

#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static int id = -1;

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int getval(int n) { return semctl(id, n, GETVAL); }
static int setval(int n, int v)
{
    union semun u = {.val = v};
    return semctl(id, n, SETVAL, u);
}
static int op(int n, int delta, int flags)
{
    struct sembuf sb = {.sem_num = (unsigned short)n, .sem_op = (short)delta, .sem_flg = (short)flags};
    return semop(id, &sb, 1);
}
static int top(int n, int delta, int flags, long ms)
{
    struct sembuf sb = {.sem_num = (unsigned short)n, .sem_op = (short)delta, .sem_flg = (short)flags};
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    return semtimedop(id, &sb, 1, &ts);
}
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}
static void msleep(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}
/* Polls GETNCNT/GETZCNT of semaphore n until it reaches want (<= 1.5 s). */
static int wait_cnt(int cmd, int n, int want)
{
    for (int i = 0; i < 300; i++) {
        if (semctl(id, n, cmd) == want)
            return 1;
        msleep(5);
    }
    return 0;
}

int main(void)
{
    struct semid_ds ds;
    union semun u;
    unsigned short vals[3];
    pid_t pid, me = getpid();
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    CHECK(id >= 0, "semget(IPC_PRIVATE, 3 semaphores)");
    if (id < 0)
        CHECK_DONE();
    u.buf = &ds;
    CHECK(semctl(id, 0, IPC_STAT, u) == 0 && ds.sem_nsems == 3 && (ds.sem_perm.mode & 0777) == 0600,
          "IPC_STAT: sem_nsems 3, mode 0600");
    CHECK(getval(0) == 0 && getval(1) == 0 && getval(2) == 0, "new semaphores are 0");

    /* Values. */
    CHECK_OK(setval(0, 5), "SETVAL 5");
    CHECK_EQ(getval(0), 5, "GETVAL 5");
    vals[0] = 1, vals[1] = 2, vals[2] = 3;
    u.array = vals;
    CHECK_OK(semctl(id, 0, SETALL, u), "SETALL {1,2,3}");
    memset(vals, 0, sizeof(vals));
    CHECK(semctl(id, 0, GETALL, u) == 0 && vals[0] == 1 && vals[1] == 2 && vals[2] == 3, "GETALL {1,2,3}");
    CHECK_ERR(setval(0, 32768), ERANGE, "SETVAL above SEMVMX (32767) -> ERANGE");
    CHECK_ERR(setval(0, -1), ERANGE, "SETVAL -1 -> ERANGE");
    CHECK_OK(setval(0, 32767), "SETVAL 32767");
    CHECK_ERR(op(0, 1, 0), ERANGE, "semop increment past SEMVMX -> ERANGE");
    CHECK_OK(setval(0, 1), "SETVAL 1");

    /* semop. */
    CHECK_OK(op(0, 2, 0), "semop +2");
    CHECK_EQ(getval(0), 3, "value 3");
    CHECK_EQ(semctl(id, 0, GETPID), me, "GETPID is the last semop caller");
    CHECK_OK(op(0, -3, 0), "semop -3 down to 0");
    CHECK_EQ(getval(0), 0, "value 0");
    CHECK_ERR(op(0, -1, IPC_NOWAIT), EAGAIN, "decrement below zero with IPC_NOWAIT -> EAGAIN");
    CHECK_ERR(op(1, 0, IPC_NOWAIT), EAGAIN, "wait-for-zero on nonzero with IPC_NOWAIT -> EAGAIN");
    CHECK_OK(op(0, 0, 0), "wait-for-zero on a zero semaphore returns at once");
    {
        struct sembuf two[2] = {{1, -1, 0}, {2, -10, IPC_NOWAIT}};
        CHECK_ERR(semop(id, two, 2), EAGAIN, "two-op semop where the second cannot proceed -> EAGAIN");
        CHECK(getval(1) == 2 && getval(2) == 3, "... and neither operation was applied");
        two[1].sem_op = -3;
        CHECK(semop(id, two, 2) == 0 && getval(1) == 1 && getval(2) == 0, "both applied atomically when possible");
    }
    double t0 = now();
    CHECK_ERR(top(0, -1, 0, 60), EAGAIN, "semtimedop timeout -> EAGAIN");
    double dt = now() - t0;
    CHECK(dt >= 0.055 && dt < 2.0, "semtimedop waited about 60 ms");

    /* SEM_UNDO reverted when the child exits. */
    CHECK_OK(setval(0, 4), "SETVAL 4");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (op(0, -3, SEM_UNDO) != 0 || op(1, 5, SEM_UNDO) != 0)
            _exit(1);
        _exit(getval(0) == 1 && getval(1) == 6 ? 0 : 2);
    }
    CHECK_EQ(wait_code(pid), 0, "child: SEM_UNDO operations applied");
    CHECK(getval(0) == 4 && getval(1) == 1, "SEM_UNDO adjustments reverted at child exit");
    CHECK(semctl(id, 0, GETPID) == pid, "GETPID shows the child after its exit-time undo");

    /* A blocked semop woken by a child; GETNCNT observed by the child. */
    CHECK_OK(setval(0, 0), "SETVAL 0");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(5);
        if (!wait_cnt(GETNCNT, 0, 1))
            _exit(1);
        _exit(op(0, 1, 0) == 0 ? 0 : 2);
    }
    t0 = now();
    CHECK_OK(top(0, -1, 0, 2000), "blocking decrement woken by the child's increment");
    CHECK(now() - t0 < 1.9, "woken before the timeout");
    CHECK_EQ(wait_code(pid), 0, "child saw GETNCNT == 1 while the parent waited");
    CHECK(getval(0) == 0 && semctl(id, 0, GETNCNT) == 0, "value 0 and no waiters afterwards");

    /* GETZCNT. */
    CHECK_OK(setval(2, 1), "SETVAL sem2 1");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(5);
        _exit(top(2, 0, 0, 2000) == 0 ? 0 : 1);
    }
    CHECK(wait_cnt(GETZCNT, 2, 1), "GETZCNT 1 while the child waits for zero");
    CHECK_OK(op(2, -1, 0), "decrement to zero");
    CHECK_EQ(wait_code(pid), 0, "wait-for-zero in the child returns");

    /* Errors. */
    CHECK_ERR(op(3, 1, 0), EFBIG, "sem_num out of range -> EFBIG");
    CHECK_ERR(semop(id, (struct sembuf *)vals, 0), EINVAL, "nsops 0 -> EINVAL");
    CHECK_ERR(semctl(id, 3, GETVAL), EINVAL, "semctl GETVAL on semnum 3 -> EINVAL");
    CHECK_ERR(semctl(id, 0, 12345), EINVAL, "semctl unknown command -> EINVAL");
    CHECK_ERR(semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL, "semget nsems 0 -> EINVAL");
    CHECK_ERR(semget(IPC_PRIVATE, 1 << 20, IPC_CREAT | 0600), EINVAL, "semget nsems > SEMMSL -> EINVAL");
    {
        struct sembuf sb = {0, -1, 0};
        struct timespec bad = {0, 1000000000L};
        CHECK_ERR(semtimedop(id, &sb, 1, &bad), EINVAL, "semtimedop tv_nsec 1e9 (would block) -> EINVAL");
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (setuid(65534) != 0)
            _exit(100);
        int bad = 0;
        if (semctl(id, 0, GETVAL) != -1 || errno != EACCES)
            bad |= 1;
        if (op(0, 1, 0) != -1 || errno != EACCES)
            bad |= 2;
        if (semctl(id, 0, IPC_RMID) != -1 || errno != EPERM)
            bad |= 4;
        _exit(bad);
    }
    CHECK_EQ(wait_code(pid), 0, "uid 65534 on a 0600 set: GETVAL/semop EACCES, IPC_RMID EPERM"); /* needs root: setuid */

    /* IPC_RMID wakes a blocked waiter with EIDRM. */
    CHECK_OK(setval(0, 0), "SETVAL 0");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(5);
        _exit(top(0, -1, 0, 3000) == -1 && errno == EIDRM ? 0 : 1);
    }
    CHECK(wait_cnt(GETNCNT, 0, 1), "child is blocked in semtimedop");
    CHECK_OK(semctl(id, 0, IPC_RMID), "IPC_RMID");
    CHECK_EQ(wait_code(pid), 0, "blocked child woken with EIDRM");
    CHECK_ERR(getval(0), EINVAL, "removed set: GETVAL -> EINVAL");
    CHECK_ERR(op(0, 1, 0), EINVAL, "removed set: semop -> EINVAL");
    CHECK_DONE();
}
