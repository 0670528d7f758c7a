/* proc_fdinfo: /proc/self/fd links for files, pipes, sockets, anon inodes; fdinfo pos/flags/ino and per-type lines; reopen via /proc/self/fd. */
/* syscalls: openat, read, write, close, lseek, pread64, readlink, newfstatat, fcntl, dup, pipe2, socketpair,
   eventfd2, epoll_create1, epoll_ctl, timerfd_create, signalfd4, memfd_create, inotify_init1, getdents64,
   unlink, mkdir, rmdir, clone, wait4, getpid */
/* area: proc-dev */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[1 << 16];

static long slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    long n = 0, r;
    if (fd < 0)
        return -1;
    while (n < (long)sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    close(fd);
    return n;
}

/* readlink of /proc/self/fd/N into a static string ("" on error). */
static const char *fdlink(int fd)
{
    static char l[4096];
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(p, l, sizeof(l) - 1);
    l[n > 0 ? n : 0] = 0;
    return l;
}

/* Reads /proc/self/fdinfo/N into buf; returns 0 on failure. */
static int fdinfo(int fd)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
    return slurp(p) > 0;
}

/* Numeric value after "key:" in buf (base 0 honours the octal flags), or -1. */
static long long info_val(const char *key, int base)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof(pat), "%s:", key);
    if (strncmp(buf, pat, strlen(pat)) == 0)
        p = buf;
    else {
        char npat[68];
        snprintf(npat, sizeof(npat), "\n%s", pat);
        p = strstr(buf, npat);
        if (!p)
            return -1;
        p++;
    }
    return strtoll(p + strlen(pat), NULL, base);
}

static long long fd_pos(int fd)
{
    return fdinfo(fd) ? info_val("pos", 10) : -2;
}

static long long fd_flags(int fd)
{
    return fdinfo(fd) ? info_val("flags", 8) : -2;
}

/* Flags fdinfo should show: F_GETFL plus O_CLOEXEC when FD_CLOEXEC is set. */
static long long want_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL), fdf = fcntl(fd, F_GETFD);
    return fl < 0 || fdf < 0 ? -3 : (long long)(fl | ((fdf & FD_CLOEXEC) ? O_CLOEXEC : 0));
}

static int link_mode(int fd)
{
    char p[64];
    struct stat st;
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    return lstat(p, &st) == 0 ? (int)st.st_mode : -1;
}

