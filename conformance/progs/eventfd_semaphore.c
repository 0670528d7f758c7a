/* eventfd_semaphore: EFD_SEMAPHORE decrements, counter limits, blocking read/write woken by threads, short buffers, eventfd/eventfd2 flags, poll/select boundaries, fdinfo. */
/* syscalls: eventfd, eventfd2, read, write, poll, pselect6, fcntl, openat, dup, close, clone3, futex,
   clock_nanosleep, clock_gettime */
/* area: eventfd */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAXC (UINT64_MAX - 1) /* largest value the counter can hold */

static int wr(int fd, uint64_t v) { return write(fd, &v, 8); }

static uint64_t rd(int fd)
{
    uint64_t v = 0xdeadbeef;
    if (read(fd, &v, 8) != 8)
        return 0xdeadbeef;
    return v;
}

static short revents(int fd, short events)
{
    struct pollfd pf = {fd, events, 0};
    return poll(&pf, 1, 0) == 1 ? pf.revents : 0;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1)
        ;
}

/* Reads /proc/self/fdinfo/FD into buf; returns the value of the line starting with key, or NULL. */
static char *fdinfo(int fd, const char *key, char *buf, size_t len)
{
    char path[64];
    ssize_t n;
    int f;
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    f = open(path, O_RDONLY);
    if (f < 0)
        return NULL;
    n = read(f, buf, len - 1);
    close(f);
    if (n <= 0)
        return NULL;
    buf[n] = 0;
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, strlen(key)) == 0) {
            char *v = l + strlen(key), *e;
            while (*v == ' ' || *v == '\t')
                v++;
            e = strchr(v, '\n');
            if (e)
                *e = 0;
            return v;
        }
    }
    return NULL;
}

static int th_fd;
static uint64_t th_val;
static void *late_write(void *arg)
{
    (void)arg;
    sleep_ms(30);
    wr(th_fd, th_val);
    return NULL;
}
static uint64_t th_read;
static void *late_read(void *arg)
{
    (void)arg;
    sleep_ms(30);
    th_read = rd(th_fd);
    return NULL;
}

