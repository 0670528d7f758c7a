/* groups_cases: getgroups/setgroups sizes, ordering, limits and errnos; supplementary groups and file access; /proc Groups line; inheritance over fork/exec; user namespaces. */
/* syscalls: getgroups, setgroups, setresuid, setresgid, unshare, openat, read, write, close, chmod, chown,
   unlink, mkdir, rmdir, mmap, munmap, pipe2, clone, execve, wait4, getpid, alarm, exit_group */
/* area: creds */
#include "child_check.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[96], fg[128], fown[128];

/* Parses the Groups: line of a status file into g (up to max); returns the count or -1. */
static int status_groups(const char *path, gid_t *g, int max)
{
    static char buf[8192];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strstr(buf, "\nGroups:");
    if (!p)
        return -1;
    p += 8;
    int cnt = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p < '0' || *p > '9')
            break;
        long v = strtol(p, &p, 10);
        if (cnt < max)
            g[cnt] = (gid_t)v;
        cnt++;
    }
    return *p == '\n' ? cnt : -1;
}

static int can_open(const char *p, int flags)
{
    int fd = open(p, flags);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

static int drop_to(uid_t u, gid_t g)
{
    return setresgid(g, g, g) == 0 && setresuid(u, u, u) == 0 ? 0 : -1;
}

/* needs root: sets the supplementary list, then runs unprivileged. */
static void t_unpriv(void)
{
    gid_t set[2] = { 5000, 6000 }, got[4];
    C_OK(setgroups(2, set), "root: setgroups {5000, 6000}");
    C_OK(drop_to(1000, 100), "drop to uid 1000 gid 100");
    C_EQ(getgroups(4, got), 2, "supplementary groups survive the uid change");
    C_CHECK(got[0] == 5000 && got[1] == 6000, "same groups");
    C_ERR(setgroups(0, NULL), EPERM, "unprivileged setgroups(0, NULL) -> EPERM");
    C_ERR(setgroups(2, set), EPERM, "unprivileged setgroups of the current list -> EPERM");
    C_CHECK(can_open(fg, O_RDWR), "member of group 5000: 0070 file of group 5000 is read/writable");
    C_ERR(open(fown, O_RDONLY), EACCES, "owner class wins: 0070 file owned by uid 1000 -> EACCES despite group");
    int n = status_groups("/proc/self/status", got, 4);
    C_CHECK(n == 2 && got[0] == 5000 && got[1] == 6000, "/proc/self/status Groups: 5000 6000");
}

/* needs root */
static void t_no_group(void)
{
    C_OK(setgroups(0, NULL), "root: clear supplementary groups");
    C_OK(drop_to(1000, 100), "drop to uid 1000 gid 100");
    C_ERR(open(fg, O_RDONLY), EACCES, "not in group 5000: 0070 file -> EACCES");
    C_EQ(getgroups(0, NULL), 0, "getgroups(0) is 0");
    gid_t got[1];
    C_EQ(status_groups("/proc/self/status", got, 1), 0, "/proc/self/status Groups: line is empty");
}

/* needs root */
static void t_egid_group(void)
{
    C_OK(setgroups(0, NULL), "root: clear supplementary groups");
    C_OK(drop_to(1000, 5000), "drop to uid 1000, gid 5000 (no supplementary groups)");
    C_CHECK(can_open(fg, O_RDWR), "egid 5000 alone grants the group bits");
}

/* needs root: unshare(CLONE_NEWUSER) is allowed to root; setgroups needs a gid_map there. */
static void t_userns(void)
{
    gid_t set[3] = { 10, 20, 30 }, got[4];
    if (setgroups(3, set)) {
        C_CHECK(0, "setgroups {10,20,30}");
        return;
    }
    if (unshare(CLONE_NEWUSER) != 0) {
        C_CHECK(errno == EINVAL || errno == EPERM || errno == ENOSPC, "unshare(CLONE_NEWUSER) unavailable");
        return;
    }
    C_EQ(getgroups(4, got), 3, "new user namespace: still 3 supplementary groups");
    C_CHECK(got[0] == 65534 && got[1] == 65534 && got[2] == 65534, "unmapped groups read as overflowgid 65534");
    C_ERR(setgroups(0, NULL), EPERM, "setgroups before gid_map is written -> EPERM");
    char b[16] = { 0 };
    int fd = open("/proc/self/setgroups", O_RDONLY);
    C_CHECK(fd >= 0 && read(fd, b, sizeof(b) - 1) == 6 && strcmp(b, "allow\n") == 0, "/proc/self/setgroups is allow");
    if (fd >= 0)
        close(fd);
    fd = open("/proc/self/setgroups", O_WRONLY);
    C_CHECK(fd >= 0 && write(fd, "deny", 4) == 4, "write deny to /proc/self/setgroups");
    if (fd >= 0)
        close(fd);
    fd = open("/proc/self/gid_map", O_WRONLY);
    C_CHECK(fd >= 0 && write(fd, "0 0 1", 5) == 5, "write gid_map 0 0 1");
    if (fd >= 0)
        close(fd);
    C_ERR(setgroups(0, NULL), EPERM, "setgroups denied by /proc/self/setgroups -> EPERM");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
        gid_t g[8];
        int n = getgroups(8, g);
        return n == 3 && g[0] == 10 && g[1] == 20 && g[2] == 30 ? 0 : 1;
    }
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (child_check_init()) {
        CHECK(0, "mmap shared result page");
        CHECK_DONE();
    }
    snprintf(dir, sizeof(dir), "/tmp/groups_cases%s.%d", CONF_TAG, (int)getpid());
    snprintf(fg, sizeof(fg), "%s/grp", dir);
    snprintf(fown, sizeof(fown), "%s/own", dir);
    CHECK_OK(mkdir(dir, 0755), "setup: mkdir");
    close(open(fg, O_WRONLY | O_CREAT, 0070));
    close(open(fown, O_WRONLY | O_CREAT, 0070));
    /* needs root: hand the files to other owners/groups. */
    CHECK(chown(fg, 0, 5000) == 0 && chmod(fg, 0070) == 0 && chown(fown, 1000, 5000) == 0 && chmod(fown, 0070) == 0,
          "setup: 0070 files with group 5000");

    gid_t orig[64], got[64];
    int norig = getgroups(64, orig);
    CHECK(norig >= 0, "getgroups on the initial list");
    CHECK_EQ(getgroups(0, NULL), norig, "getgroups(0, NULL) returns the count");
    CHECK_EQ(status_groups("/proc/self/status", got, 64), norig, "/proc/self/status Groups: has as many entries");

    /* needs root: setgroups requires CAP_SETGID. */
    {
        gid_t set[4] = { 30, 10, 20, 10 };
        CHECK_OK(setgroups(4, set), "setgroups {30, 10, 20, 10}");
        CHECK_EQ(getgroups(0, NULL), 4, "count 4 (duplicates kept)");
        CHECK(getgroups(64, got) == 4 && got[0] == 10 && got[1] == 10 && got[2] == 20 && got[3] == 30,
              "kernel returns the groups sorted");
        CHECK_EQ(getgroups(4, got), 4, "getgroups with size == count");
        CHECK_ERR(getgroups(3, got), EINVAL, "getgroups with size < count -> EINVAL");
        CHECK_ERR(getgroups(1, got), EINVAL, "getgroups with size 1 -> EINVAL");
        CHECK_ERR(syscall(SYS_getgroups, 4, (void *)8), EFAULT, "getgroups with a bad buffer -> EFAULT");
        CHECK_EQ(syscall(SYS_getgroups, 0, (void *)8), 4, "getgroups size 0 ignores the buffer");
        int n = status_groups("/proc/self/status", got, 64);
        CHECK(n == 4 && got[0] == 10 && got[1] == 10 && got[2] == 20 && got[3] == 30,
              "/proc/self/status Groups: 10 10 20 30");
    }
    {
        gid_t set[3] = { 10, 20, 30 };
        CHECK_OK(setgroups(3, set), "setgroups {10, 20, 30}");
        /* fork: the child reads its own list and the parent reads /proc/<child>/status */
        int p[2];
        char c = 0;
        if (pipe(p) == 0) {
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                gid_t g[8];
                int ok = getgroups(8, g) == 3 && g[0] == 10 && g[2] == 30;
                close(p[1]);
                ok &= read(p[0], &c, 1) == 1;
                _exit(ok ? 0 : 1);
            }
            close(p[0]);
            char path[64];
            snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
            int n = status_groups(path, got, 64);
            CHECK(n == 3 && got[0] == 10 && got[1] == 20 && got[2] == 30, "/proc/<child>/status shows inherited groups");
            c = 'x';
            CHECK(write(p[1], &c, 1) == 1, "release child");
            close(p[1]);
            int st;
            CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "forked child has the same groups");
        } else {
            CHECK(0, "pipe");
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            execl("/proc/self/exe", "groups_cases", "exec-child", (char *)NULL);
            _exit(99);
        }
        int st;
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "groups survive execve");
    }
    {
        long ngmax = sysconf(_SC_NGROUPS_MAX);
        CHECK_EQ(ngmax, 65536, "sysconf(_SC_NGROUPS_MAX) is 65536");
        char b[32] = { 0 };
        int fd = open("/proc/sys/kernel/ngroups_max", O_RDONLY);
        CHECK(fd >= 0 && read(fd, b, sizeof(b) - 1) > 0 && atol(b) == 65536, "/proc/sys/kernel/ngroups_max is 65536");
        if (fd >= 0)
            close(fd);
        size_t sz = (65536 + 1) * sizeof(gid_t);
        gid_t *big = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (big != MAP_FAILED) {
            for (int i = 0; i <= 65536; i++)
                big[i] = 100000 + i;
            CHECK_ERR(setgroups(65537, big), EINVAL, "setgroups size NGROUPS_MAX+1 -> EINVAL");
            CHECK_OK(setgroups(65536, big), "setgroups of exactly NGROUPS_MAX groups");
            CHECK_EQ(getgroups(0, NULL), 65536, "getgroups count 65536");
            memset(big, 0, sz);
            CHECK(getgroups(65536, big) == 65536 && big[0] == 100000 && big[65535] == 165535,
                  "all 65536 groups read back");
            munmap(big, sz);
        } else {
            CHECK(0, "mmap for the big group list");
        }
        gid_t bad[2] = { 10, (gid_t)-1 };
        CHECK_ERR(setgroups(2, bad), EINVAL, "setgroups containing gid -1 -> EINVAL");
        CHECK_ERR(syscall(SYS_setgroups, -1, bad), EINVAL, "setgroups negative size -> EINVAL");
        CHECK_ERR(syscall(SYS_setgroups, 2, (void *)8), EFAULT, "setgroups with a bad pointer -> EFAULT");
        CHECK_OK(setgroups(0, NULL), "setgroups(0, NULL) clears the list");
        CHECK_EQ(getgroups(0, NULL), 0, "no supplementary groups");
        CHECK_EQ(status_groups("/proc/self/status", got, 64), 0, "/proc/self/status Groups: is empty");
    }

    in_child(t_unpriv, "unprivileged with groups");
    in_child(t_no_group, "without the group");
    in_child(t_egid_group, "egid grants group access");
    in_child(t_userns, "user namespace");

    CHECK_OK(setgroups(norig, orig), "restore the original groups");
    unlink(fg);
    unlink(fown);
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
