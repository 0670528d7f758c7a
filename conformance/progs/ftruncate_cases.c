/* ftruncate_cases: truncate/ftruncate grow/shrink, errnos by file type and access, RLIMIT_FSIZE/SIGXFSZ, timestamps. */
/* syscalls: ftruncate, truncate, openat, fstat, newfstatat, pread64, pwrite64, lseek, utimensat, setrlimit, rt_sigaction, setresuid, fork, wait4, mkdirat, symlinkat, pipe2, socketpair, nanosleep, unlinkat */
/* area: truncate */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[128], file[160], sub[160], subfile[200], link1[160], loop1[160];

static long long psize(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static int all_byte(int fd, off_t off, size_t n, char c)
{
    static char buf[16384];
    if (n > sizeof(buf) || pread(fd, buf, n, off) != (ssize_t)n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i] != c)
            return 0;
    return 1;
}

static int wait_code(pid_t pid)
{
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static volatile sig_atomic_t xfsz_count;
static void on_xfsz(int sig)
{
    (void)sig;
    xfsz_count++;
}

/* Child: RLIMIT_FSIZE 4096 with a SIGXFSZ handler. Returns 0 or the failing step. */
static int t_fsize_handler(int fd)
{
    struct rlimit rl = {4096, 4096};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_xfsz;
    sigaction(SIGXFSZ, &sa, NULL);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 1;
    if (ftruncate(fd, 4096) != 0)
        return 2; /* exactly the limit is allowed */
    if (ftruncate(fd, 4097) != -1 || errno != EFBIG)
        return 3;
    if (xfsz_count != 1)
        return 4;
    if (truncate(file, 100000) != -1 || errno != EFBIG)
        return 5;
    if (xfsz_count != 2)
        return 6;
    if (ftruncate(fd, 10) != 0)
        return 7; /* shrinking is always allowed */
    return 0;
}

/* Child: RLIMIT_FSIZE with SIGXFSZ ignored: only EFBIG. */
static int t_fsize_ignored(int fd)
{
    struct rlimit rl = {4096, 4096};
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 1;
    if (ftruncate(fd, 1 << 20) != -1 || errno != EFBIG)
        return 2;
    return 0;
}

/* Child: RLIMIT_FSIZE with default SIGXFSZ action: the process is killed. */
static int t_fsize_default(int fd)
{
    struct rlimit rl = {4096, 4096}, core = {0, 0};
    setrlimit(RLIMIT_CORE, &core); /* no core file */
    signal(SIGXFSZ, SIG_DFL);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 1;
    ftruncate(fd, 1 << 20);
    return 2;
}

/* Child as uid 65534: permission errors. fd was opened O_RDWR by root. */
static int t_unpriv(int fd)
{
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
        return 1;
    if (truncate(file, 10) != -1 || errno != EACCES)
        return 2; /* file mode 0644 owned by root */
    if (truncate(subfile, 10) != -1 || errno != EACCES)
        return 3; /* no search permission on the 0700 directory */
    if (ftruncate(fd, 77) != 0)
        return 4; /* write permission was checked at open time */
    return 0;
}

int main(void)
{
    int fd, rfd, p[2], sv[2];
    struct stat st, st2;
    char buf[64];
    pid_t pid;
    int pid_i = (int)getpid();

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    snprintf(dir, sizeof(dir), "/tmp/ftruncate_cases.%d%s", pid_i, CONF_TAG);
    snprintf(file, sizeof(file), "%s/f", dir);
    snprintf(sub, sizeof(sub), "%s/private", dir);
    snprintf(subfile, sizeof(subfile), "%s/private/g", dir);
    snprintf(link1, sizeof(link1), "%s/link", dir);
    snprintf(loop1, sizeof(loop1), "%s/loop", dir);

    CHECK_OK(mkdir(dir, 0755), "mkdir temp dir");
    fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0, "create file");
    if (fd < 0)
        CHECK_DONE();
    memset(buf, 'x', sizeof(buf));
    pwrite(fd, buf, 64, 0);

    /* Grow and shrink. */
    CHECK_OK(ftruncate(fd, 10000), "ftruncate grows 64 -> 10000");
    CHECK_EQ(psize(file), 10000, "size 10000");
    CHECK(all_byte(fd, 0, 64, 'x'), "original 64 bytes kept");
    CHECK(all_byte(fd, 64, 10000 - 64, 0), "extension reads as zeros");
    CHECK_OK(ftruncate(fd, 20), "ftruncate shrinks to 20");
    CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 20, "read returns 20 bytes after shrink");
    CHECK_OK(ftruncate(fd, 64), "grow back to 64");
    CHECK(all_byte(fd, 0, 20, 'x') && all_byte(fd, 20, 44, 0),
          "bytes cut off by shrink come back as zeros, not old data");
    CHECK_OK(truncate(file, 5), "truncate(path) shrinks to 5");
    CHECK_EQ(psize(file), 5, "size 5 via path");
    CHECK_OK(truncate(file, 4096 * 3 + 1), "truncate(path) grows to 12289");
    CHECK(all_byte(fd, 5, 4096 * 3 + 1 - 5, 0), "path-grown region zero");
    CHECK_OK(ftruncate(fd, 0), "ftruncate to 0");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0 && st.st_blocks == 0, "empty: size 0, no blocks");

    /* The file offset is independent of truncation. */
    CHECK_EQ(write(fd, "0123456789", 10), 10, "write 10 bytes");
    CHECK_OK(ftruncate(fd, 4), "shrink to 4 below the offset");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10, "file offset stays 10");
    CHECK_EQ(write(fd, "Z", 1), 1, "write at offset 10");
    CHECK(psize(file) == 11 && all_byte(fd, 4, 6, 0), "write past EOF leaves a zero gap 4..10");

    /* Timestamps. */
    {
        struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
        struct timespec ms30 = {0, 30 * 1000 * 1000};
        utimensat(AT_FDCWD, file, old, 0);
        fstat(fd, &st);
        nanosleep(&ms30, NULL);
        CHECK_OK(ftruncate(fd, 100), "ftruncate to 100");
        fstat(fd, &st2);
        CHECK(st.st_mtim.tv_sec == 1000000000 && st2.st_mtim.tv_sec > 1000000000,
              "ftruncate updates st_mtime");
        CHECK(st2.st_ctim.tv_sec > st.st_ctim.tv_sec ||
                  (st2.st_ctim.tv_sec == st.st_ctim.tv_sec && st2.st_ctim.tv_nsec > st.st_ctim.tv_nsec),
              "ftruncate updates st_ctime");
        CHECK_EQ(st2.st_atim.tv_sec, 1000000000, "ftruncate leaves st_atime alone");
        utimensat(AT_FDCWD, file, old, 0);
        CHECK_OK(truncate(file, 50), "truncate(path) to 50");
        stat(file, &st2);
        CHECK(st2.st_mtim.tv_sec > 1000000000, "truncate(path) size change updates st_mtime");
    }

    /* Argument and file-type errors. */
    CHECK_ERR(ftruncate(fd, -1), EINVAL, "ftruncate negative length -> EINVAL");
    CHECK_ERR(truncate(file, -1), EINVAL, "truncate negative length -> EINVAL");
    CHECK_EQ(psize(file), 50, "failed calls leave size unchanged");
    CHECK_ERR(ftruncate(-1, 0), EBADF, "ftruncate fd -1 -> EBADF");
    rfd = open(file, O_RDONLY);
    CHECK_ERR(ftruncate(rfd, 0), EINVAL, "ftruncate on O_RDONLY fd -> EINVAL");
    close(rfd);
    rfd = open(file, O_PATH);
    CHECK_ERR(ftruncate(rfd, 0), EBADF, "ftruncate on O_PATH fd -> EBADF");
    close(rfd);
    rfd = open(file, O_WRONLY | O_APPEND);
    CHECK_OK(ftruncate(rfd, 30), "ftruncate on O_APPEND fd allowed");
    close(rfd);
    CHECK_EQ(psize(file), 30, "size 30 via O_APPEND fd");
    rfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK_ERR(ftruncate(rfd, 0), EINVAL, "ftruncate on a directory fd -> EINVAL");
    close(rfd);
    CHECK_ERR(truncate(dir, 0), EISDIR, "truncate(directory path) -> EISDIR");
    CHECK_OK(pipe2(p, 0), "pipe2");
    CHECK_ERR(ftruncate(p[1], 0), EINVAL, "ftruncate on pipe -> EINVAL");
    close(p[0]);
    close(p[1]);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        CHECK_ERR(ftruncate(sv[0], 0), EINVAL, "ftruncate on socket -> EINVAL");
        close(sv[0]);
        close(sv[1]);
    }
    CHECK_ERR(truncate("/tmp/ftruncate_cases.nonexistent/x", 0), ENOENT, "truncate missing dir -> ENOENT");
    {
        char nf[200];
        snprintf(nf, sizeof(nf), "%s/missing", dir);
        CHECK_ERR(truncate(nf, 0), ENOENT, "truncate missing file -> ENOENT (no create)");
        snprintf(nf, sizeof(nf), "%s/x", file);
        CHECK_ERR(truncate(nf, 0), ENOTDIR, "truncate with file as dir component -> ENOTDIR");
    }
    CHECK_ERR(truncate("", 0), ENOENT, "truncate empty path -> ENOENT");

    /* Symlinks are followed; loops are ELOOP. */
    symlink(file, link1);
    CHECK_OK(truncate(link1, 7), "truncate through symlink");
    CHECK_EQ(psize(file), 7, "target truncated to 7");
    symlink(loop1, loop1);
    CHECK_ERR(truncate(loop1, 0), ELOOP, "truncate self-referencing symlink -> ELOOP");

    /* Root ignores the mode bits (needs root: CAP_DAC_OVERRIDE). */
    chmod(file, 0444);
    CHECK_OK(truncate(file, 8), "root truncates a 0444 file (needs root: CAP_DAC_OVERRIDE)");
    chmod(file, 0644);

    /* Unprivileged child. */
    mkdir(sub, 0700);
    close(open(subfile, O_WRONLY | O_CREAT, 0666));
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_unpriv(fd));
    CHECK_EQ(wait_code(pid), 0,
             "uid 65534: truncate root's 0644 file and file in 0700 dir -> EACCES; ftruncate on inherited O_RDWR fd ok (needs root: setuid)");
    CHECK_EQ(psize(file), 77, "ftruncate by unprivileged child took effect");

    /* RLIMIT_FSIZE. */
    ftruncate(fd, 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_fsize_handler(fd));
    CHECK_EQ(wait_code(pid), 0,
             "RLIMIT_FSIZE 4096: grow to limit ok, beyond -> EFBIG + SIGXFSZ (ftruncate and truncate), shrink ok");
    CHECK_EQ(psize(file), 10, "file size after RLIMIT_FSIZE child is 10");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_fsize_ignored(fd));
    CHECK_EQ(wait_code(pid), 0, "RLIMIT_FSIZE with SIGXFSZ ignored -> EFBIG only");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_fsize_default(fd));
    CHECK_EQ(wait_code(pid), 200 + SIGXFSZ, "RLIMIT_FSIZE with default SIGXFSZ action kills the process");
    CHECK_EQ(psize(file), 10, "size unchanged by the failed grows");

    close(fd);
    unlink(subfile);
    rmdir(sub);
    unlink(link1);
    unlink(loop1);
    unlink(file);
    CHECK_OK(rmdir(dir), "remove temp dir");
    CHECK_DONE();
}
