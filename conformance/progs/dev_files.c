/* dev_files: /dev/null, zero, full, random, urandom semantics (read/write/lseek/mmap/poll/ioctl), device numbers, /dev/fd and std links, /dev/shm, mknod'ed copies. */
/* syscalls: openat, read, write, readv, writev, pread64, lseek, ftruncate, mmap, munmap, ioctl, poll, newfstatat,
   readlink, statfs, mknodat, unlink, pipe2, clone, wait4, close, getpid */
/* area: proc-dev */
#include "check.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/random.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static char big[1 << 20];

static int is_dev(const char *path, unsigned maj, unsigned min)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == maj && minor(st.st_rdev) == min &&
           (st.st_mode & 0777) == 0666;
}

static int all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static short poll_of(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
    return poll(&p, 1, 0) >= 0 ? p.revents : -1;
}

static int link_is(const char *path, const char *want)
{
    char l[256];
    ssize_t n = readlink(path, l, sizeof(l) - 1);
    if (n < 0)
        return 0;
    l[n] = 0;
    return strcmp(l, want) == 0;
}

int main(void)
{
    char b[64], path[128];
    struct stat st;
    struct termios t;
    int fd;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Device numbers and modes. */
    CHECK(is_dev("/dev/null", 1, 3), "/dev/null: char device 1,3, mode 0666");
    CHECK(is_dev("/dev/zero", 1, 5), "/dev/zero: char device 1,5, mode 0666");
    CHECK(is_dev("/dev/full", 1, 7), "/dev/full: char device 1,7, mode 0666");
    CHECK(is_dev("/dev/random", 1, 8), "/dev/random: char device 1,8, mode 0666");
    CHECK(is_dev("/dev/urandom", 1, 9), "/dev/urandom: char device 1,9, mode 0666");
    CHECK(stat("/dev/ptmx", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2,
          "/dev/ptmx: char device 5,2");

    /* /dev/null */
    fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "open /dev/null, st_size 0");
    {
        struct iovec iov[2] = { { b, 5 }, { b + 5, 4 } };
        CHECK_EQ(readv(fd, iov, 2), 0, "readv /dev/null -> 0 (EOF)");
        CHECK_EQ(pread(fd, b, 5, 1000), 0, "pread /dev/null at offset 1000 -> 0");
        CHECK_EQ(writev(fd, iov, 2), 9, "writev /dev/null swallows all 9 bytes");
    }
    CHECK(lseek(fd, 100, SEEK_SET) == 0 && lseek(fd, -5, SEEK_END) == 0 && lseek(fd, 0, SEEK_CUR) == 0,
          "lseek on /dev/null always returns 0");
    CHECK_ERR(lseek(fd, 0, 77), EINVAL, "lseek /dev/null with a bad whence -> EINVAL");
    CHECK_ERR(ftruncate(fd, 0), EINVAL, "ftruncate /dev/null -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV, "mmap /dev/null -> ENODEV");
    CHECK_ERR(ioctl(fd, TCGETS, &t), ENOTTY, "TCGETS on /dev/null -> ENOTTY");
    close(fd);
    CHECK_ERR(open("/dev/null", O_RDONLY | O_DIRECTORY), ENOTDIR, "open /dev/null O_DIRECTORY -> ENOTDIR");
    fd = open("/dev/null", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "abc", 3) == 3, "O_APPEND /dev/null accepts writes");
    close(fd);

    /* /dev/zero */
    fd = open("/dev/zero", O_RDWR);
    memset(big, 0xa5, 65536);
    CHECK(fd >= 0 && read(fd, big, 65536) == 65536 && all_zero(big, 65536), "read 64 KiB of zeros from /dev/zero");
    CHECK_EQ(read(fd, big, 0), 0, "zero-length read of /dev/zero -> 0");
    CHECK_EQ(write(fd, "junk", 4), 4, "write to /dev/zero returns the count");
    CHECK_EQ(lseek(fd, 4096, SEEK_SET), 0, "lseek on /dev/zero returns 0");
    {
        char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        CHECK(p != MAP_FAILED && all_zero(p, 8192), "MAP_PRIVATE /dev/zero mapping reads zeros");
        if (p != MAP_FAILED) {
            memset(p, 'z', 8192);
            char *q = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
            CHECK(q != MAP_FAILED && all_zero(q, 8192) && read(fd, b, 16) == 16 && all_zero(b, 16),
                  "writes to a private /dev/zero mapping are not seen by new mappings or reads");
            if (q != MAP_FAILED)
                munmap(q, 8192);
            munmap(p, 8192);
        }
        char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        char *s2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        CHECK(s != MAP_FAILED && s2 != MAP_FAILED && all_zero(s, 4096), "MAP_SHARED /dev/zero mapping reads zeros");
        if (s != MAP_FAILED && s2 != MAP_FAILED) {
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                strcpy(s, "from child");
                _exit(0);
            }
            int stt;
            CHECK(pid > 0 && waitpid(pid, &stt, 0) == pid && strcmp(s, "from child") == 0,
                  "shared /dev/zero mapping: child's write seen by the parent");
            CHECK(s2[0] == 0, "two MAP_SHARED /dev/zero mappings are independent objects");
            munmap(s, 4096);
            munmap(s2, 4096);
        }
    }
    close(fd);

    /* /dev/full */
    fd = open("/dev/full", O_RDWR);
    CHECK(fd >= 0, "open /dev/full");
    CHECK_ERR(write(fd, "a", 1), ENOSPC, "write /dev/full -> ENOSPC");
    /* The kernel calls write_full even for a zero count. */
    CHECK_ERR(write(fd, "", 0), ENOSPC, "zero-length write /dev/full -> ENOSPC");
    {
        struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
        CHECK_ERR(writev(fd, iov, 2), ENOSPC, "writev /dev/full -> ENOSPC");
    }
    memset(b, 'x', sizeof(b));
    CHECK(read(fd, b, 32) == 32 && all_zero(b, 32) && b[32] == 'x', "read /dev/full gives exactly 32 zeros");
    memset(b, 'x', sizeof(b));
    CHECK(pread(fd, b, 8, 12345) == 8 && all_zero(b, 8), "pread /dev/full gives zeros");
    CHECK_EQ(lseek(fd, 777, SEEK_SET), 0, "lseek on /dev/full returns 0");
    CHECK_PTR_ERR(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV, "mmap /dev/full -> ENODEV");
    close(fd);

    /* /dev/random and /dev/urandom */
    {
        int r = open("/dev/random", O_RDONLY | O_NONBLOCK), u = open("/dev/urandom", O_RDWR);
        char a[4096];
        CHECK(r >= 0 && u >= 0, "open /dev/random and /dev/urandom");
        CHECK(read(r, a, sizeof(a)) == (ssize_t)sizeof(a) && !all_zero(a, sizeof(a)),
              "non-blocking read of 4096 bytes from /dev/random (crng ready)");
        CHECK_EQ(read(u, big, sizeof(big)), (long long)sizeof(big), "1 MiB read from /dev/urandom is not short");
        CHECK(memcmp(big, big + 4096, 4096) != 0 && memcmp(big, a, 64) != 0, "random data does not repeat");
        short pr = poll_of(r), pu = poll_of(u);
        /* random_poll: readable once the crng is ready, never reports writable then. */
        CHECK(pr >= 0 && (pr & POLLIN) && !(pr & POLLOUT), "poll /dev/random: POLLIN, no POLLOUT");
        CHECK(pu >= 0 && (pu & POLLIN) && (pu & POLLOUT), "poll /dev/urandom: POLLIN|POLLOUT");
        int cnt = -1;
        CHECK(ioctl(r, RNDGETENTCNT, &cnt) == 0 && cnt >= 0, "RNDGETENTCNT returns a non-negative count");
        CHECK_ERR(ioctl(u, TCGETS, &t), EINVAL, "TCGETS on /dev/urandom -> EINVAL");
        CHECK_EQ(write(u, "seed", 4), 4, "write to /dev/urandom is accepted");
        CHECK_EQ(lseek(u, 10, SEEK_SET), 0, "lseek on /dev/urandom returns 0");
        CHECK_PTR_ERR(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, u, 0), ENODEV, "mmap /dev/urandom -> ENODEV");
        close(r);
        close(u);
    }

    /* /dev/fd and the standard stream links. */
    CHECK(link_is("/dev/fd", "/proc/self/fd"), "/dev/fd -> /proc/self/fd");
    CHECK(link_is("/dev/stdin", "/proc/self/fd/0") && link_is("/dev/stdout", "/proc/self/fd/1") &&
              link_is("/dev/stderr", "/proc/self/fd/2"),
          "/dev/stdin, stdout, stderr -> /proc/self/fd/0, 1, 2");
    {
        int pp[2];
        char c = 0;
        struct stat a, s2;
        pipe2(pp, O_NONBLOCK);
        snprintf(path, sizeof(path), "/dev/fd/%d", pp[1]);
        int w = open(path, O_WRONLY);
        CHECK(w >= 0 && fstat(w, &a) == 0 && fstat(pp[0], &s2) == 0 && a.st_ino == s2.st_ino,
              "open /dev/fd/N of a pipe opens the same pipe");
        CHECK(w >= 0 && write(w, "p", 1) == 1 && read(pp[0], &c, 1) == 1 && c == 'p', "data written via /dev/fd/N arrives");
        if (w >= 0)
            close(w);
        close(pp[0]);
        close(pp[1]);
    }

    /* /dev/shm */
    {
        struct statfs sf;
        CHECK(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode), "/dev/shm is a directory");
        CHECK(statfs("/dev/shm", &sf) == 0 && sf.f_type == TMPFS_MAGIC, "/dev/shm is tmpfs");
        snprintf(path, sizeof(path), "/dev/shm/dev_files%s.%d", CONF_TAG, (int)getpid());
        fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
        CHECK(fd >= 0 && write(fd, "shm", 3) == 3 && pread(fd, b, 3, 0) == 3 && memcmp(b, "shm", 3) == 0,
              "create, write and read back a file in /dev/shm");
        if (fd >= 0)
            close(fd);
        CHECK_OK(unlink(path), "unlink it");
    }

    /* needs root: mknod of character devices requires CAP_MKNOD */
    {
        snprintf(path, sizeof(path), "/tmp/dev_files%s.%d.null", CONF_TAG, (int)getpid());
        CHECK_OK(mknod(path, S_IFCHR | 0600, makedev(1, 3)), "mknod c 1 3 in /tmp");
        fd = open(path, O_RDWR);
        CHECK(fd >= 0 && write(fd, "abc", 3) == 3 && read(fd, b, sizeof(b)) == 0, "the node behaves like /dev/null");
        if (fd >= 0)
            close(fd);
        unlink(path);
        CHECK_OK(mknod(path, S_IFCHR | 0600, makedev(1, 7)), "mknod c 1 7 in /tmp");
        fd = open(path, O_WRONLY);
        CHECK_ERR(write(fd, "a", 1), ENOSPC, "the node behaves like /dev/full");
        if (fd >= 0)
            close(fd);
        unlink(path);
        mknod(path, S_IFCHR | 0600, makedev(1, 3));
        CHECK_ERR(mknod(path, S_IFCHR | 0600, makedev(1, 3)), EEXIST, "mknod over an existing node -> EEXIST");
        unlink(path);
    }
    CHECK_DONE();
}
