/* futex: FUTEX_WAIT/WAKE semantics, timeouts, bitsets, requeue, errnos. */
/* syscalls: futex, clock_gettime, mmap, fork, wait4, nanosleep */
/* area: threads */
#include "check.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(void *uaddr, int op, unsigned val, const struct timespec *ts, void *uaddr2, unsigned val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

/* Wakes one waiter on addr, retrying until one is actually woken (<= 2s). */
static long wake_one_retry(int *addr, int op, unsigned bitset)
{
    for (int i = 0; i < 2000; i++) {
        long n = futex(addr, op, 1, NULL, NULL, bitset);
        if (n != 0)
            return n;
        sleep_ms(1);
    }
    return 0;
}

static int word;
static int waiter_first_ret = -2;
static int waiter_first_errno;

static void *waiter(void *arg)
{
    int op = (intptr_t)arg;
    long r = futex(&word, op, 0, NULL, NULL, op == FUTEX_WAIT_BITSET ? 1 : 0);
    waiter_first_ret = r;
    waiter_first_errno = errno;
    while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == 0)
        futex(&word, FUTEX_WAIT, 0, NULL, NULL, 0);
    return NULL;
}

static int many_word;
static void *many_waiter(void *arg)
{
    (void)arg;
    futex(&many_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

int main(void)
{
    int v = 5;
    struct timespec ts;
    long long t0;
    pthread_t th;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */

    CHECK_ERR(futex(&v, FUTEX_WAIT, 4, NULL, NULL, 0), EAGAIN, "FUTEX_WAIT value mismatch -> EAGAIN");
    CHECK_ERR(futex(&v, FUTEX_WAIT_PRIVATE, 6, NULL, NULL, 0), EAGAIN, "FUTEX_WAIT_PRIVATE mismatch -> EAGAIN");
    CHECK_EQ(futex(&v, FUTEX_WAKE, 1, NULL, NULL, 0), 0, "FUTEX_WAKE with no waiters returns 0");
    CHECK_EQ(futex(&v, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0, "FUTEX_WAKE_PRIVATE INT_MAX, no waiters -> 0");

    ts = (struct timespec){ 0, 20000000 };
    t0 = now_ns();
    CHECK_ERR(futex(&v, FUTEX_WAIT, 5, &ts, NULL, 0), ETIMEDOUT, "FUTEX_WAIT 20ms relative timeout -> ETIMEDOUT");
    CHECK(now_ns() - t0 >= 19000000LL, "FUTEX_WAIT timeout waited at least 20ms");
    ts = (struct timespec){ 0, 0 };
    CHECK_ERR(futex(&v, FUTEX_WAIT, 5, &ts, NULL, 0), ETIMEDOUT, "FUTEX_WAIT zero timeout -> ETIMEDOUT");
    ts = (struct timespec){ 0, 1000000000 };
    CHECK_ERR(futex(&v, FUTEX_WAIT, 5, &ts, NULL, 0), EINVAL, "FUTEX_WAIT tv_nsec = 1e9 -> EINVAL");
    ts = (struct timespec){ -1, 0 };
    CHECK_ERR(futex(&v, FUTEX_WAIT, 5, &ts, NULL, 0), EINVAL, "FUTEX_WAIT negative timeout -> EINVAL");

    /* FUTEX_WAIT_BITSET takes an absolute timeout. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 10000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    t0 = now_ns();
    CHECK_ERR(futex(&v, FUTEX_WAIT_BITSET, 5, &ts, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
              "FUTEX_WAIT_BITSET absolute CLOCK_MONOTONIC deadline -> ETIMEDOUT");
    CHECK(now_ns() - t0 >= 9000000LL, "absolute deadline honoured (>= 10ms)");
    ts = (struct timespec){ 1, 0 }; /* long past on CLOCK_REALTIME */
    CHECK_ERR(futex(&v, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5, &ts, NULL, FUTEX_BITSET_MATCH_ANY),
              ETIMEDOUT, "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME past deadline -> ETIMEDOUT");
    CHECK_ERR(futex(&v, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0), EINVAL, "FUTEX_WAIT_BITSET bitset 0 -> EINVAL");
    CHECK_ERR(futex(&v, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL, "FUTEX_WAKE_BITSET bitset 0 -> EINVAL");

    CHECK_ERR(futex((char *)&v + 1, FUTEX_WAIT, 5, NULL, NULL, 0), EINVAL, "unaligned futex address -> EINVAL");
    CHECK_ERR(futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT, "FUTEX_WAIT on NULL -> EFAULT");
    CHECK_ERR(futex(&v, 99, 0, NULL, NULL, 0), ENOSYS, "unknown futex op -> ENOSYS");
    {
        int w2 = 0;
        CHECK_EQ(futex(&v, FUTEX_REQUEUE, 1, (void *)(long)INT_MAX, &w2, 0), 0, "FUTEX_REQUEUE with no waiters -> 0");
        CHECK_ERR(futex(&v, FUTEX_CMP_REQUEUE, 1, (void *)(long)INT_MAX, &w2, 4), EAGAIN,
                  "FUTEX_CMP_REQUEUE with val3 != *uaddr -> EAGAIN");
        CHECK_EQ(futex(&v, FUTEX_CMP_REQUEUE, 1, (void *)(long)INT_MAX, &w2, 5), 0,
                 "FUTEX_CMP_REQUEUE matching val3, no waiters -> 0");
    }

    /* Cross-thread wake. */
    word = 0;
    pthread_create(&th, NULL, waiter, (void *)(intptr_t)FUTEX_WAIT);
    CHECK_EQ(wake_one_retry(&word, FUTEX_WAKE, 0), 1, "FUTEX_WAKE wakes exactly one blocked thread");
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    futex(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    pthread_join(th, NULL);
    CHECK_EQ(waiter_first_ret, 0, "woken FUTEX_WAIT returns 0");

    /* Bitset wake only matches overlapping bitsets. */
    word = 0;
    waiter_first_ret = -2;
    pthread_create(&th, NULL, waiter, (void *)(intptr_t)FUTEX_WAIT_BITSET);
    {
        long n = 0;
        int other_bits_woke = 0;
        for (int i = 0; i < 2000 && n == 0; i++) {
            other_bits_woke |= futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 2) != 0;
            n = futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 1 | 4);
            if (n == 0)
                sleep_ms(1);
        }
        CHECK_EQ(other_bits_woke, 0, "FUTEX_WAKE_BITSET with disjoint bitset wakes nobody");
        CHECK_EQ(n, 1, "FUTEX_WAKE_BITSET with overlapping bitset wakes the waiter");
    }
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    futex(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    pthread_join(th, NULL);
    CHECK_EQ(waiter_first_ret, 0, "bitset waiter returned 0");

    /* Three waiters woken one at a time. */
    {
        pthread_t t3[3];
        long total = 0, n;
        int ok = 1;
        for (int i = 0; i < 3; i++)
            pthread_create(&t3[i], NULL, many_waiter, NULL);
        for (int i = 0; i < 4000 && total < 3; i++) {
            n = futex(&many_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
            ok &= n == 0 || n == 1;
            total += n;
            if (n == 0)
                sleep_ms(1);
        }
        for (int i = 0; i < 3; i++)
            pthread_join(t3[i], NULL);
        CHECK(ok, "FUTEX_WAKE with nr=1 never wakes more than one");
        CHECK_EQ(total, 3, "three waiters each woken once");
    }

    /* Shared futex between processes on a MAP_SHARED page. */
    {
        int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        int status;
        *sh = 0;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            long r = futex(sh, FUTEX_WAIT, 0, NULL, NULL, 0);
            while (__atomic_load_n(sh, __ATOMIC_SEQ_CST) == 0)
                futex(sh, FUTEX_WAIT, 0, NULL, NULL, 0);
            _exit(r == 0 ? 0 : 1);
        }
        CHECK_EQ(wake_one_retry(sh, FUTEX_WAKE, 0), 1, "shared FUTEX_WAKE wakes a waiter in another process");
        __atomic_store_n(sh, 1, __ATOMIC_SEQ_CST);
        futex(sh, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child's FUTEX_WAIT returned 0 after the wake");
        munmap(sh, 4096);
    }
    CHECK_DONE();
}
