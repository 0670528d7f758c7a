/* pipe: pipe2 used within one process (write, then read). */
/* area: pipes */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
    char buf[128];
    struct stat st;
    int p[2], q[2];

    CHECK_OK(pipe2(p, 0), "pipe2 with no flags");
    CHECK(p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "two distinct descriptors");
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY, "read end is O_RDONLY");
    CHECK_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY, "write end is O_WRONLY");
    CHECK_EQ(fcntl(p[0], F_GETFD), 0, "no FD_CLOEXEC without O_CLOEXEC");
    CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat: S_ISFIFO");

    CHECK_EQ(write(p[1], "hello ", 6), 6, "write 6 bytes");
    CHECK_EQ(write(p[1], "pipe", 4), 4, "write 4 more bytes");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(read(p[0], buf, 3), 3, "partial read of 3 bytes");
    CHECK_STREQ(buf, "hel", "partial read content");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 7, "read returns the remaining 7 bytes");
    CHECK_STREQ(buf, "lo pipe", "data is FIFO-ordered across writes");

    {
        struct iovec iov[2] = { { (void *)"ab", 2 }, { (void *)"cd", 2 } };
        CHECK_EQ(writev(p[1], iov, 2), 4, "writev into pipe");
        memset(buf, 0, sizeof(buf));
        CHECK(read(p[0], buf, sizeof(buf)) == 4 && strcmp(buf, "abcd") == 0, "read writev data");
    }

    CHECK_ERR(write(p[0], "x", 1), EBADF, "write to read end -> EBADF");
    CHECK_ERR(read(p[1], buf, 1), EBADF, "read from write end -> EBADF");
    CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE, "lseek on pipe -> ESPIPE");
    CHECK_ERR(pread(p[0], buf, 1, 0), ESPIPE, "pread on pipe -> ESPIPE");

    write(p[1], "tail", 4);
    close(p[1]);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 4, "buffered data readable after writer closes");
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 0, "EOF (0) once writer closed and drained");
    close(p[0]);

    CHECK_OK(pipe2(q, O_CLOEXEC | O_NONBLOCK), "pipe2 O_CLOEXEC|O_NONBLOCK");
    CHECK(fcntl(q[0], F_GETFD) == FD_CLOEXEC && fcntl(q[1], F_GETFD) == FD_CLOEXEC,
          "O_CLOEXEC set on both ends");
    CHECK((fcntl(q[0], F_GETFL) & O_NONBLOCK) && (fcntl(q[1], F_GETFL) & O_NONBLOCK),
          "O_NONBLOCK set on both ends");
    CHECK_ERR(read(q[0], buf, sizeof(buf)), EAGAIN, "non-blocking read on empty pipe -> EAGAIN");
    {
        /* Fill the pipe without blocking; capacity is at least one page. */
        static char chunk[4096];
        long total = 0;
        ssize_t n;
        while ((n = write(q[1], chunk, sizeof(chunk))) > 0 && total < (1L << 24))
            total += n;
        CHECK(n == -1 && errno == EAGAIN, "non-blocking write to full pipe -> EAGAIN");
        CHECK(total >= 4096, "pipe capacity >= 4096 bytes");
    }
    close(q[0]);
    close(q[1]);

    CHECK_ERR(pipe2(q, 0x1), EINVAL, "pipe2 invalid flags -> EINVAL");
    CHECK_DONE();
}
