/* execve_errors: execve(2) errno cases and what a successful execve keeps (pid, argv, envp, fds, signals). */
/* syscalls: execve, fork, wait4, openat, write, read, close, pipe2, fcntl, fchmod, mkdir, rmdir, unlink, symlink, setresuid, setrlimit, rt_sigaction, rt_sigprocmask, getpid */
/* area: process */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static int image_marker = 1;
static char base[128];

static void handler(int s)
{
    (void)s;
}

static int wait_code(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Re-exec'd image: report what it received on the fd named by argv[2]. */
static int show_mode(int argc, char **argv)
{
    char buf[4096];
    int n = 0, fd = atoi(argv[2]), cfd = atoi(argv[3]);
    struct sigaction s1, s2;
    sigset_t cur;
    alarm(5);
    sigaction(SIGUSR1, NULL, &s1);
    sigaction(SIGUSR2, NULL, &s2);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    n += snprintf(buf + n, sizeof(buf) - n, "%d\n%d\n", (int)getpid(), argc);
    for (int i = 0; i < argc; i++)
        n += snprintf(buf + n, sizeof(buf) - n, "%s|", argv[i]);
    n += snprintf(buf + n, sizeof(buf) - n, "\n");
    for (char **e = environ; *e; e++)
        n += snprintf(buf + n, sizeof(buf) - n, "%s|", *e);
    n += snprintf(buf + n, sizeof(buf) - n, "\n%d %d %d %d %d\n", fcntl(cfd, F_GETFD) == -1 && errno == EBADF,
                  s1.sa_handler == SIG_DFL, s2.sa_handler == SIG_IGN, sigismember(&cur, SIGHUP) == 1,
                  image_marker);
    return write(fd, buf, n) == n ? 0 : 1;
}

/* Fork a child that runs fn and exits with its result. */
static int in_child(int (*fn)(void))
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
        _exit(fn());
    return p > 0 ? wait_code(p) : -1;
}

static char *const noargs[] = {"x", NULL};
static char path_d[200], path_dfile[200];

static int unpriv_exec(void)
{
    if (setresuid(65534, 65534, 65534) != 0)
        return 50;
    execve(path_dfile, noargs, environ);
    return errno == EACCES ? 0 : 1;
}

static int big_total(void)
{
    struct rlimit rl = {8 * 1024 * 1024, 8 * 1024 * 1024};
    getrlimit(RLIMIT_STACK, &rl);
    rl.rlim_cur = 8 * 1024 * 1024; /* argument space limit = rlimit / 4 = 2 MiB */
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
        rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_STACK, &rl) != 0)
        return 50;
    size_t len = 100 * 1000;
    char *s = malloc(len + 1);
    char *argv[40];
    if (!s)
        return 51;
    memset(s, 'a', len);
    s[len] = 0;
    argv[0] = "x";
    for (int i = 1; i < 39; i++)
        argv[i] = s; /* 38 * 100 kB = 3.8 MB > 2 MiB */
    argv[39] = NULL;
    execve("/proc/self/exe", argv, environ);
    return errno == E2BIG ? 0 : 1;
}

