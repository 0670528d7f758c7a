/* eventfd: counter semantics, EFD_SEMAPHORE, EFD_NONBLOCK, overflow, poll readiness. */
/* syscalls: eventfd2, read, write, poll, fcntl, readlink, fork, wait4 */
/* area: eventfd */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wr(int fd, uint64_t v) { return write(fd, &v, 8); }

static int writer_fd;
static void *late_writer(void *arg)
{
    struct timespec ts = { 0, 20000000 };
    (void)arg;
    nanosleep(&ts, NULL);
    wr(writer_fd, 9);
    return NULL;
}

static short revents(int fd, short events)
{
    struct pollfd pf = { fd, events, 0 };
    return poll(&pf, 1, 0) == 1 ? pf.revents : 0;
}

int main(void)
{
    uint64_t v;
    int fd;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    fd = eventfd(0, 0);
    CHECK(fd >= 0, "eventfd(0, 0)");
    CHECK(!(fcntl(fd, F_GETFD) & FD_CLOEXEC) && !(fcntl(fd, F_GETFL) & O_NONBLOCK), "no flags by default");
    {
        char link[64] = { 0 }, path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        readlink(path, link, sizeof(link) - 1);
        CHECK_STREQ(link, "anon_inode:[eventfd]", "/proc/self/fd link is anon_inode:[eventfd]");
    }
    CHECK(wr(fd, 1) == 8 && wr(fd, 2) == 8 && wr(fd, 3) == 8, "write 1, 2, 3");
    CHECK(read(fd, &v, 8) == 8 && v == 6, "read returns the sum 6");
    CHECK_EQ(revents(fd, POLLIN | POLLOUT), POLLOUT, "after read: writable, not readable");
    CHECK_ERR(read(fd, &v, 4), EINVAL, "read with 4-byte buffer -> EINVAL");
    CHECK_ERR(write(fd, &v, 4), EINVAL, "write with 4-byte buffer -> EINVAL");
    CHECK_ERR(wr(fd, UINT64_MAX), EINVAL, "write 0xffffffffffffffff -> EINVAL");
    {
        uint64_t two[2] = { 0, 0 };
        CHECK(wr(fd, 5) == 8 && read(fd, two, 16) == 8 && two[0] == 5, "read with 16-byte buffer returns 8");
    }

    /* Blocking read woken by another thread. */
    {
        pthread_t th;
        writer_fd = fd;
        pthread_create(&th, NULL, late_writer, NULL);
        CHECK(read(fd, &v, 8) == 8 && v == 9, "blocking read woken by a write from another thread");
        pthread_join(th, NULL);
    }
    close(fd);

    fd = eventfd(7, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_NONBLOCK),
          "EFD_NONBLOCK|EFD_CLOEXEC set the fd flags");
    CHECK_EQ(revents(fd, POLLIN), POLLIN, "initval 7: readable");
    CHECK(read(fd, &v, 8) == 8 && v == 7, "read returns initval 7");
    CHECK_ERR(read(fd, &v, 8), EAGAIN, "EFD_NONBLOCK read at zero -> EAGAIN");
    CHECK_EQ(wr(fd, UINT64_MAX - 1), 8, "write the maximum 0xfffffffffffffffe");
    CHECK_EQ(revents(fd, POLLOUT | POLLIN), POLLIN, "at maximum: readable, not writable");
    CHECK_ERR(wr(fd, 1), EAGAIN, "overflowing write on non-blocking eventfd -> EAGAIN");
    CHECK_EQ(wr(fd, 0), 8, "writing 0 at maximum still succeeds");
    CHECK(read(fd, &v, 8) == 8 && v == UINT64_MAX - 1, "read back the maximum");
    close(fd);

    fd = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK(fd >= 0, "eventfd EFD_SEMAPHORE");
    wr(fd, 3);
    {
        int ones = 0;
        for (int i = 0; i < 3; i++)
            ones += read(fd, &v, 8) == 8 && v == 1;
        CHECK_EQ(ones, 3, "EFD_SEMAPHORE: three reads each return 1");
    }
    CHECK_ERR(read(fd, &v, 8), EAGAIN, "EFD_SEMAPHORE: fourth read -> EAGAIN");

    /* Shared with a child across fork. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(wr(fd, 2) == 8 ? 0 : 1);
    {
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child writes to inherited eventfd");
        CHECK(read(fd, &v, 8) == 8 && v == 1 && read(fd, &v, 8) == 8 && v == 1,
              "parent reads the child's 2 as two semaphore decrements");
    }
    close(fd);

    CHECK(eventfd_write(fd = eventfd(0, 0), 11) == 0 && eventfd_read(fd, &v) == 0 && v == 11,
          "eventfd_write/eventfd_read wrappers");
    close(fd);
    CHECK_ERR(eventfd(0, 0x1000), EINVAL, "eventfd invalid flags -> EINVAL");
    CHECK_ERR(syscall(SYS_eventfd2, 0, EFD_SEMAPHORE << 4), EINVAL, "eventfd2 unknown flag bit -> EINVAL");
    CHECK_ERR(read(fd, &v, 8), EBADF, "read on closed eventfd -> EBADF");
    CHECK_DONE();
}
