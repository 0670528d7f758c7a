/* proc_pid_status: /proc/self/status, /proc/self/stat, stopped child state, cmdline, environ, comm writes. */
/* syscalls: openat, read, write, close, prctl, rt_sigprocmask, fork, kill, tgkill, wait4, getpid, getppid, getpgid, getsid */
/* area: proc-dev */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[16384];

static int slurp(const char *path)
{
    int fd = open(path, O_RDONLY), n = 0, r;
    if (fd < 0)
        return -1;
    while (n < (int)sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

/* Value text of "Key:\t..." in buf (up to end of line), or NULL. */
static const char *field(const char *key)
{
    static char val[256];
    char pat[64];
    const char *p;
    size_t i = 0;
    snprintf(pat, sizeof(pat), "\n%s:", key);
    if (strncmp(buf, pat + 1, strlen(pat + 1)) == 0)
        p = buf + strlen(pat + 1);
    else if ((p = strstr(buf, pat)) != NULL)
        p += strlen(pat);
    else
        return NULL;
    while (*p == ' ' || *p == '\t')
        p++;
    while (*p && *p != '\n' && i < sizeof(val) - 1)
        val[i++] = *p++;
    val[i] = 0;
    return val;
}

static long fnum(const char *key)
{
    const char *v = field(key);
    return v ? strtol(v, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
    char want[64], path[64];
    const char *v;
    int n, st;
    pid_t pid;
    sigset_t set, old;

    (void)argc;
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    prctl(PR_SET_NAME, "pstat_test", 0, 0, 0);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1); /* signal 10 -> bit 9 -> 0x200 */
    sigaddset(&set, SIGTERM); /* signal 15 -> bit 14 -> 0x4000 */
    sigprocmask(SIG_BLOCK, &set, &old);

    CHECK(slurp("/proc/self/status") > 0, "read /proc/self/status");
    CHECK_STREQ(field("Name"), "pstat_test", "Name matches PR_SET_NAME");
    CHECK_EQ(fnum("Pid"), getpid(), "Pid");
    CHECK_EQ(fnum("PPid"), getppid(), "PPid");
    CHECK_EQ(fnum("Tgid"), getpid(), "Tgid == pid for the main thread");
    CHECK_EQ(fnum("Threads"), 1, "Threads 1");
    v = field("Uid");
    snprintf(want, sizeof(want), "%d\t%d\t%d\t%d", (int)getuid(), (int)geteuid(), (int)getuid(), (int)getuid());
    CHECK_STREQ(v, want, "Uid line: real, effective, saved, fs");
    CHECK_EQ(fnum("Gid"), getgid(), "Gid");
    CHECK(field("VmRSS") && fnum("VmRSS") > 0, "VmRSS present and positive");
    v = field("SigBlk");
    CHECK(v && strlen(v) == 16 && strtoull(v, NULL, 16) == 0x4200ULL, "SigBlk shows SIGUSR1|SIGTERM (0x4200)");
    v = field("State");
    CHECK(v && v[0] == 'R', "own State is R (running)");
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* /proc/self/stat */
    CHECK(slurp("/proc/self/stat") > 0, "read /proc/self/stat");
    {
        int spid = -1, ppid = -1, pgrp = -1, sess = -1;
        char comm[64] = "", state = '?';
        const char *rp = strrchr(buf, ')');
        sscanf(buf, "%d (%63[^)])", &spid, comm);
        if (rp)
            sscanf(rp + 2, "%c %d %d %d", &state, &ppid, &pgrp, &sess);
        CHECK_EQ(spid, getpid(), "stat field 1: pid");
        CHECK_STREQ(comm, "pstat_test", "stat field 2: comm in parentheses");
        CHECK_EQ(state, 'R', "stat field 3: state R");
        CHECK_EQ(ppid, getppid(), "stat field 4: ppid");
        CHECK_EQ(pgrp, getpgid(0), "stat field 5: pgrp");
        CHECK_EQ(sess, getsid(0), "stat field 6: session");
    }

    /* Stopped child. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        raise(SIGSTOP);
        _exit(0);
    }
    CHECK(pid > 0 && waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st), "child stopped");
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    n = slurp(path);
    {
        const char *rp = strrchr(buf, ')');
        CHECK(n > 0 && rp && rp[2] == 'T', "stopped child's stat state is 'T'");
    }
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    slurp(path);
    v = field("State");
    CHECK(v && strncmp(v, "T (stopped)", 11) == 0, "stopped child's status State 'T (stopped)'");
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);

    /* cmdline and environ. */
    n = slurp("/proc/self/cmdline");
    CHECK(n > 0 && strcmp(buf, argv[0]) == 0 && buf[n - 1] == 0, "cmdline: argv[0] first, NUL-terminated");
    setenv("PSTAT_X", "1", 1); /* does not change the initial environ block */
    n = slurp("/proc/self/environ");
    {
        extern char **environ;
        int found_first = environ[0] ? (n > 0 && strcmp(buf, environ[0]) == 0) : n == 0;
        CHECK(found_first, "environ begins with the first initial environment string");
        CHECK(memmem(buf, n, "PSTAT_X=1", 9) == NULL, "setenv after start is not reflected in /proc/self/environ");
    }

    /* Writing comm. */
    {
        int fd = open("/proc/self/comm", O_WRONLY);
        char name[32];
        CHECK(fd >= 0 && write(fd, "newname", 7) == 7, "write /proc/self/comm");
        close(fd);
        slurp("/proc/self/comm");
        CHECK_STREQ(buf, "newname\n", "comm reads back the new name");
        prctl(PR_GET_NAME, name, 0, 0, 0);
        CHECK_STREQ(name, "newname", "PR_GET_NAME sees it");
        fd = open("/proc/self/comm", O_WRONLY);
        write(fd, "averyveryverylongprocessname", 28);
        close(fd);
        slurp("/proc/self/comm");
        CHECK_STREQ(buf, "averyveryverylo\n", "long comm truncated to 15 characters");
    }
    CHECK_DONE();
}