static int make_file(const char *path, const char *content, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    size_t n = strlen(content);
    if (write(fd, content, n) != (ssize_t)n || fchmod(fd, mode) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

static char *read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--show") == 0)
        return show_mode(argc, argv);
    if (argc == 1 && argv[0][0] == 0 && getenv("EXECVE_NULLARGV")) {
        alarm(5);
        return 33; /* kernel substituted an empty argv[0] */
    }
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    char p_noexec[200], p_garbage[200], p_empty[200], p_notdir[200], p_loop[200], p_missing[200];
    snprintf(base, sizeof(base), "/tmp/execve_errors%s.%d", CONF_TAG, (int)getpid());
    snprintf(p_noexec, sizeof(p_noexec), "%s.nox", base);
    snprintf(p_garbage, sizeof(p_garbage), "%s.garbage", base);
    snprintf(p_empty, sizeof(p_empty), "%s.empty", base);
    snprintf(p_notdir, sizeof(p_notdir), "%s.nox/sub", base);
    snprintf(p_loop, sizeof(p_loop), "%s.loop", base);
    snprintf(p_missing, sizeof(p_missing), "%s.missing", base);
    snprintf(path_d, sizeof(path_d), "%s.dir", base);
    snprintf(path_dfile, sizeof(path_dfile), "%s.dir/prog", base);

    CHECK_ERR(execve(p_missing, noargs, environ), ENOENT, "execve nonexistent file -> ENOENT");
    CHECK_ERR(execve("", noargs, environ), ENOENT, "execve empty path -> ENOENT");
    CHECK_OK(make_file(p_noexec, "#!/bin/busybox sh\nexit 0\n", 0644), "create file without x bit");
    CHECK_ERR(execve(p_noexec, noargs, environ), EACCES, "execve file without any x bit -> EACCES (even root)");
    CHECK_ERR(execve("/tmp", noargs, environ), EACCES, "execve a directory -> EACCES");
    CHECK_ERR(execve(p_notdir, noargs, environ), ENOTDIR, "execve with a regular file as dir component -> ENOTDIR");
    CHECK_OK(make_file(p_garbage, "\x01\x02garbage that is not ELF\n", 0755), "create garbage file with x bit");
    CHECK_ERR(execve(p_garbage, noargs, environ), ENOEXEC, "execve garbage executable -> ENOEXEC");
    CHECK_OK(make_file(p_empty, "", 0755), "create empty file with x bit");
    CHECK_ERR(execve(p_empty, noargs, environ), ENOEXEC, "execve empty executable -> ENOEXEC");
    CHECK_OK(symlink(p_loop, p_loop), "create self-referencing symlink");
    CHECK_ERR(execve(p_loop, noargs, environ), ELOOP, "execve through symlink loop -> ELOOP");
    {
        char longp[5000];
        memset(longp, 'a', sizeof(longp) - 1);
        longp[0] = '/';
        longp[sizeof(longp) - 1] = 0;
        CHECK_ERR(execve(longp, noargs, environ), ENAMETOOLONG, "execve path > PATH_MAX -> ENAMETOOLONG");
    }
    CHECK_ERR(syscall(SYS_execve, (const char *)8, noargs, environ), EFAULT, "execve bad path pointer -> EFAULT");
    CHECK_ERR(syscall(SYS_execve, "/proc/self/exe", (char *const *)8, environ), EFAULT, "execve bad argv array pointer -> EFAULT");
    {
        char *bad[] = {"x", (char *)8, NULL};
        CHECK_ERR(execve("/proc/self/exe", bad, environ), EFAULT, "execve argv element bad pointer -> EFAULT");
        CHECK_ERR(execve("/proc/self/exe", noargs, bad), EFAULT, "execve envp element bad pointer -> EFAULT");
    }
    {
        size_t len = 140 * 1024; /* > MAX_ARG_STRLEN (32 pages) */
        char *s = malloc(len + 1);
        if (s) {
            memset(s, 'b', len);
            s[len] = 0;
            char *av[] = {"x", s, NULL};
            CHECK_ERR(execve("/proc/self/exe", av, environ), E2BIG, "execve single arg > MAX_ARG_STRLEN -> E2BIG");
            char *ev[] = {s, NULL};
            CHECK_ERR(execve("/proc/self/exe", noargs, ev), E2BIG, "execve single env string > MAX_ARG_STRLEN -> E2BIG");
            free(s);
        }
    }
    CHECK_EQ(in_child(big_total), 0, "execve argv total > RLIMIT_STACK/4 -> E2BIG");

    /* Directory not searchable by uid 65534. */
    if (mkdir(path_d, 0700) == 0 && make_file(path_dfile, "#!/bin/busybox sh\nexit 0\n", 0755) == 0)
        CHECK_EQ(in_child(unpriv_exec), 0, "execve as uid 65534 through mode 0700 dir -> EACCES");
    else
        CHECK(0, "create private dir with a program");

    /* Successful execve. */
    {
        int p[2], c[2];
        char arg_fd[16], arg_cfd[16], buf[4096], want[4096];
        if (pipe2(p, 0) != 0 || pipe2(c, O_CLOEXEC) != 0) {
            CHECK(0, "pipes for execve");
        } else {
            snprintf(arg_fd, sizeof(arg_fd), "%d", p[1]);
            snprintf(arg_cfd, sizeof(arg_cfd), "%d", c[1]);
            char *av[] = {"argv zero", "--show", arg_fd, arg_cfd, "", "spaces  and\ttab", NULL};
            char *ev[] = {"A=1", "B=two words", "EMPTY=", "NOEQUALS", NULL};
            image_marker = 2;
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                sigset_t set;
                signal(SIGUSR1, handler);
                signal(SIGUSR2, SIG_IGN);
                sigemptyset(&set);
                sigaddset(&set, SIGHUP);
                sigprocmask(SIG_BLOCK, &set, NULL);
                close(p[0]);
                execve("/proc/self/exe", av, ev);
                _exit(99);
            }
            close(p[1]);
            close(c[1]);
            read_all(p[0], buf, sizeof(buf));
            close(p[0]);
            close(c[0]);
            int code = pid > 0 ? wait_code(pid) : -1;
            CHECK_EQ(code, 0, "execve'd image ran and exited 0");
            char *line[6] = {0};
            char *save = NULL, *t = buf;
            for (int i = 0; i < 5; i++, t = NULL)
                line[i] = strtok_r(t, "\n", &save);
            CHECK(line[0] && atoi(line[0]) == pid, "execve keeps the pid");
            CHECK(line[1] && atoi(line[1]) == 6, "argc passed exactly (6)");
            snprintf(want, sizeof(want), "argv zero|--show|%s|%s||spaces  and\ttab|", arg_fd, arg_cfd);
            CHECK_STREQ(line[2], want, "argv strings passed exactly, including empty and argv[0]");
            CHECK_STREQ(line[3], "A=1|B=two words|EMPTY=|NOEQUALS|", "envp passed exactly, nothing added");
            CHECK(line[4] != NULL, "exec'd image reported fd/signal state");
            if (line[4]) {
                int cl = -1, dfl = -1, ign = -1, blk = -1, mark = -1;
                sscanf(line[4], "%d %d %d %d %d", &cl, &dfl, &ign, &blk, &mark);
                CHECK_EQ(cl, 1, "O_CLOEXEC fd closed across execve");
                CHECK_EQ(dfl, 1, "caught signal reset to SIG_DFL by execve");
                CHECK_EQ(ign, 1, "ignored signal stays SIG_IGN across execve");
                CHECK_EQ(blk, 1, "blocked signal mask preserved across execve");
                CHECK_EQ(mark, 1, "execve replaces the memory image (data reset)");
            }
            CHECK(line[0] != NULL, "fd without CLOEXEC stays open across execve (report written through it)");
        }
    }

    /* argv == NULL: Linux substitutes an empty argv[0]. */
    {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            char *ev[] = {"EXECVE_NULLARGV=1", NULL};
            syscall(SYS_execve, "/proc/self/exe", NULL, ev);
            _exit(99);
        }
        CHECK_EQ(pid > 0 ? wait_code(pid) : -1, 33, "execve with NULL argv: new image sees argc 1, argv[0] \"\"");
    }

    unlink(p_noexec);
    unlink(p_garbage);
    unlink(p_empty);
    unlink(p_loop);
    unlink(path_dfile);
    rmdir(path_d);
    CHECK_DONE();
}
