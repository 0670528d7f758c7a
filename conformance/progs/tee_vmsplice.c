/* tee_vmsplice: tee between pipes, vmsplice to and from pipes, splice with file offsets, non-blocking, EOF, EINTR and errnos. */
/* syscalls: tee, vmsplice, splice, pipe2, socketpair, openat, read, write, pread64, lseek, fcntl, newfstatat, close,
   mmap, munmap, unlink, rt_sigaction, rt_sigreturn, kill, clone, wait4, clock_nanosleep, getpid */
/* area: splice */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig)
{
    (void)sig;
}

static int readall(int fd, char *b, int max)
{
    int n = (int)read(fd, b, max);
    if (n >= 0 && n < max)
        b[n] = 0;
    return n;
}

int main(void)
{
    char fpath[128], gpath[128], b[8192];
    int p[2], q[2], f, g, n;
    loff_t off, off2;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(fpath, sizeof(fpath), "/tmp/tee_vmsplice%s.%d.src", CONF_TAG, (int)getpid());
    snprintf(gpath, sizeof(gpath), "/tmp/tee_vmsplice%s.%d.dst", CONF_TAG, (int)getpid());
    CHECK(pipe2(p, O_NONBLOCK) == 0 && pipe2(q, O_NONBLOCK) == 0, "two non-blocking pipes");

    /* tee */
    write(p[1], "0123456789", 10);
    CHECK_EQ(tee(p[0], q[1], 4, 0), 4, "tee copies at most len (4 of 10) bytes");
    CHECK(readall(q[0], b, sizeof(b)) == 4 && memcmp(b, "0123", 4) == 0, "target got the first 4 bytes");
    CHECK_EQ(tee(p[0], q[1], 100, 0), 10, "tee again copies all 10 bytes: the source was not consumed");
    CHECK(readall(q[0], b, sizeof(b)) == 10 && memcmp(b, "0123456789", 10) == 0, "target got the whole copy");
    CHECK(readall(p[0], b, sizeof(b)) == 10 && memcmp(b, "0123456789", 10) == 0, "source still holds its 10 bytes");
    CHECK_EQ(tee(p[0], q[1], 0, 0), 0, "tee with len 0 -> 0");
    CHECK_ERR(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN, "tee from an empty pipe, SPLICE_F_NONBLOCK -> EAGAIN");
    CHECK_ERR(tee(p[0], q[1], 10, 0), EAGAIN, "tee from an empty O_NONBLOCK pipe -> EAGAIN");
    {
        /* Fill the target, then tee cannot proceed. */
        int small = fcntl(q[1], F_SETPIPE_SZ, 4096);
        memset(b, 'f', sizeof(b));
        while (write(q[1], b, sizeof(b)) > 0)
            ;
        write(p[1], "xy", 2);
        CHECK(small >= 4096, "shrink the target pipe with F_SETPIPE_SZ");
        CHECK_ERR(tee(p[0], q[1], 2, SPLICE_F_NONBLOCK), EAGAIN, "tee into a full pipe, SPLICE_F_NONBLOCK -> EAGAIN");
        while (read(q[0], b, sizeof(b)) > 0)
            ;
        read(p[0], b, sizeof(b));
    }
    {
        int e[2], s[2];
        pipe2(e, 0);
        close(e[1]);
        CHECK_EQ(tee(e[0], q[1], 10, 0), 0, "tee from an empty pipe whose writer is closed -> 0 (EOF)");
        close(e[0]);
        f = open(fpath, O_RDWR | O_CREAT | O_TRUNC, 0644);
        write(p[1], "zz", 2);
        CHECK_ERR(tee(f, q[1], 2, 0), EINVAL, "tee from a regular file -> EINVAL");
        CHECK_ERR(tee(p[0], f, 2, 0), EINVAL, "tee to a regular file -> EINVAL");
        socketpair(AF_UNIX, SOCK_STREAM, 0, s);
        CHECK_ERR(tee(p[0], s[0], 2, 0), EINVAL, "tee to a socket -> EINVAL");
        CHECK_ERR(tee(p[0], p[1], 2, 0), EINVAL, "tee a pipe into itself -> EINVAL");
        CHECK_ERR(tee(p[0], q[0], 2, 0), EBADF, "tee to a pipe's read end -> EBADF");
        CHECK_ERR(tee(p[1], q[1], 2, 0), EBADF, "tee from a pipe's write end -> EBADF");
        CHECK_ERR(tee(9999, q[1], 2, 0), EBADF, "tee from a bad fd -> EBADF");
        read(p[0], b, sizeof(b));
        close(s[0]);
        close(s[1]);
    }

    /* vmsplice */
    {
        struct iovec iov[3] = { { "vm", 2 }, { "", 0 }, { "splice", 6 } };
        CHECK_EQ(vmsplice(p[1], iov, 3, 0), 8, "vmsplice three iovecs (one empty) into a pipe");
        CHECK(readall(p[0], b, sizeof(b)) == 8 && strcmp(b, "vmsplice") == 0, "read back the vmspliced bytes");
        long pg = sysconf(_SC_PAGESIZE);
        char *page = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page != MAP_FAILED) {
            memset(page, 'G', pg);
            struct iovec gi = { page, (size_t)pg };
            CHECK_EQ(vmsplice(p[1], &gi, 1, SPLICE_F_GIFT), pg, "vmsplice a whole page with SPLICE_F_GIFT");
            munmap(page, pg);
            memset(b, 0, sizeof(b));
            CHECK(read(p[0], b, pg) == pg && b[0] == 'G' && b[pg - 1] == 'G', "gifted page contents arrive intact");
        } else {
            CHECK(0, "mmap a page for SPLICE_F_GIFT");
        }
        /* vmsplice on a read end copies pipe data out to user memory. */
        char out1[4] = "", out2[8] = "";
        struct iovec ro[2] = { { out1, 3 }, { out2, 5 } };
        write(p[1], "abcdefghij", 10);
        CHECK_EQ(vmsplice(p[0], ro, 2, 0), 8, "vmsplice from a read end fills user buffers");
        CHECK(memcmp(out1, "abc", 3) == 0 && memcmp(out2, "defgh", 5) == 0, "scattered in iovec order");
        CHECK(readall(p[0], b, sizeof(b)) == 2 && memcmp(b, "ij", 2) == 0, "the rest stays in the pipe");
        CHECK_ERR(vmsplice(p[0], ro, 2, SPLICE_F_NONBLOCK), EAGAIN, "vmsplice from an empty pipe, non-blocking -> EAGAIN");

        int small = fcntl(q[1], F_SETPIPE_SZ, 4096);
        memset(b, 'f', sizeof(b));
        while (write(q[1], b, sizeof(b)) > 0)
            ;
        struct iovec one = { "x", 1 };
        CHECK(small >= 4096, "target pipe shrunk");
        CHECK_ERR(vmsplice(q[1], &one, 1, SPLICE_F_NONBLOCK), EAGAIN, "vmsplice into a full pipe, non-blocking -> EAGAIN");
        while (read(q[0], b, sizeof(b)) > 0)
            ;
        CHECK_EQ(vmsplice(q[1], &one, 0, 0), 0, "vmsplice with nr_segs 0 -> 0");
        CHECK_ERR(vmsplice(q[1], &one, IOV_MAX + 1, 0), EINVAL, "nr_segs > IOV_MAX -> EINVAL");
        CHECK_ERR(vmsplice(q[1], &one, 1, 0x100), EINVAL, "unknown vmsplice flag -> EINVAL");
        CHECK_ERR(vmsplice(f, &one, 1, 0), EBADF, "vmsplice on a regular file -> EBADF");
        CHECK_ERR(vmsplice(9999, &one, 1, 0), EBADF, "vmsplice on a bad fd -> EBADF");
        struct iovec bad = { (void *)8, 4 };
        CHECK_ERR(vmsplice(q[1], &bad, 1, 0), EFAULT, "vmsplice from an unmapped address -> EFAULT");
    }

    /* splice file -> pipe -> file with explicit offsets. */
    write(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26);
    lseek(f, 3, SEEK_SET);
    g = open(gpath, O_RDWR | O_CREAT | O_TRUNC, 0644);
    lseek(g, 1, SEEK_SET);
    off = 10;
    CHECK_EQ(splice(f, &off, p[1], NULL, 5, 0), 5, "splice file->pipe 5 bytes at offset 10");
    CHECK(off == 15 && lseek(f, 0, SEEK_CUR) == 3, "offset updated to 15, file position untouched (3)");
    off2 = 100;
    CHECK_EQ(splice(p[0], NULL, g, &off2, 5, 0), 5, "splice pipe->file at offset 100");
    CHECK(off2 == 105 && lseek(g, 0, SEEK_CUR) == 1, "out offset updated to 105, file position untouched (1)");
    memset(b, 0, sizeof(b));
    CHECK(pread(g, b, 5, 100) == 5 && strcmp(b, "KLMNO") == 0, "destination holds KLMNO at 100");
    {
        struct stat st;
        CHECK(fstat(g, &st) == 0 && st.st_size == 105, "splice past EOF extended the file to 105");
    }
    CHECK_EQ(splice(f, NULL, p[1], NULL, 4, 0), 4, "splice with NULL offset reads at the file position");
    CHECK_EQ(lseek(f, 0, SEEK_CUR), 7, "file position advanced to 7");
    CHECK_EQ(splice(p[0], NULL, g, NULL, 4, 0), 4, "splice pipe->file with NULL offset");
    CHECK_EQ(lseek(g, 0, SEEK_CUR), 5, "destination position advanced to 5");
    memset(b, 0, sizeof(b));
    CHECK(pread(g, b, 4, 1) == 4 && strcmp(b, "DEFG") == 0, "bytes DEFG written at the old position");
    off = 24;
    CHECK_EQ(splice(f, &off, p[1], NULL, 100, 0), 2, "splice near EOF returns the 2 remaining bytes");
    read(p[0], b, sizeof(b));
    CHECK_EQ(splice(f, &off, p[1], NULL, 100, 0), 0, "splice at EOF -> 0");
    off = 0;
    CHECK_EQ(splice(f, &off, p[1], NULL, 0, 0), 0, "splice with len 0 -> 0");

    /* Errors. */
    off = 0;
    CHECK_ERR(splice(f, NULL, p[1], &off, 4, 0), ESPIPE, "offset for the pipe output -> ESPIPE");
    CHECK_ERR(splice(p[0], &off, g, NULL, 4, 0), ESPIPE, "offset for the pipe input -> ESPIPE");
    off = -1;
    CHECK_ERR(splice(f, &off, p[1], NULL, 4, 0), EINVAL, "negative input offset -> EINVAL");
    CHECK_ERR(splice(p[0], NULL, q[1], NULL, 4, SPLICE_F_NONBLOCK), EAGAIN, "SPLICE_F_NONBLOCK on an empty pipe -> EAGAIN");
    CHECK_ERR(splice(p[0], NULL, q[1], NULL, 4, 0x100), EINVAL, "unknown splice flag -> EINVAL");
    CHECK_ERR(splice(9999, NULL, p[1], NULL, 4, 0), EBADF, "splice from a bad fd -> EBADF");
    {
        int wo = open(fpath, O_WRONLY), ro = open(gpath, O_RDONLY), ap = open(gpath, O_WRONLY | O_APPEND);
        write(p[1], "qq", 2);
        CHECK_ERR(splice(wo, NULL, q[1], NULL, 4, 0), EBADF, "splice from an O_WRONLY file -> EBADF");
        CHECK_ERR(splice(p[0], NULL, ro, NULL, 2, 0), EBADF, "splice to an O_RDONLY file -> EBADF");
        CHECK_ERR(splice(p[0], NULL, ap, NULL, 2, 0), EINVAL, "splice to an O_APPEND file -> EINVAL");
        CHECK_ERR(splice(p[1], NULL, q[1], NULL, 2, 0), EBADF, "splice from a pipe's write end -> EBADF");
        off = 0;
        off2 = 0;
        CHECK_ERR(splice(f, &off, g, &off2, 2, 0), EINVAL, "splice between two files -> EINVAL");
        read(p[0], b, sizeof(b));
        close(wo);
        close(ro);
        close(ap);
    }
    {
        int z = open("/dev/zero", O_RDONLY);
        memset(b, 'x', 16);
        CHECK(splice(z, NULL, p[1], NULL, 16, 0) == 16 && read(p[0], b, 16) == 16 && b[0] == 0 && b[15] == 0,
              "splice from /dev/zero into a pipe");
        close(z);
    }
    {
        int s[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, s);
        write(s[1], "sock", 4);
        CHECK_EQ(splice(s[0], NULL, p[1], NULL, 100, SPLICE_F_NONBLOCK), 4, "splice socket->pipe");
        CHECK_EQ(splice(p[0], NULL, s[1], NULL, 100, 0), 4, "splice pipe->socket");
        memset(b, 0, sizeof(b));
        CHECK(read(s[0], b, sizeof(b)) == 4 && strcmp(b, "sock") == 0, "data round-tripped through the socket");
        close(s[0]);
        close(s[1]);
    }

    /* A blocking splice on an empty pipe is interrupted by a handled signal (no SA_RESTART). */
    {
        struct sigaction sa;
        int e[2];
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_usr1;
        sigaction(SIGUSR1, &sa, NULL);
        int t[2];
        pipe2(e, 0);
        pipe2(t, 0);
        /* An O_NONBLOCK pipe on either side makes the call non-blocking (kernel sets SPLICE_F_NONBLOCK). */
        CHECK_ERR(splice(e[0], NULL, q[1], NULL, 10, 0), EAGAIN, "blocking empty source, O_NONBLOCK target -> EAGAIN");
        fflush(stdout);
        pid_t parent = getpid(), pid = fork();
        if (pid == 0) {
            for (int i = 0; i < 400; i++) {
                usleep(20000);
                kill(parent, SIGUSR1);
            }
            _exit(0);
        }
        errno = 0;
        n = (int)splice(e[0], NULL, t[1], NULL, 10, 0);
        CHECK(n == -1 && errno == EINTR, "blocking splice from an empty pipe -> EINTR on a signal");
        errno = 0;
        n = (int)tee(e[0], t[1], 10, 0);
        CHECK(n == -1 && errno == EINTR, "blocking tee from an empty pipe -> EINTR on a signal");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(e[0]);
        close(e[1]);
        close(t[0]);
        close(t[1]);
    }

    close(f);
    close(g);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    CHECK(unlink(fpath) == 0 && unlink(gpath) == 0, "cleanup");
    CHECK_DONE();
}
