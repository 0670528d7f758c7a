/* futex_ops: futex bitset wakes, REQUEUE/CMP_REQUEUE with waiters, WAKE_OP arithmetic and compares, private vs shared keys, CLOCK_REALTIME, EINTR, EFAULT, PI lock/unlock. */
/* syscalls: futex, gettid, getpid, tgkill, mmap, munmap, mprotect, clone, clone3, wait4, openat, read,
   close, write, rt_sigaction, clock_gettime, clock_nanosleep, alarm, exit_group */
/* area: threads */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex6(void *uaddr, int op, unsigned val, const void *ts, void *uaddr2, unsigned val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static int gettid_(void)
{
    return (int)syscall(SYS_gettid);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct timespec abs_after(clockid_t clk, long ms)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Waits (<= 2 s) until task tid of process pid (0 = self) is sleeping ('S'), then a little longer. */
static void wait_blocked(int pid, int tid)
{
    char path[64], buf[256];
    if (pid)
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    else
        snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
    for (int i = 0; i < 2000; i++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            break;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
            break;
        buf[n] = 0;
        char *rp = strrchr(buf, ')');
        if (rp && rp[1] == ' ' && rp[2] == 'S')
            break;
        sleep_ms(1);
    }
    sleep_ms(5);
}

struct waiter {
    int *addr;
    int op;
    unsigned val;
    unsigned bitset;
    long ret;
    int err;
    volatile int tid;
    volatile int done;
    pthread_t th;
};

static void *waiter_fn(void *arg)
{
    struct waiter *w = arg;
    struct timespec to = {3, 0}; /* relative for FUTEX_WAIT; never reached normally */
    const struct timespec *tp = NULL;
    if ((w->op & FUTEX_CMD_MASK) == FUTEX_WAIT)
        tp = &to;
    __atomic_store_n(&w->tid, gettid_(), __ATOMIC_SEQ_CST);
    errno = 0;
    w->ret = futex6(w->addr, w->op, w->val, tp, NULL, w->bitset);
    w->err = errno;
    __atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Starts a waiter thread and returns once it is blocked in the kernel. */
static void start_waiter(struct waiter *w, int *addr, int op, unsigned val, unsigned bitset)
{
    memset(w, 0, sizeof(*w));
    w->addr = addr;
    w->op = op;
    w->val = val;
    w->bitset = bitset;
    pthread_create(&w->th, NULL, waiter_fn, w);
    while (__atomic_load_n(&w->tid, __ATOMIC_SEQ_CST) == 0)
        sleep_ms(1);
    wait_blocked(0, w->tid);
}

/* Waits up to 1 s for the waiter to finish. */
static int finished(struct waiter *w)
{
    for (int i = 0; i < 1000 && !__atomic_load_n(&w->done, __ATOMIC_SEQ_CST); i++)
        sleep_ms(1);
    return __atomic_load_n(&w->done, __ATOMIC_SEQ_CST);
}

/* Wakes any leftover waiter on addr and joins it. */
static void finish(struct waiter *w)
{
    while (!__atomic_load_n(&w->done, __ATOMIC_SEQ_CST)) {
        futex6(w->addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
        futex6(w->addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
        sleep_ms(1);
    }
    pthread_join(w->th, NULL);
}

static int pi_word;
static long pi_ret[4];
static int pi_err[4];
static volatile int pi_tid, pi_stage;

static void *pi_other(void *arg)
{
    (void)arg;
    pi_tid = gettid_();
    errno = 0;
    pi_ret[0] = futex6(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    pi_err[0] = errno;
    errno = 0;
    pi_ret[1] = futex6(&pi_word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    pi_err[1] = errno;
    return NULL;
}

/* Blocks in FUTEX_LOCK_PI until main unlocks; records the word it then sees. */
static void *pi_contender(void *arg)
{
    (void)arg;
    __atomic_store_n(&pi_tid, gettid_(), __ATOMIC_SEQ_CST);
    errno = 0;
    pi_ret[2] = futex6(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    pi_err[2] = errno;
    pi_ret[3] = __atomic_load_n(&pi_word, __ATOMIC_SEQ_CST);
    futex6(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

/* Holds the PI lock until pi_stage becomes 2. */
static void *pi_holder(void *arg)
{
    (void)arg;
    futex6(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    __atomic_store_n(&pi_stage, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&pi_stage, __ATOMIC_SEQ_CST) != 2)
        sleep_ms(1);
    futex6(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static void on_usr1(int s)
{
    (void)s;
}

static int fa, fb;

int main(void)
{
    struct waiter w1, w2, w3;
    long r;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* ---- bitsets ---- */
    fa = 0;
    start_waiter(&w1, &fa, FUTEX_WAIT_BITSET_PRIVATE, 0, 0x1);
    CHECK_EQ(futex6(&fa, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2), 0,
             "WAKE_BITSET 0x2 does not wake a bitset-0x1 waiter");
    CHECK_EQ(futex6(&fa, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1, "plain FUTEX_WAKE (match any) wakes a bitset waiter");
    CHECK(finished(&w1) && w1.ret == 0, "bitset waiter returns 0 when woken");
    finish(&w1);

    start_waiter(&w1, &fa, FUTEX_WAIT_PRIVATE, 0, 0);
    CHECK_EQ(futex6(&fa, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x80000000u), 1,
             "FUTEX_WAIT waiter (bitset all ones) woken by WAKE_BITSET 0x80000000");
    finish(&w1);

    start_waiter(&w1, &fa, FUTEX_WAIT_BITSET_PRIVATE, 0, 0x1);
    start_waiter(&w2, &fa, FUTEX_WAIT_BITSET_PRIVATE, 0, 0x2);
    CHECK_EQ(futex6(&fa, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2), 1,
             "WAKE_BITSET 0x2, nr INT_MAX wakes only the 0x2 waiter");
    CHECK(finished(&w2) && !w1.done, "the 0x1 waiter is still blocked");
    CHECK_EQ(futex6(&fa, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x3), 1, "WAKE_BITSET 0x3 wakes the 0x1 waiter");
    finish(&w1);
    finish(&w2);
    CHECK_ERR(futex6(&fa, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, 0x1), EAGAIN, "WAIT_BITSET value mismatch -> EAGAIN");

    /* ---- requeue with waiters ---- */
    fa = 0;
    fb = 0;
    start_waiter(&w1, &fa, FUTEX_WAIT_PRIVATE, 0, 0);
    start_waiter(&w2, &fa, FUTEX_WAIT_PRIVATE, 0, 0);
    start_waiter(&w3, &fa, FUTEX_WAIT_PRIVATE, 0, 0);
    r = futex6(&fa, FUTEX_REQUEUE_PRIVATE, 1, (void *)1L, &fb, 0);
    CHECK_EQ(r, 2, "FUTEX_REQUEUE nr_wake 1, nr_requeue 1 with 3 waiters returns 2 (woken + requeued)");
    CHECK_EQ(futex6(&fb, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1, "one waiter now waits on the second futex");
    CHECK_EQ(futex6(&fa, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1, "one waiter left on the first futex");
    finish(&w1);
    finish(&w2);
    finish(&w3);
    CHECK(w1.ret == 0 && w2.ret == 0 && w3.ret == 0, "woken and requeued waiters all return 0");

    start_waiter(&w1, &fa, FUTEX_WAIT_PRIVATE, 0, 0);
    start_waiter(&w2, &fa, FUTEX_WAIT_PRIVATE, 0, 0);
    CHECK_ERR(futex6(&fa, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, &fb, 1), EAGAIN,
              "FUTEX_CMP_REQUEUE with waiters, val3 != *uaddr -> EAGAIN");
    CHECK(!w1.done && !w2.done, "failed CMP_REQUEUE woke nobody");
    r = futex6(&fa, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, &fb, 0);
    CHECK_EQ(r, 2, "FUTEX_CMP_REQUEUE nr_wake 0 requeues both waiters, returns 2");
    CHECK(!w1.done && !w2.done, "requeued waiters are still blocked");
    CHECK_EQ(futex6(&fa, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0, "nobody left on the first futex");
    CHECK_EQ(futex6(&fb, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 2, "both woken on the second futex");
    finish(&w1);
    finish(&w2);
    CHECK_ERR(futex6(&fa, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)-1L, &fb, 0), EINVAL,
              "FUTEX_CMP_REQUEUE negative nr_requeue -> EINVAL");
    CHECK_ERR(futex6(&fa, FUTEX_REQUEUE_PRIVATE, 1, (void *)1L, (char *)&fb + 2, 0), EINVAL,
              "FUTEX_REQUEUE unaligned uaddr2 -> EINVAL");

    /* ---- FUTEX_WAKE_OP ---- */
    {
        int *b = &fb;
        struct {
            unsigned op;
            int want;
            const char *desc;
        } ops[] = {
            {FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0), 5, "WAKE_OP SET 5"},
            {FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 0), 8, "WAKE_OP ADD 3"},
            {FUTEX_OP(FUTEX_OP_OR, 0x10, FUTEX_OP_CMP_EQ, 0), 0x18, "WAKE_OP OR 0x10"},
            {FUTEX_OP(FUTEX_OP_ANDN, 0x8, FUTEX_OP_CMP_EQ, 0), 0x10, "WAKE_OP ANDN 0x8"},
            {FUTEX_OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_EQ, 0), 0xef, "WAKE_OP XOR 0xff"},
            {FUTEX_OP(FUTEX_OP_ADD, 0xfff, FUTEX_OP_CMP_EQ, 0), 0xee, "WAKE_OP ADD 0xfff (oparg sign-extended: -1)"},
            {FUTEX_OP((FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_EQ, 0), 16,
             "WAKE_OP SET with OPARG_SHIFT 4 -> 1<<4"},
        };
        *b = 0;
        for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
            r = futex6(&fa, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, b, ops[i].op);
            CHECK(r == 0 && *b == ops[i].want, ops[i].desc);
        }
        /* compare true: wakes the uaddr2 waiter. */
        fb = 0;
        start_waiter(&w1, &fb, FUTEX_WAIT_PRIVATE, 0, 0);
        r = futex6(&fa, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &fb, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0));
        CHECK(r == 1 && fb == 1, "WAKE_OP: oldval 0 == 0 -> uaddr2 waiter woken, returns 1");
        CHECK(finished(&w1) && w1.ret == 0, "uaddr2 waiter returned 0");
        finish(&w1);
        /* compare false: uaddr2 still modified but waiter stays. */
        start_waiter(&w1, &fb, FUTEX_WAIT_PRIVATE, 1, 0);
        r = futex6(&fa, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &fb, FUTEX_OP(FUTEX_OP_SET, 2, FUTEX_OP_CMP_GT, 5));
        CHECK(r == 0 && fb == 2 && !w1.done, "WAKE_OP: oldval 1 > 5 false -> no wake, uaddr2 still set to 2");
        r = futex6(&fa, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &fb, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_LT, 3));
        CHECK(r == 1 && fb == 3, "WAKE_OP: oldval 2 < 3 -> wakes (blocked on stale value 1), uaddr2 3");
        finish(&w1);
        /* waiter on uaddr1 is woken regardless of the compare. */
        fa = 0;
        start_waiter(&w1, &fa, FUTEX_WAIT_PRIVATE, 0, 0);
        start_waiter(&w2, &fb, FUTEX_WAIT_PRIVATE, 3, 0);
        r = futex6(&fa, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &fb, FUTEX_OP(FUTEX_OP_SET, 4, FUTEX_OP_CMP_NE, 3));
        CHECK(r == 1 && finished(&w1) && !w2.done, "WAKE_OP: cmp false still wakes nr_wake on uaddr1 only");
        r = futex6(&fa, FUTEX_WAKE_OP_PRIVATE, 0, (void *)1L, &fb, FUTEX_OP(FUTEX_OP_SET, 4, FUTEX_OP_CMP_GE, 4));
        CHECK(r == 1 && finished(&w2), "WAKE_OP: oldval 4 >= 4 wakes nr_wake2 on uaddr2");
        finish(&w1);
        finish(&w2);
        int before = fb;
        CHECK_ERR(futex6(&fa, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &fb, FUTEX_OP(7, 1, FUTEX_OP_CMP_EQ, 0)), ENOSYS,
                  "WAKE_OP unknown op 7 -> ENOSYS");
        CHECK_EQ(fb, before, "WAKE_OP with an unknown op left uaddr2 unchanged");
        CHECK_ERR(futex6(&fa, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &fb, FUTEX_OP(FUTEX_OP_SET, 1, 6, 0)), ENOSYS,
                  "WAKE_OP unknown cmp 6 -> ENOSYS");
        /* Linux applies the op before it evaluates (and rejects) the compare. */
        CHECK_EQ(fb, 1, "WAKE_OP with an unknown cmp still stored the op result");
        CHECK_ERR(futex6(&fa, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, NULL, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)),
                  EFAULT, "WAKE_OP uaddr2 NULL -> EFAULT");
    }

    /* ---- private vs shared keys ---- */
    fa = 0;
    start_waiter(&w1, &fa, FUTEX_WAIT_PRIVATE, 0, 0);
    CHECK_EQ(futex6(&fa, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0, "shared FUTEX_WAKE does not wake a FUTEX_WAIT_PRIVATE waiter");
    CHECK_EQ(futex6(&fa, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1, "FUTEX_WAKE_PRIVATE wakes it");
    finish(&w1);
    start_waiter(&w1, &fa, FUTEX_WAIT, 0, 0);
    CHECK_EQ(futex6(&fa, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0, "FUTEX_WAKE_PRIVATE does not wake a shared waiter");
    CHECK_EQ(futex6(&fa, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1, "shared FUTEX_WAKE wakes it");
    finish(&w1);
    {
        int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sh == MAP_FAILED) {
            CHECK(0, "mmap shared page");
        } else {
            *sh = 0;
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                struct timespec to = {0, 300000000};
                long rr = futex6(sh, FUTEX_WAIT_PRIVATE, 0, &to, NULL, 0);
                _exit(rr == -1 && errno == ETIMEDOUT ? 0 : 1);
            }
            wait_blocked(pid, 0);
            r = futex6(sh, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) + futex6(sh, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
            CHECK_EQ(r, 0, "neither wake reaches a PRIVATE waiter in another process on MAP_SHARED memory");
            int st;
            CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "the other process's private wait timed out");
            munmap(sh, 4096);
        }
    }

    /* ---- clocks and timeouts ---- */
    {
        struct timespec dl = abs_after(CLOCK_REALTIME, 50);
        double t0 = now_mono();
        fa = 0;
        CHECK_ERR(futex6(&fa, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &dl, NULL, FUTEX_BITSET_MATCH_ANY),
                  ETIMEDOUT, "WAIT_BITSET|CLOCK_REALTIME absolute deadline +50ms -> ETIMEDOUT");
        double el = now_mono() - t0;
        CHECK(el >= 0.04 && el < 2.0, "realtime absolute deadline waited about 50 ms");
        struct timespec past = {1, 0};
        t0 = now_mono();
        CHECK_ERR(futex6(&fa, FUTEX_WAIT_BITSET_PRIVATE, 0, &past, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
                  "WAIT_BITSET monotonic deadline in the past -> ETIMEDOUT");
        CHECK(now_mono() - t0 < 1.0, "past deadline returns at once");
        struct timespec rel = {0, 10000000};
        /* Linux 6.x: FUTEX_CLOCK_REALTIME is only accepted with WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2. */
        CHECK_ERR(futex6(&fa, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &rel, NULL, 0), ENOSYS,
                  "FUTEX_WAIT|FUTEX_CLOCK_REALTIME -> ENOSYS");
        CHECK_ERR(futex6(&fa, FUTEX_WAKE_PRIVATE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS,
                  "FUTEX_WAKE|FUTEX_CLOCK_REALTIME -> ENOSYS");
        struct timespec bad = {0, -1};
        CHECK_ERR(futex6(&fa, FUTEX_WAIT_BITSET_PRIVATE, 0, &bad, NULL, FUTEX_BITSET_MATCH_ANY), EINVAL,
                  "WAIT_BITSET deadline tv_nsec -1 -> EINVAL");
    }

    /* ---- EINTR ---- */
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_usr1; /* no SA_RESTART */
        sigaction(SIGUSR1, &sa, NULL);
        fa = 0;
        start_waiter(&w1, &fa, FUTEX_WAIT_PRIVATE, 0, 0);
        syscall(SYS_tgkill, getpid(), w1.tid, SIGUSR1);
        CHECK(finished(&w1) && w1.ret == -1 && w1.err == EINTR, "FUTEX_WAIT interrupted by a handled signal -> EINTR");
        finish(&w1);
        start_waiter(&w1, &fa, FUTEX_WAIT_BITSET_PRIVATE, 0, 0x1);
        syscall(SYS_tgkill, getpid(), w1.tid, SIGUSR1);
        CHECK(finished(&w1) && w1.ret == -1 && w1.err == EINTR, "FUTEX_WAIT_BITSET (no timeout) interrupted -> EINTR");
        finish(&w1);
        signal(SIGUSR1, SIG_DFL);
    }

    /* ---- alignment and faults ---- */
    CHECK_ERR(futex6((char *)&fa + 2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), EINVAL, "FUTEX_WAKE unaligned address -> EINVAL");
    CHECK_ERR(futex6(NULL, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT, "shared FUTEX_WAKE on NULL -> EFAULT");
    fa = 0;
    CHECK_ERR(futex6(&fa, FUTEX_WAIT_PRIVATE, 0, (void *)8, NULL, 0), EFAULT, "FUTEX_WAIT with a bad timeout pointer -> EFAULT");
    {
        int *pg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (pg != MAP_FAILED) {
            pg[0] = 0;
            mprotect(pg, 4096, PROT_NONE);
            CHECK_ERR(futex6(pg, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EFAULT, "FUTEX_WAIT on a PROT_NONE page -> EFAULT");
            mprotect(pg, 4096, PROT_READ);
            CHECK_ERR(futex6(pg, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0), EAGAIN, "FUTEX_WAIT on a read-only page reads it (EAGAIN)");
            CHECK_ERR(futex6(pg, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), EFAULT,
                      "FUTEX_LOCK_PI on a read-only page -> EFAULT");
            munmap(pg, 4096);
        }
    }

    /* ---- PI futexes ---- */
    {
        int me = gettid_();
        pthread_t th;
        pi_word = 0;
        CHECK_EQ(futex6(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0, "FUTEX_LOCK_PI on a free word");
        CHECK_EQ(pi_word, me, "PI word holds the owner's tid");
        CHECK_ERR(futex6(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), EDEADLK, "FUTEX_LOCK_PI again by the owner -> EDEADLK");
        CHECK_ERR(futex6(&pi_word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), EDEADLK, "FUTEX_TRYLOCK_PI by the owner -> EDEADLK");
        pthread_create(&th, NULL, pi_other, NULL);
        pthread_join(th, NULL);
        CHECK(pi_ret[0] == -1 && pi_err[0] == EPERM, "FUTEX_UNLOCK_PI by a non-owner -> EPERM");
        CHECK(pi_ret[1] == -1 && pi_err[1] == EAGAIN, "FUTEX_TRYLOCK_PI on a lock held by another -> EAGAIN");
        /* The failed TRYLOCK_PI leaves FUTEX_WAITERS set (the kernel sets it before attaching). */
        CHECK_EQ(pi_word & FUTEX_TID_MASK, me, "failed operations left the owner in place");
        CHECK_EQ(futex6(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0, "FUTEX_UNLOCK_PI by the owner");
        CHECK_EQ(pi_word, 0, "unlocked PI word is 0");
        futex6(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);

        pi_tid = 0;
        pthread_create(&th, NULL, pi_contender, NULL);
        while (__atomic_load_n(&pi_tid, __ATOMIC_SEQ_CST) == 0)
            sleep_ms(1);
        wait_blocked(0, pi_tid);
        CHECK_EQ((unsigned)pi_word, (unsigned)(me | FUTEX_WAITERS), "blocked FUTEX_LOCK_PI sets FUTEX_WAITERS in the word");
        CHECK_EQ(futex6(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0, "FUTEX_UNLOCK_PI with a waiter");
        pthread_join(th, NULL);
        /* Linux hands the lock over with FUTEX_WAITERS set (wake_futex_pi), so the new owner unlocks in the kernel. */
        CHECK(pi_ret[2] == 0 && (unsigned)pi_ret[3] == (unsigned)(pi_tid | FUTEX_WAITERS),
              "ownership handed to the waiter: word = its tid | FUTEX_WAITERS");
        CHECK_EQ(pi_word, 0, "waiter unlocked: word 0");
        CHECK_ERR(futex6(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0), EPERM, "FUTEX_UNLOCK_PI on a free word -> EPERM");

        pi_stage = 0;
        pthread_create(&th, NULL, pi_holder, NULL);
        while (__atomic_load_n(&pi_stage, __ATOMIC_SEQ_CST) != 1)
            sleep_ms(1);
        struct timespec dl = abs_after(CLOCK_REALTIME, 50);
        double t0 = now_mono();
        CHECK_ERR(futex6(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, &dl, NULL, 0), ETIMEDOUT,
                  "FUTEX_LOCK_PI with an absolute CLOCK_REALTIME deadline on a held lock -> ETIMEDOUT");
        double el = now_mono() - t0;
        CHECK(el >= 0.04 && el < 2.0, "LOCK_PI waited about 50 ms");
        __atomic_store_n(&pi_stage, 2, __ATOMIC_SEQ_CST);
        pthread_join(th, NULL);
        CHECK_EQ(pi_word, 0, "holder released the lock");

        pi_word = 0x3ffffff0; /* tid that does not exist */
        CHECK_ERR(futex6(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), ESRCH, "FUTEX_LOCK_PI with a nonexistent owner tid -> ESRCH");
        pi_word = FUTEX_OWNER_DIED;
        CHECK_EQ(futex6(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0, "FUTEX_LOCK_PI on OWNER_DIED with no owner");
        CHECK_EQ((unsigned)pi_word, (unsigned)(me | FUTEX_OWNER_DIED), "new owner's tid stored, OWNER_DIED kept");
        pi_word = me;
        futex6(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    }
    CHECK_DONE();
}