int main(void)
{
    char info[512], *v;
    uint64_t buf2[2];
    int fd, r;
    long long t0;
    pthread_t th;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Semaphore with an initial value. */
    fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK(fd >= 0, "eventfd(3, EFD_SEMAPHORE|EFD_NONBLOCK)");
    if (fd < 0)
        CHECK_DONE();
    v = fdinfo(fd, "eventfd-count:", info, sizeof(info));
    CHECK(v && strtoull(v, NULL, 16) == 3, "fdinfo eventfd-count is 3 (hex)");
    v = fdinfo(fd, "eventfd-semaphore:", info, sizeof(info));
    CHECK(v && strcmp(v, "1") == 0, "fdinfo eventfd-semaphore: 1");
    v = fdinfo(fd, "flags:", info, sizeof(info));
    CHECK(v && (strtoul(v, NULL, 8) & (O_NONBLOCK | O_ACCMODE)) == (O_NONBLOCK | O_RDWR),
          "fdinfo flags: O_RDWR|O_NONBLOCK");
    CHECK_EQ(rd(fd), 1, "semaphore read returns 1");
    v = fdinfo(fd, "eventfd-count:", info, sizeof(info));
    CHECK(v && strtoull(v, NULL, 16) == 2, "counter decremented by exactly 1 (fdinfo 2)");
    CHECK_EQ(revents(fd, POLLIN | POLLOUT), POLLIN | POLLOUT, "count 2: POLLIN|POLLOUT");
    CHECK_EQ(wr(fd, 10), 8, "write 10 to a semaphore eventfd adds 10");
    v = fdinfo(fd, "eventfd-count:", info, sizeof(info));
    CHECK(v && strtoull(v, NULL, 16) == 12, "fdinfo eventfd-count 12 (c in hex)");
    {
        int ones = 0;
        for (int i = 0; i < 12; i++)
            ones += rd(fd) == 1;
        CHECK_EQ(ones, 12, "twelve semaphore reads each return 1");
    }
    CHECK_EQ(revents(fd, POLLIN | POLLOUT), POLLOUT, "count 0: POLLOUT only");
    CHECK_ERR(read(fd, buf2, 8), EAGAIN, "semaphore at 0, non-blocking -> EAGAIN");
    /* A 16-byte read of a semaphore still returns one 8-byte value of 1. */
    wr(fd, 2);
    buf2[0] = buf2[1] = 77;
    CHECK(read(fd, buf2, 16) == 8 && buf2[0] == 1 && buf2[1] == 77, "16-byte semaphore read: 8 bytes, value 1");
    CHECK_EQ(rd(fd), 1, "remaining 1 read");

    /* Blocking semaphore read woken by a write from another thread. */
    CHECK_OK(fcntl(fd, F_SETFL, 0), "clear O_NONBLOCK with F_SETFL");
    th_fd = fd;
    th_val = 2;
    t0 = now_ms();
    r = pthread_create(&th, NULL, late_write, NULL);
    CHECK_EQ(r, 0, "pthread_create");
    if (r == 0) {
        CHECK_EQ(rd(fd), 1, "blocked semaphore read woken by write(2) returns 1");
        t0 = now_ms() - t0;
        CHECK(t0 >= 20 && t0 < 2000, "blocked read waited for the writer (>= 20 ms)");
        pthread_join(th, NULL);
        fcntl(fd, F_SETFL, O_NONBLOCK);
        CHECK_EQ(rd(fd), 1, "the writer's second unit is still there");
    }
    close(fd);

    /* Counter limits and overflow. */
    fd = eventfd(0, EFD_NONBLOCK);
    CHECK(fd >= 0, "eventfd(0, EFD_NONBLOCK)");
    CHECK_ERR(wr(fd, UINT64_MAX), EINVAL, "write 0xffffffffffffffff -> EINVAL");
    CHECK_EQ(revents(fd, POLLIN), 0, "failed write left the counter at 0");
    CHECK_EQ(wr(fd, MAXC - 1), 8, "write max-1 (0xfffffffffffffffd)");
    CHECK_EQ(revents(fd, POLLIN | POLLOUT), POLLIN | POLLOUT, "count max-1: still writable");
    CHECK_ERR(wr(fd, 2), EAGAIN, "write 2 at max-1 would overflow -> EAGAIN");
    CHECK_EQ(wr(fd, 1), 8, "write 1 at max-1 reaches the maximum");
    CHECK_EQ(revents(fd, POLLIN | POLLOUT), POLLIN, "count at maximum: not writable");
    CHECK_ERR(wr(fd, 1), EAGAIN, "write 1 at maximum -> EAGAIN");
    CHECK_EQ(wr(fd, 0), 8, "write 0 at maximum succeeds");
    v = fdinfo(fd, "eventfd-count:", info, sizeof(info));
    CHECK(v && strtoull(v, NULL, 16) == MAXC, "fdinfo eventfd-count fffffffffffffffe");
    v = fdinfo(fd, "eventfd-semaphore:", info, sizeof(info));
    CHECK(v && strcmp(v, "0") == 0, "fdinfo eventfd-semaphore: 0 for a plain eventfd");
    {
        fd_set rs, ws;
        struct timeval tv = {0, 0};
        FD_ZERO(&rs);
        FD_ZERO(&ws);
        FD_SET(fd, &rs);
        FD_SET(fd, &ws);
        CHECK(select(fd + 1, &rs, &ws, NULL, &tv) == 1 && FD_ISSET(fd, &rs) && !FD_ISSET(fd, &ws),
              "select at maximum: readable, not writable");
    }

    /* A blocking write at the maximum waits until a reader makes room. */
    CHECK_OK(fcntl(fd, F_SETFL, 0), "make the eventfd blocking");
    th_fd = fd;
    th_read = 0;
    t0 = now_ms();
    r = pthread_create(&th, NULL, late_read, NULL);
    if (r == 0) {
        CHECK_EQ(wr(fd, 5), 8, "blocked write at maximum completes after a read");
        t0 = now_ms() - t0;
        pthread_join(th, NULL);
        CHECK_EQ(th_read, MAXC, "reader got the maximum value");
        CHECK(t0 >= 20 && t0 < 2000, "write blocked until the read (>= 20 ms)");
        CHECK_EQ(rd(fd), 5, "counter holds the blocked write's 5");
    } else
        CHECK(0, "pthread_create");

    /* Buffer sizes. */
    wr(fd, 4);
    CHECK_ERR(read(fd, buf2, 7), EINVAL, "read with a 7-byte buffer -> EINVAL");
    CHECK_ERR(read(fd, buf2, 0), EINVAL, "read with a 0-byte buffer -> EINVAL");
    CHECK_ERR(write(fd, buf2, 7), EINVAL, "write with a 7-byte buffer -> EINVAL");
    CHECK_ERR(write(fd, buf2, 0), EINVAL, "write with a 0-byte buffer -> EINVAL");
    buf2[0] = 6;
    buf2[1] = 1000;
    /* Linux 6.18 requires exactly 8 bytes for write (reads accept larger buffers). */
    CHECK_ERR(write(fd, buf2, 16), EINVAL, "write with a 16-byte buffer -> EINVAL");
    CHECK_ERR(write(fd, buf2, 9), EINVAL, "write with a 9-byte buffer -> EINVAL");
    fcntl(fd, F_SETFL, O_NONBLOCK);
    CHECK_EQ(rd(fd), 4, "counter unchanged by the rejected writes");
    CHECK_ERR(syscall(SYS_write, fd, (void *)8, 8), EFAULT, "write from a bad pointer -> EFAULT");
    CHECK_ERR(read(fd, buf2, 8), EAGAIN, "counter untouched by the faulting write");

    /* dup shares the counter. */
    {
        int d = dup(fd);
        wr(d, 9);
        CHECK_EQ(rd(fd), 9, "write through a dup is read through the original");
        close(d);
    }
    close(fd);

    /* Flags of eventfd2 and the legacy eventfd syscall. */
    fd = syscall(SYS_eventfd, 42);
    CHECK(fd >= 0, "legacy eventfd(42) syscall");
    if (fd >= 0) {
        CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK) && !(fcntl(fd, F_GETFD) & FD_CLOEXEC),
              "legacy eventfd: no flags");
        CHECK_EQ(rd(fd), 42, "legacy eventfd: initval 42");
        close(fd);
    }
    fd = syscall(SYS_eventfd2, 1, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_NONBLOCK),
          "eventfd2 with all three flags");
    close(fd);
    CHECK_ERR(syscall(SYS_eventfd2, 0, O_APPEND), EINVAL, "eventfd2 O_APPEND -> EINVAL");
    CHECK_ERR(syscall(SYS_eventfd2, 0, 2), EINVAL, "eventfd2 flag bit 2 (O_RDWR) -> EINVAL");
    CHECK_ERR(syscall(SYS_eventfd2, 0, EFD_SEMAPHORE | 0x100), EINVAL, "eventfd2 semaphore plus an unknown bit -> EINVAL");
    CHECK_DONE();
}
