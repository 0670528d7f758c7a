/* fifo_open: mkfifo/mknodat S_IFIFO, non-blocking and blocking open rules, rendezvous with a child, EOF/EPIPE, O_RDWR, errnos. */
/* syscalls: mknodat, openat, read, write, close, newfstatat, lseek, pread64, poll, fcntl, umask, mkdir, rmdir,
   unlink, clone, wait4, rt_sigaction, rt_sigreturn, kill, getppid, clock_nanosleep, clock_gettime, alarm,
   getpid, exit_group */
/* area: pipes */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[128], fifo[160], fifo2[160], fifo3[160], notdir[160];
static volatile sig_atomic_t sigpipes, usr1s;

static void on_pipe(int s)
{
    (void)s;
    sigpipes++;
}

static void on_usr1(int s)
{
    (void)s;
    usr1s++;
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int revents(int fd, short ev)
{
    struct pollfd p = { fd, ev, 0 };
    int r = poll(&p, 1, 0);
    return r < 0 ? -1 : p.revents;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    struct stat st;
    char buf[64];
    int r, w, rw, dfd;
    pid_t c;
    double t0;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    set_handler(SIGPIPE, on_pipe, 0);
    snprintf(dir, sizeof dir, "/tmp/fifo_open%s.%d", CONF_TAG, (int)getpid());
    snprintf(fifo, sizeof fifo, "%s/f", dir);
    snprintf(fifo2, sizeof fifo2, "%s/g", dir);
    snprintf(fifo3, sizeof fifo3, "%s/h", dir);
    snprintf(notdir, sizeof notdir, "%s/f/x", dir);
    if (mkdir(dir, 0755) != 0) {
        CHECK(0, "mkdir temp dir");
        CHECK_DONE();
    }

    /* Creation. */
    umask(022);
    CHECK_OK(mkfifo(fifo, 0666), "mkfifo 0666");
    CHECK(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "stat: S_ISFIFO");
    CHECK_EQ(st.st_mode & 07777, 0644, "mode 0666 & ~umask 022 = 0644");
    CHECK_EQ(st.st_size, 0, "st_size 0");
    CHECK_ERR(mkfifo(fifo, 0600), EEXIST, "mkfifo on an existing name -> EEXIST");
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK_OK(mknodat(dfd, "g", S_IFIFO | 0600, 0), "mknodat(dirfd, S_IFIFO|0600)");
    CHECK(stat(fifo2, &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0600, "mknodat made a 0600 FIFO");
    CHECK_OK(mknodat(dfd, "h", S_IFIFO | 0600, 0x1234), "mknodat S_IFIFO ignores dev");
    CHECK_ERR(mknodat(dfd, "g", S_IFIFO | 0600, 0), EEXIST, "mknodat on an existing name -> EEXIST");
    CHECK_ERR(mkfifo(notdir, 0600), ENOTDIR, "mkfifo under a FIFO path component -> ENOTDIR");
    CHECK_ERR(open(fifo, O_RDONLY | O_NONBLOCK | O_DIRECTORY), ENOTDIR, "open FIFO with O_DIRECTORY -> ENOTDIR");

    /* Non-blocking open rules. */
    CHECK_ERR(open(fifo, O_WRONLY | O_NONBLOCK), ENXIO, "O_WRONLY|O_NONBLOCK without a reader -> ENXIO");
    r = open(fifo, O_RDONLY | O_NONBLOCK);
    CHECK(r >= 0, "O_RDONLY|O_NONBLOCK without a writer succeeds");
    CHECK(fstat(r, &st) == 0 && S_ISFIFO(st.st_mode), "fstat on the open FIFO: S_ISFIFO");
    CHECK_EQ(read(r, buf, sizeof buf), 0, "read with no writer (never had one) -> 0");
    CHECK_EQ(revents(r, POLLIN), 0, "poll: no POLLHUP before any writer has opened");
    w = open(fifo, O_WRONLY | O_NONBLOCK);
    CHECK(w >= 0, "O_WRONLY|O_NONBLOCK with a reader succeeds");
    CHECK_ERR(read(r, buf, sizeof buf), EAGAIN, "with a writer present, empty non-blocking read -> EAGAIN");
    CHECK_EQ(write(w, "hello", 5), 5, "write through the FIFO");
    CHECK(read(r, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0, "read the data back");
    CHECK_ERR(lseek(r, 0, SEEK_SET), ESPIPE, "lseek on FIFO -> ESPIPE");
    CHECK_ERR(pread(r, buf, 1, 0), ESPIPE, "pread on FIFO -> ESPIPE");
    CHECK_EQ(fcntl(r, F_GETFL) & O_ACCMODE, O_RDONLY, "reader F_GETFL O_RDONLY");
    close(w);
    CHECK_EQ(read(r, buf, sizeof buf), 0, "writer closed -> read 0");
    CHECK_EQ(revents(r, POLLIN), POLLHUP, "poll: POLLHUP after the last writer closed");

    /* EPIPE/SIGPIPE when the readers go away. */
    w = open(fifo, O_WRONLY | O_NONBLOCK);
    close(r);
    sigpipes = 0;
    CHECK_ERR(write(w, "x", 1), EPIPE, "write with no reader -> EPIPE");
    CHECK_EQ(sigpipes, 1, "SIGPIPE delivered for the write");
    CHECK_EQ(revents(w, POLLOUT) & POLLERR, POLLERR, "poll on writer with no reader: POLLERR");
    close(w);
    CHECK_ERR(open(fifo, O_WRONLY | O_NONBLOCK), ENXIO, "after the reader closed, non-blocking writer -> ENXIO again");

    /* O_RDWR never blocks and is both ends. */
    rw = open(fifo, O_RDWR);
    CHECK(rw >= 0, "O_RDWR open (blocking) succeeds without a partner");
    CHECK(write(rw, "loop", 4) == 4 && read(rw, buf, sizeof buf) == 4 && memcmp(buf, "loop", 4) == 0,
          "O_RDWR fd reads back its own write");
    w = open(fifo, O_WRONLY | O_NONBLOCK);
    CHECK(w >= 0, "O_RDWR counts as a reader: O_WRONLY|O_NONBLOCK succeeds");
    close(w);
    close(rw);

    /* Blocking rendezvous: reader first. */
    fflush(stdout);
    t0 = now();
    c = fork();
    if (c == 0) {
        msleep(60);
        int cw = open(fifo, O_WRONLY);
        if (cw < 0)
            _exit(1);
        _exit(write(cw, "rdv", 3) == 3 ? 0 : 2);
    }
    r = open(fifo, O_RDONLY);
    double el = now() - t0;
    CHECK(r >= 0, "blocking O_RDONLY open returned once the child opened for writing");
    CHECK(el >= 0.05 && el < 5.0, "blocking reader open waited for the writer (>= 50 ms)");
    CHECK(read(r, buf, sizeof buf) == 3 && memcmp(buf, "rdv", 3) == 0, "got the child's data");
    CHECK_EQ(wait_code(c), 0, "child writer ok");
    CHECK_EQ(read(r, buf, sizeof buf), 0, "child exited: blocking read returns 0");
    close(r);

    /* Blocking rendezvous: writer first. */
    fflush(stdout);
    t0 = now();
    c = fork();
    if (c == 0) {
        msleep(60);
        int cr = open(fifo, O_RDONLY);
        if (cr < 0)
            _exit(1);
        char b[8];
        _exit(read(cr, b, sizeof b) == 2 ? 0 : 2);
    }
    w = open(fifo, O_WRONLY);
    el = now() - t0;
    CHECK(w >= 0 && el >= 0.05 && el < 5.0, "blocking O_WRONLY open waited for the reader");
    CHECK_EQ(write(w, "ok", 2), 2, "write to the child reader");
    CHECK_EQ(wait_code(c), 0, "child reader got the data");
    close(w);

    /* Blocking open interrupted by a signal. */
    set_handler(SIGUSR1, on_usr1, 0);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        /* Keep signalling until the parent kills us, in case one signal lands before the open blocks;
         * finally open a reader so the parent can never hang. */
        for (int i = 0; i < 40; i++) {
            msleep(50);
            kill(getppid(), SIGUSR1);
        }
        open(fifo2, O_RDONLY | O_NONBLOCK);
        msleep(1000);
        _exit(0);
    }
    usr1s = 0;
    CHECK_ERR(open(fifo2, O_WRONLY), EINTR, "blocking FIFO open interrupted by handler without SA_RESTART -> EINTR");
    CHECK(usr1s >= 1, "handler ran");
    kill(c, SIGKILL);
    CHECK_EQ(wait_code(c), 200 + SIGKILL, "signalling child reaped");
    set_handler(SIGUSR1, on_usr1, SA_RESTART);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        msleep(50);
        kill(getppid(), SIGUSR1);
        msleep(50);
        int cr = open(fifo2, O_RDONLY);
        char b[4];
        _exit(cr >= 0 && read(cr, b, sizeof b) == 1 ? 0 : 1);
    }
    usr1s = 0;
    w = open(fifo2, O_WRONLY);
    CHECK(w >= 0 && usr1s == 1, "with SA_RESTART the open is restarted and completes after the handler");
    CHECK_EQ(write(w, "z", 1), 1, "write to the restarted rendezvous");
    CHECK_EQ(wait_code(c), 0, "child reader ok");
    close(w);

    /* Unlinked while open: still a working pipe. */
    r = open(fifo3, O_RDONLY | O_NONBLOCK);
    w = open(fifo3, O_WRONLY | O_NONBLOCK);
    CHECK_OK(unlink(fifo3), "unlink the FIFO while it is open");
    CHECK(write(w, "u", 1) == 1 && read(r, buf, 1) == 1 && buf[0] == 'u', "unlinked FIFO still carries data");
    close(r);
    close(w);

    close(dfd);
    unlink(fifo);
    unlink(fifo2);
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
