/* vfork_exec: vfork + execve of busybox, exit codes, execve errnos. */
/* syscalls: vfork, fork, execve, wait4, open, write, chmod, mkdir, dup3, rt_sigaction */
/* area: process */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIR "/tmp/conf_vfork_exec" CONF_TAG
#define BB "/bin/busybox"

static char *envp_empty[] = { NULL };

/* vfork + execve(path, argv, envp); returns the wait status. */
static int vrun(const char *path, char *const argv[], char *const envp[])
{
    int status = -1;
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0) {
        execve(path, argv, envp);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

/* fork + execve that is expected to fail; returns errno seen by the child. */
static int exec_errno(const char *path, char *const argv[])
{
    int status;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execve(path, argv, envp_empty);
        _exit(errno & 0xff);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        write(fd, text, strlen(text));
        close(fd);
    }
    chmod(path, mode);
}

int main(void)
{
    int st;
    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);

    st = vrun(BB, (char *[]){ "true", NULL }, envp_empty);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "vfork+execve busybox true exits 0");
    st = vrun(BB, (char *[]){ "false", NULL }, envp_empty);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "vfork+execve busybox false exits 1");
    st = vrun(BB, (char *[]){ "sh", "-c", "exit 7", NULL }, envp_empty);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "sh -c 'exit 7' exits 7");
    st = vrun(BB, (char *[]){ "sh", "-c", "exit $#", "zero", "a", "b", NULL }, envp_empty);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2, "argv passed through execve ($# == 2)");
    st = vrun(BB, (char *[]){ "sh", "-c", "test \"$FOO\" = bar", NULL }, (char *[]){ "FOO=bar", NULL });
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "envp passed through execve (FOO=bar)");
    setenv("CONF_MARK", "1", 1);
    st = vrun(BB, (char *[]){ "sh", "-c", "test -z \"$CONF_MARK\"", NULL }, envp_empty);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "execve uses envp, not the caller's environment");
    st = vrun(BB, (char *[]){ "sh", "-c", "kill -KILL $$", NULL }, envp_empty);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "exec'd shell killing itself: WTERMSIG SIGKILL");

    /* vfork child shares memory with the parent until it execs or exits. */
    {
        static volatile int shared_flag;
        shared_flag = 0;
        fflush(stdout);
        pid_t pid = vfork();
        if (pid == 0) {
            shared_flag = 1234;
            _exit(0);
        }
        waitpid(pid, &st, 0);
        CHECK_EQ(shared_flag, 1234, "vfork child's store is visible in the parent");
    }

    /* Close-on-exec: fd 20 survives, fd 21 does not. */
    {
        int fd = open("/dev/null", O_RDONLY);
        CHECK(dup3(fd, 20, 0) == 20 && dup3(fd, 21, O_CLOEXEC) == 21, "dup3 to fds 20 and 21(O_CLOEXEC)");
        close(fd);
        st = vrun(BB, (char *[]){ "sh", "-c", "test -e /proc/self/fd/20 && ! test -e /proc/self/fd/21", NULL },
                  envp_empty);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "execve keeps fd 20 and closes O_CLOEXEC fd 21");
        close(20);
        close(21);
    }

    /* Ignored signals stay ignored across execve. */
    signal(SIGTERM, SIG_IGN);
    st = vrun(BB, (char *[]){ "sh", "-c", "kill -TERM $$; exit 5", NULL }, envp_empty);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5, "SIG_IGN disposition inherited across execve");
    signal(SIGTERM, SIG_DFL);

    /* Scripts with #! lines. */
    write_file(DIR "/script", "#!" BB " sh\nexit 3\n", 0755);
    st = vrun(DIR "/script", (char *[]){ "script", NULL }, envp_empty);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "#! script runs its interpreter (exit 3)");
    write_file(DIR "/script_arg", "#!" BB " sh\nexit $#\n", 0755);
    st = vrun(DIR "/script_arg", (char *[]){ "s", "x", "y", "z", NULL }, envp_empty);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "#! script receives its arguments");
    write_file(DIR "/badinterp", "#!" DIR "/no_such_interp\n", 0755);
    CHECK_EQ(exec_errno(DIR "/badinterp", (char *[]){ "x", NULL }), ENOENT,
             "#! with missing interpreter -> ENOENT");

    /* execve errors. */
    CHECK_EQ(exec_errno(DIR "/does_not_exist", (char *[]){ "x", NULL }), ENOENT,
             "execve of missing file -> ENOENT");
    write_file(DIR "/noexec", "#!" BB " sh\nexit 0\n", 0644);
    CHECK_EQ(exec_errno(DIR "/noexec", (char *[]){ "x", NULL }), EACCES,
             "execve of file without any x bit (even as root) -> EACCES");
    CHECK_EQ(exec_errno(DIR, (char *[]){ "x", NULL }), EACCES, "execve of a directory -> EACCES");
    CHECK_EQ(exec_errno("/dev/null", (char *[]){ "x", NULL }), EACCES,
             "execve of a device node -> EACCES");
    write_file(DIR "/garbage", "this is not an executable\n", 0755);
    CHECK_EQ(exec_errno(DIR "/garbage", (char *[]){ "x", NULL }), ENOEXEC,
             "execve of executable garbage -> ENOEXEC");
    write_file(DIR "/empty", "", 0755);
    CHECK_EQ(exec_errno(DIR "/empty", (char *[]){ "x", NULL }), ENOEXEC,
             "execve of an empty executable file -> ENOEXEC");
    CHECK_EQ(exec_errno(DIR "/garbage/sub", (char *[]){ "x", NULL }), ENOTDIR,
             "execve with a file as a path component -> ENOTDIR");
    {
        static char longname[PATH_MAX + 16];
        memset(longname, 'a', sizeof(longname) - 1);
        longname[0] = '/';
        CHECK_EQ(exec_errno(longname, (char *[]){ "x", NULL }), ENAMETOOLONG,
                 "execve with path longer than PATH_MAX -> ENAMETOOLONG");
    }
    CHECK_EQ(exec_errno(NULL, (char *[]){ "x", NULL }), EFAULT, "execve(NULL) -> EFAULT");
    CHECK_EQ(exec_errno("", (char *[]){ "x", NULL }), ENOENT, "execve(\"\") -> ENOENT");

    unlink(DIR "/script");
    unlink(DIR "/script_arg");
    unlink(DIR "/badinterp");
    unlink(DIR "/noexec");
    unlink(DIR "/garbage");
    unlink(DIR "/empty");
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
