/* creds: real/effective/saved ids, supplementary groups, capabilities, as root and after dropping. */
/* syscalls: getresuid, getresgid, setresuid, setresgid, setuid, setgroups, getgroups, setfsuid, capget, capset, fork, wait4, chown */
/* area: creds */
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIR "/tmp/conf_creds" CONF_TAG

static int capget_v3(struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    return syscall(SYS_capget, &h, d);
}

static int capset_v3(struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    return syscall(SYS_capset, &h, d);
}

static int has_cap(const struct __user_cap_data_struct d[2], int cap, int which)
{
    unsigned v = which == 0 ? d[cap / 32].effective : which == 1 ? d[cap / 32].permitted : d[cap / 32].inheritable;
    return (v >> (cap % 32)) & 1;
}

/* Each child test returns a small code: 0 = pass, otherwise the failing step. */
static int t_setresuid(void)
{
    uid_t r, e, s;
    if (setresuid(1000, 2000, 3000))
        return 1;
    getresuid(&r, &e, &s);
    if (r != 1000 || e != 2000 || s != 3000)
        return 2;
    if (setresuid(-1, -1, -1) || (getresuid(&r, &e, &s), r != 1000 || e != 2000 || s != 3000))
        return 3;
    if (setresuid(0, -1, -1) != -1 || errno != EPERM)
        return 4;
    if (setresuid(-1, 3000, -1) || (getresuid(&r, &e, &s), e != 3000))
        return 5; /* may switch euid to the saved uid */
    if (setuid(0) != -1 || errno != EPERM)
        return 6;
    return 0;
}

static int t_caps_dropped(void)
{
    struct __user_cap_data_struct d[2];
    setresuid(1000, 1000, 1000);
    if (capget_v3(d))
        return 1;
    if (d[0].effective || d[0].permitted || d[1].effective || d[1].permitted)
        return 2;
    if (setgroups(0, NULL) != -1 || errno != EPERM)
        return 3;
    return 0;
}

static int t_seteuid(void)
{
    uid_t r, e, s;
    if (seteuid(1000))
        return 1;
    getresuid(&r, &e, &s);
    if (r != 0 || e != 1000 || s != 0)
        return 2;
    if (geteuid() != 1000 || getuid() != 0)
        return 3;
    if (seteuid(0))
        return 4; /* saved uid 0 lets us back */
    return geteuid() == 0 ? 0 : 5;
}

static int t_capset(void)
{
    struct __user_cap_data_struct d[2];
    capget_v3(d);
    d[0].effective &= ~(1u << CAP_CHOWN);
    if (capset_v3(d))
        return 1;
    if (chown(DIR "/f", 1234, -1) != -1 || errno != EPERM)
        return 2;
    d[0].effective |= 1u << CAP_CHOWN;
    if (capset_v3(d))
        return 3;
    if (chown(DIR "/f", 1234, -1))
        return 4;
    d[0].permitted &= ~(1u << CAP_CHOWN);
    d[0].effective &= ~(1u << CAP_CHOWN);
    if (capset_v3(d))
        return 5;
    d[0].permitted |= 1u << CAP_CHOWN;
    if (capset_v3(d) != -1 || errno != EPERM)
        return 6; /* cannot regain a dropped permitted cap */
    return 0;
}

static int child(int (*fn)(void))
{
    int status;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

int main(void)
{
    uid_t r, e, s;
    gid_t gr, ge, gs, groups[8];
    struct __user_cap_data_struct d[2];

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    close(open(DIR "/f", O_WRONLY | O_CREAT, 0644));

    CHECK_OK(getresuid(&r, &e, &s), "getresuid");
    CHECK(r == 0 && e == 0 && s == 0, "running as root: 0/0/0");
    CHECK(getresgid(&gr, &ge, &gs) == 0 && gr == getgid() && ge == getegid(), "getresgid matches getgid/getegid");
    CHECK_EQ(child(t_setresuid), 0, "setresuid 1000/2000/3000, then EPERM for uid 0");
    CHECK_EQ(child(t_seteuid), 0, "seteuid 1000 keeps saved uid 0, seteuid(0) returns");
    CHECK_EQ(child(t_caps_dropped), 0, "all-nonzero uids clear effective and permitted caps; setgroups -> EPERM");

    {
        gid_t set[3] = { 10, 20, 30 };
        CHECK_OK(setgroups(3, set), "setgroups {10,20,30}");
        CHECK_EQ(getgroups(0, NULL), 3, "getgroups(0, NULL) returns the count");
        CHECK(getgroups(8, groups) == 3 && groups[0] == 10 && groups[1] == 20 && groups[2] == 30, "getgroups contents");
        CHECK_ERR(getgroups(2, groups), EINVAL, "getgroups with too small size -> EINVAL");
        CHECK_ERR(syscall(SYS_getgroups, -1, groups), EINVAL, "getgroups negative size -> EINVAL");
        CHECK_ERR(setgroups(65537, set), EINVAL, "setgroups above NGROUPS_MAX -> EINVAL");
        CHECK_OK(setgroups(0, NULL), "setgroups(0) clears the list");
        CHECK_EQ(getgroups(0, NULL), 0, "no supplementary groups");
    }

    {
        struct __user_cap_header_struct h = { 0x12345678, 0 };
        CHECK_ERR(syscall(SYS_capget, &h, d), EINVAL, "capget bad version -> EINVAL");
        CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3, "kernel writes back its preferred version");
        h.version = _LINUX_CAPABILITY_VERSION_3;
        h.pid = 0;
        CHECK_OK(syscall(SYS_capget, &h, NULL), "capget with NULL data probes the version");
    }
    CHECK_OK(capget_v3(d), "capget v3");
    CHECK(has_cap(d, CAP_SETUID, 0) && has_cap(d, CAP_CHOWN, 0) && has_cap(d, CAP_SYS_ADMIN, 0),
          "root has CAP_SETUID, CAP_CHOWN, CAP_SYS_ADMIN effective");
    CHECK(has_cap(d, CAP_DAC_OVERRIDE, 1) && has_cap(d, CAP_KILL, 1), "and permitted");
    CHECK_EQ(child(t_capset), 0, "capset: drop/restore CAP_CHOWN effective, cannot regain permitted");
    {
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 4194305 };
        CHECK_ERR(syscall(SYS_capget, &h, d), ESRCH, "capget of nonexistent pid -> ESRCH");
    }

    CHECK_EQ(setfsuid(-1), 0, "setfsuid(-1) reports the current fsuid 0");
    CHECK_EQ(setfsuid(1000), 0, "setfsuid(1000) returns the old fsuid");
    CHECK_EQ(setfsuid(0), 1000, "setfsuid(0) returns 1000");

    unlink(DIR "/f");
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