int main(void)
{
    char dir[96], fpath[128], want[256], p[64];
    struct stat st;
    int fd, n;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof(dir), "/tmp/proc_fdinfo%s.%d", CONF_TAG, (int)getpid());
    snprintf(fpath, sizeof(fpath), "%s/file", dir);
    mkdir(dir, 0755);

    /* Regular file. */
    fd = open(fpath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    CHECK(fd >= 0 && fstat(fd, &st) == 0, "create a file O_RDWR|O_APPEND|O_CLOEXEC");
    if (fd < 0)
        CHECK_DONE();
    CHECK_STREQ(fdlink(fd), fpath, "readlink /proc/self/fd/N is the file's path");
    CHECK(fdinfo(fd) && strncmp(buf, "pos:\t", 5) == 0 && strstr(buf, "\nflags:\t0") && strstr(buf, "\nmnt_id:\t"),
          "fdinfo has pos:, flags: (octal, leading 0), mnt_id:");
    CHECK_EQ(fd_flags(fd), want_flags(fd), "fdinfo flags == F_GETFL | O_CLOEXEC");
    {
        long long f = fd_flags(fd);
        CHECK(f >= 0 && (f & O_ACCMODE) == O_RDWR && (f & O_APPEND) && (f & O_CLOEXEC), "flags show O_RDWR, O_APPEND, O_CLOEXEC");
    }
    CHECK_EQ(fdinfo(fd) ? info_val("ino", 10) : -2, st.st_ino, "fdinfo ino: is st_ino");
    {
        long long mnt = fdinfo(fd) ? info_val("mnt_id", 10) : -2;
        char pat[32];
        snprintf(pat, sizeof(pat), "\n%lld ", mnt);
        int found = slurp("/proc/self/mountinfo") > 0 &&
                    (strstr(buf, pat) || (strtoll(buf, NULL, 10) == mnt && buf[0] != 0));
        CHECK(mnt > 0 && found, "fdinfo mnt_id: is a mount ID listed in /proc/self/mountinfo");
    }
    fcntl(fd, F_SETFD, 0);
    CHECK(!(fd_flags(fd) & O_CLOEXEC) && fd_flags(fd) == want_flags(fd), "clearing FD_CLOEXEC clears the O_CLOEXEC bit");
    fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK);
    CHECK((fd_flags(fd) & O_NONBLOCK) && (fd_flags(fd) & O_APPEND), "F_SETFL O_NONBLOCK shows in flags");
    fcntl(fd, F_SETFL, 0);
    CHECK(!(fd_flags(fd) & (O_APPEND | O_NONBLOCK)), "F_SETFL 0 clears O_APPEND and O_NONBLOCK");

    /* pos tracks the file offset. */
    CHECK_EQ(fd_pos(fd), 0, "pos 0 on a new file");
    {
        char data[100];
        memset(data, 'x', sizeof(data));
        CHECK_EQ(write(fd, data, sizeof(data)), 100, "write 100 bytes");
    }
    CHECK_EQ(fd_pos(fd), 100, "pos 100 after the write");
    lseek(fd, 42, SEEK_SET);
    CHECK_EQ(fd_pos(fd), 42, "pos follows lseek(42)");
    {
        char c;
        pread(fd, &c, 1, 90);
    }
    CHECK_EQ(fd_pos(fd), 42, "pread does not move pos");
    lseek(fd, -10, SEEK_END);
    CHECK_EQ(fd_pos(fd), 90, "pos follows lseek(-10, SEEK_END)");

    /* dup shares the description, not the close-on-exec flag. */
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    {
        int d = dup(fd), dc = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        lseek(fd, 7, SEEK_SET);
        CHECK(d >= 0 && fd_pos(d) == 7, "dup'd fd shows the shared pos");
        CHECK(d >= 0 && !(fd_flags(d) & O_CLOEXEC) && (fd_flags(d) & O_ACCMODE) == O_RDWR,
              "dup'd fd: same access mode, no O_CLOEXEC");
        CHECK(dc >= 0 && (fd_flags(dc) & O_CLOEXEC), "F_DUPFD_CLOEXEC fd shows O_CLOEXEC");
        close(d);
        close(dc);
        int hi = fcntl(fd, F_DUPFD, 300);
        CHECK(hi >= 300 && strcmp(fdlink(hi), fpath) == 0, "F_DUPFD >= 300 appears in /proc/self/fd");
        close(hi);
    }

    /* Link modes reflect the access mode. */
    {
        int ro = open(fpath, O_RDONLY), wo = open(fpath, O_WRONLY), op = open(fpath, O_PATH);
        CHECK_EQ(link_mode(fd), S_IFLNK | 0700, "lstat of an O_RDWR fd link: lrwx------");
        CHECK_EQ(link_mode(ro), S_IFLNK | 0500, "lstat of an O_RDONLY fd link: lr-x------");
        CHECK_EQ(link_mode(wo), S_IFLNK | 0300, "lstat of an O_WRONLY fd link: l-wx------");
        CHECK(op >= 0 && (fd_flags(op) & O_PATH) && strcmp(fdlink(op), fpath) == 0, "O_PATH fd: flags show O_PATH, link is the path");
        struct stat s2;
        snprintf(p, sizeof(p), "/proc/self/fd/%d", ro);
        CHECK(stat(p, &s2) == 0 && s2.st_ino == st.st_ino && S_ISREG(s2.st_mode), "stat through the fd link reaches the file");
        close(ro);
        close(wo);
        close(op);
    }
    {
        int d = open(dir, O_RDONLY | O_DIRECTORY);
        CHECK(d >= 0 && (fd_flags(d) & O_DIRECTORY) && strcmp(fdlink(d), dir) == 0, "directory fd: O_DIRECTORY in flags, link is the path");
        close(d);
    }

    /* Reopening through /proc/self/fd/N creates a new open file description. */
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    {
        int r = open(p, O_RDONLY);
        CHECK(r >= 0, "open /proc/self/fd/N O_RDONLY");
        CHECK(r >= 0 && (fd_flags(r) & O_ACCMODE) == O_RDONLY && fd_pos(r) == 0, "reopened fd: own access mode, pos 0");
        lseek(fd, 50, SEEK_SET);
        CHECK(r >= 0 && fd_pos(r) == 0 && fd_pos(fd) == 50, "lseek on the original does not move the reopened fd");
        char c = 0;
        CHECK(r >= 0 && read(r, &c, 1) == 1 && c == 'x' && fd_pos(fd) == 50, "read through the reopened fd");
        close(r);
    }
    CHECK(unlink(fpath) == 0, "unlink the open file");
    snprintf(want, sizeof(want), "%s (deleted)", fpath);
    CHECK_STREQ(fdlink(fd), want, "link of an unlinked file ends in \" (deleted)\"");
    {
        int r = open(p, O_RDONLY);
        char c = 0;
        CHECK(r >= 0 && pread(r, &c, 1, 99) == 1 && c == 'x', "deleted file can still be reopened via /proc/self/fd");
        if (r >= 0)
            close(r);
    }
    {
        char sh[4];
        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        CHECK_EQ(readlink(p, sh, sizeof(sh)), 4, "readlink with a 4-byte buffer truncates to 4");
    }

    /* Pipes, sockets and anonymous inodes. */
    {
        int pp[2], sv[2];
        struct stat a, b;
        CHECK(pipe2(pp, O_NONBLOCK) == 0 && fstat(pp[0], &a) == 0 && fstat(pp[1], &b) == 0, "pipe2");
        snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)a.st_ino);
        CHECK_STREQ(fdlink(pp[0]), want, "pipe read end -> pipe:[st_ino]");
        CHECK_STREQ(fdlink(pp[1]), want, "pipe write end -> same pipe:[st_ino]");
        CHECK((fd_flags(pp[0]) & O_ACCMODE) == O_RDONLY && (fd_flags(pp[1]) & O_ACCMODE) == O_WRONLY &&
                  (fd_flags(pp[0]) & O_NONBLOCK),
              "pipe fdinfo: read end O_RDONLY, write end O_WRONLY, O_NONBLOCK");
        snprintf(p, sizeof(p), "/proc/self/fd/%d", pp[1]);
        int w = open(p, O_WRONLY);
        char c = 0;
        CHECK(w >= 0 && write(w, "q", 1) == 1 && read(pp[0], &c, 1) == 1 && c == 'q',
              "reopened pipe write end feeds the same pipe");
        if (w >= 0)
            close(w);
        CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && fstat(sv[0], &a) == 0, "socketpair");
        snprintf(want, sizeof(want), "socket:[%lu]", (unsigned long)a.st_ino);
        CHECK_STREQ(fdlink(sv[0]), want, "socket -> socket:[st_ino]");
        snprintf(p, sizeof(p), "/proc/self/fd/%d", sv[0]);
        CHECK_ERR(open(p, O_RDWR), ENXIO, "open of a socket's /proc/self/fd link -> ENXIO");
        close(pp[0]);
        close(pp[1]);
        close(sv[0]);
        close(sv[1]);
    }
    {
        int e = eventfd(5, 0);
        CHECK_STREQ(fdlink(e), "anon_inode:[eventfd]", "eventfd -> anon_inode:[eventfd]");
        CHECK(fdinfo(e) && info_val("eventfd-count", 16) == 5, "fdinfo eventfd-count: 5 (hex)");
        uint64_t add = 0x1b;
        write(e, &add, sizeof(add));
        CHECK(fdinfo(e) && info_val("eventfd-count", 16) == 0x20, "eventfd-count follows a write (0x20)");

        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0xabcdef };
        epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
        CHECK_STREQ(fdlink(ep), "anon_inode:[eventpoll]", "epoll -> anon_inode:[eventpoll]");
        {
            int tfd = -1;
            unsigned evs = 0;
            unsigned long long data = 0;
            char *t = fdinfo(ep) ? strstr(buf, "tfd:") : NULL;
            CHECK(t && sscanf(t, "tfd: %d events: %x data: %llx", &tfd, &evs, &data) == 3 && tfd == e &&
                      (evs & EPOLLIN) && data == 0xabcdef,
                  "epoll fdinfo tfd: line shows the watched fd, EPOLLIN and the data");
            CHECK(fd_flags(ep) & O_CLOEXEC, "EPOLL_CLOEXEC shows as O_CLOEXEC");
        }
        close(ep);
        close(e);
    }
    {
        int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
        CHECK_STREQ(fdlink(t), "anon_inode:[timerfd]", "timerfd -> anon_inode:[timerfd]");
        CHECK(fdinfo(t) && info_val("clockid", 10) == CLOCK_MONOTONIC && (info_val("flags", 8) & O_NONBLOCK),
              "timerfd fdinfo: clockid 1, O_NONBLOCK");
        close(t);
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGUSR1);
        sigaddset(&ss, SIGUSR2);
        int s = signalfd(-1, &ss, 0);
        CHECK_STREQ(fdlink(s), "anon_inode:[signalfd]", "signalfd -> anon_inode:[signalfd]");
        CHECK(fdinfo(s) && strtoull(strstr(buf, "sigmask:") ? strstr(buf, "sigmask:") + 8 : "0", NULL, 16) == 0xa00ULL,
              "signalfd fdinfo sigmask: SIGUSR1|SIGUSR2 = 0xa00");
        close(s);
        int m = memfd_create("confmemfd", 0);
        CHECK_STREQ(fdlink(m), "/memfd:confmemfd (deleted)", "memfd -> /memfd:NAME (deleted)");
        close(m);
        int in = inotify_init1(0);
        CHECK_STREQ(fdlink(in), "anon_inode:inotify", "inotify -> anon_inode:inotify");
        close(in);
    }

    /* The directory listing matches the open descriptors. */
    {
        static char listed[1024], fdl[1024];
        DIR *d = opendir("/proc/self/fd");
        DIR *di = opendir("/proc/self/fdinfo");
        struct dirent *e;
        int mismatch = 0, count = 0, dots = 0;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.') {
                dots++;
                continue;
            }
            n = atoi(e->d_name);
            if (n >= 0 && n < 1024)
                listed[n] = 1;
            count++;
        }
        while (di && (e = readdir(di)))
            if (e->d_name[0] != '.' && (n = atoi(e->d_name)) >= 0 && n < 1024)
                fdl[n] = 1;
        for (int i = 0; i < 1024; i++) {
            int open_ = fcntl(i, F_GETFD) >= 0;
            if (d && i == dirfd(d))
                continue;
            if (di && i == dirfd(di))
                continue;
            if (open_ != listed[i])
                mismatch++;
        }
        CHECK(d && count > 3 && dots == 2 && mismatch == 0, "/proc/self/fd lists exactly the open fds (plus . and ..)");
        mismatch = 0;
        for (int i = 0; i < 1024; i++)
            if (d && i != dirfd(di) && listed[i] != fdl[i])
                mismatch++;
        CHECK(di && mismatch == 0, "/proc/self/fdinfo lists the same fds");
        if (d)
            closedir(d);
        if (di)
            closedir(di);
    }

    /* Closed and bogus descriptors. */
    {
        int c = dup(fd), k = -1;
        char l[64];
        close(c);
        snprintf(p, sizeof(p), "/proc/self/fd/%d", c);
        CHECK_ERR(readlink(p, l, sizeof(l)), ENOENT, "readlink of a closed fd -> ENOENT");
        snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", c);
        CHECK_ERR(open(p, O_RDONLY), ENOENT, "fdinfo of a closed fd -> ENOENT");
        CHECK_ERR(readlink("/proc/self/fd/99999", l, sizeof(l)), ENOENT, "fd 99999 -> ENOENT");
        CHECK_ERR(k = open("/proc/self/fd/abc", O_RDONLY), ENOENT, "non-numeric fd name -> ENOENT");
        (void)k;
    }

    /* A child's fd table is its own. */
    {
        int ready[2], go[2];
        char c;
        pipe2(ready, 0);
        pipe2(go, 0);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(fd);
            write(ready[1], "r", 1);
            read(go[0], &c, 1);
            _exit(0);
        }
        char l[256];
        CHECK(pid > 0 && read(ready[0], &c, 1) == 1, "child closed its copy of the fd");
        snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)pid, fd);
        CHECK_ERR(readlink(p, l, sizeof(l)), ENOENT, "/proc/<child>/fd/N gone after the child's close");
        snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)pid, ready[1]);
        snprintf(want, sizeof(want), "%s", fdlink(ready[1]));
        memset(l, 0, sizeof(l));
        CHECK(readlink(p, l, sizeof(l) - 1) > 0 && strcmp(l, want) == 0 && strncmp(l, "pipe:[", 6) == 0,
              "/proc/<child>/fd shows the inherited pipe");
        snprintf(want, sizeof(want), "%s (deleted)", fpath);
        CHECK_STREQ(fdlink(fd), want, "parent's copy of the fd is still open");
        write(go[1], "g", 1);
        int stt;
        CHECK(pid > 0 && waitpid(pid, &stt, 0) == pid && WIFEXITED(stt), "reap child");
        close(ready[0]);
        close(ready[1]);
        close(go[0]);
        close(go[1]);
    }

    close(fd);
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
