/* capabilities: capget/capset v3, version probing, dropping single capabilities, permitted/effective/inheritable rules, uid-change fixups, /proc status. */
/* syscalls: capget, capset, prctl, setresuid, setuid, setfsuid, chown, chmod, openat, access, faccessat2,
   sethostname, uname, newfstatat, read, write, close, unlink, mkdir, rmdir, mmap, pipe2, clone, wait4,
   getpid, getuid, geteuid, alarm, exit_group */
/* area: creds */
#include "child_check.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[96], f0[128], fo[128];

/* ---- capability helpers ---- */
typedef struct {
    unsigned long long eff, prm, inh;
} caps_t;

static long capget_raw(unsigned version, int pid, struct __user_cap_data_struct *d)
{
    struct __user_cap_header_struct h = { version, pid };
    return syscall(SYS_capget, &h, d);
}

static int get_caps(int pid, caps_t *c)
{
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    if (capget_raw(_LINUX_CAPABILITY_VERSION_3, pid, d))
        return -1;
    c->eff = d[0].effective | (unsigned long long)d[1].effective << 32;
    c->prm = d[0].permitted | (unsigned long long)d[1].permitted << 32;
    c->inh = d[0].inheritable | (unsigned long long)d[1].inheritable << 32;
    return 0;
}

static long set_caps_pid(int pid, const caps_t *c)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, pid };
    struct __user_cap_data_struct d[2];
    d[0].effective = (unsigned)c->eff;
    d[1].effective = (unsigned)(c->eff >> 32);
    d[0].permitted = (unsigned)c->prm;
    d[1].permitted = (unsigned)(c->prm >> 32);
    d[0].inheritable = (unsigned)c->inh;
    d[1].inheritable = (unsigned)(c->inh >> 32);
    return syscall(SYS_capset, &h, d);
}

static long set_caps(const caps_t *c) { return set_caps_pid(0, c); }

#define BIT(cap) (1ULL << (cap))

/* Reads "Field:\t<hex>" from a /proc status file; returns -1 (all ones) on failure. */
static unsigned long long status_hex(const char *path, const char *field)
{
    char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return ~0ULL;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return ~0ULL;
    buf[n] = 0;
    char key[32];
    snprintf(key, sizeof(key), "\n%s:", field);
    char *p = strstr(buf, key);
    if (!p)
        return ~0ULL;
    return strtoull(p + strlen(key), NULL, 16);
}

static caps_t base; /* the parent's capabilities */

/* ---- child scenarios ---- */

static void t_dac(void)
{
    caps_t c = base;
    c.eff &= ~BIT(CAP_DAC_OVERRIDE);
    C_OK(set_caps(&c), "capset: drop CAP_DAC_OVERRIDE from effective only");
    C_ERR(open(f0, O_WRONLY), EACCES, "without CAP_DAC_OVERRIDE: open 0000 file O_WRONLY -> EACCES");
    int fd = open(f0, O_RDONLY);
    C_CHECK(fd >= 0, "CAP_DAC_READ_SEARCH still allows open 0000 file O_RDONLY");
    if (fd >= 0)
        close(fd);
    /* access() runs with the real uid's creds: for real root the effective set becomes the permitted set. */
    C_OK(access(f0, W_OK), "access(W_OK) as real root uses the permitted set: allowed");
    C_ERR(syscall(SYS_faccessat2, AT_FDCWD, f0, W_OK, AT_EACCESS), EACCES,
          "faccessat2(AT_EACCESS, W_OK) uses the effective set -> EACCES");
    c.eff &= ~BIT(CAP_DAC_READ_SEARCH);
    C_OK(set_caps(&c), "capset: drop CAP_DAC_READ_SEARCH from effective too");
    C_ERR(open(f0, O_RDONLY), EACCES, "without both DAC caps: open 0000 file O_RDONLY -> EACCES");
    c.eff = base.eff;
    C_OK(set_caps(&c), "capset: raise both back into effective (still permitted)");
    fd = open(f0, O_WRONLY);
    C_CHECK(fd >= 0, "open 0000 file O_WRONLY works again");
    if (fd >= 0)
        close(fd);
}

static void t_chown_fowner(void)
{
    caps_t c = base;
    c.eff &= ~(BIT(CAP_CHOWN) | BIT(CAP_FOWNER));
    c.prm &= ~(BIT(CAP_CHOWN) | BIT(CAP_FOWNER));
    C_OK(set_caps(&c), "capset: drop CAP_CHOWN and CAP_FOWNER from effective and permitted");
    C_ERR(chown(f0, 1234, -1), EPERM, "without CAP_CHOWN: chown to another uid -> EPERM");
    C_ERR(chown(f0, -1, 4321), EPERM, "without CAP_CHOWN: chgrp to a group not held -> EPERM");
    C_OK(chown(f0, 0, 0), "owner may still chown to its own uid and gid");
    C_ERR(chmod(fo, 0600), EPERM, "without CAP_FOWNER: chmod of a file owned by uid 1234 -> EPERM");
    C_OK(chmod(f0, 0000), "chmod of an own file still works");
    caps_t up = c;
    up.prm |= BIT(CAP_CHOWN);
    up.eff |= BIT(CAP_CHOWN);
    C_ERR(set_caps(&up), EPERM, "capset cannot put a dropped cap back into permitted -> EPERM");
    up = c;
    up.eff |= BIT(CAP_CHOWN);
    C_ERR(set_caps(&up), EPERM, "capset: effective not a subset of permitted -> EPERM");
    caps_t now;
    C_CHECK(get_caps(0, &now) == 0 && now.eff == c.eff && now.prm == c.prm, "failed capsets changed nothing");
    C_CHECK(status_hex("/proc/self/status", "CapEff") == c.eff && status_hex("/proc/self/status", "CapPrm") == c.prm,
            "/proc/self/status CapEff/CapPrm show the reduced sets");
}

static void t_setuid_sysadmin(void)
{
    caps_t c = base;
    c.eff &= ~(BIT(CAP_SETUID) | BIT(CAP_SYS_ADMIN));
    C_OK(set_caps(&c), "capset: drop CAP_SETUID and CAP_SYS_ADMIN from effective");
    C_ERR(setuid(1000), EPERM, "euid 0 without CAP_SETUID: setuid(1000) -> EPERM");
    C_ERR(setresuid(-1, 1000, -1), EPERM, "without CAP_SETUID: setresuid(-1, 1000, -1) -> EPERM");
    struct utsname u;
    uname(&u);
    C_ERR(sethostname(u.nodename, strlen(u.nodename)), EPERM, "without CAP_SYS_ADMIN: sethostname -> EPERM");
    C_CHECK(getuid() == 0 && geteuid() == 0, "uids unchanged");
}

static void t_inheritable(void)
{
    caps_t c = base;
    c.prm &= ~BIT(CAP_NET_RAW);
    c.eff &= ~BIT(CAP_NET_RAW);
    c.inh = 0;
    C_OK(set_caps(&c), "capset: drop CAP_NET_RAW from permitted");
    caps_t t = c;
    t.inh = BIT(CAP_NET_RAW);
    /* With CAP_SETPCAP effective, inheritable may contain anything in the bounding set. */
    C_OK(set_caps(&t), "with CAP_SETPCAP: inheritable may gain a cap outside permitted");
    caps_t now;
    C_CHECK(get_caps(0, &now) == 0 && now.inh == BIT(CAP_NET_RAW), "capget shows the new inheritable set");
    C_CHECK(status_hex("/proc/self/status", "CapInh") == BIT(CAP_NET_RAW), "/proc/self/status CapInh agrees");
    c.eff &= ~BIT(CAP_SETPCAP);
    c.inh = 0;
    C_OK(set_caps(&c), "drop CAP_SETPCAP from effective, clear inheritable");
    t = c;
    t.inh = BIT(CAP_NET_RAW);
    C_ERR(set_caps(&t), EPERM, "without CAP_SETPCAP: inheritable outside inheritable|permitted -> EPERM");
    t.inh = BIT(CAP_KILL);
    C_OK(set_caps(&t), "without CAP_SETPCAP: inheritable from permitted is allowed");
}

static void t_setuid_clears(void)
{
    int fd = open(f0, O_WRONLY);
    C_OK(setuid(1000), "setuid(1000) as root without keepcaps");
    caps_t now;
    C_CHECK(get_caps(0, &now) == 0 && now.eff == 0 && now.prm == 0, "effective and permitted are now empty");
    C_CHECK(status_hex("/proc/self/status", "CapEff") == 0 && status_hex("/proc/self/status", "CapPrm") == 0,
            "/proc/self/status CapEff and CapPrm are 0");
    caps_t up = { BIT(CAP_CHOWN), BIT(CAP_CHOWN), 0 };
    C_ERR(set_caps(&up), EPERM, "capset cannot raise caps after the uid change -> EPERM");
    C_ERR(chown(f0, 1000, -1), EPERM, "chown as uid 1000 -> EPERM");
    C_ERR(open(f0, O_WRONLY), EACCES, "open of 0000 file as uid 1000 -> EACCES");
    C_CHECK(fd >= 0, "descriptor opened before the uid change stays usable");
    C_CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write through it still works");
    C_ERR(setuid(0), EPERM, "setuid(0) back -> EPERM");
}

static void t_keepcaps(void)
{
    C_OK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "PR_SET_KEEPCAPS 1");
    C_OK(setresuid(1000, 1000, 1000), "setresuid(1000, 1000, 1000) with keepcaps");
    caps_t now;
    C_CHECK(get_caps(0, &now) == 0 && now.eff == 0, "effective set cleared even with keepcaps");
    C_CHECK(now.prm == base.prm, "permitted set kept");
    C_CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 1, "keepcaps flag still set");
    C_ERR(chown(f0, 1234, -1), EPERM, "chown with empty effective -> EPERM");
    caps_t c = { BIT(CAP_CHOWN), base.prm, 0 };
    C_OK(set_caps(&c), "capset raises CAP_CHOWN from permitted into effective");
    C_OK(chown(f0, 1234, -1), "uid 1000 with CAP_CHOWN may chown");
    struct stat st;
    C_CHECK(stat(f0, &st) == 0 && st.st_uid == 1234, "owner changed to 1234");
    C_CHECK(status_hex("/proc/self/status", "CapEff") == BIT(CAP_CHOWN), "/proc/self/status CapEff is CAP_CHOWN only");
}

static void t_euid_fixup(void)
{
    caps_t now;
    C_OK(seteuid(1000), "seteuid(1000) with real uid 0");
    C_CHECK(get_caps(0, &now) == 0 && now.eff == 0 && now.prm == base.prm,
            "euid 0 -> nonzero clears effective, keeps permitted");
    C_OK(seteuid(0), "seteuid(0) back (saved uid 0)");
    C_CHECK(get_caps(0, &now) == 0 && now.eff == now.prm && now.prm == base.prm,
            "euid nonzero -> 0 sets effective to permitted");
}

static void t_fsuid_fixup(void)
{
    caps_t now;
    setfsuid(1000);
    C_CHECK(get_caps(0, &now) == 0, "capget after setfsuid(1000)");
    C_CHECK(!(now.eff & BIT(CAP_CHOWN)) && !(now.eff & BIT(CAP_DAC_OVERRIDE)) && !(now.eff & BIT(CAP_FOWNER)) &&
                !(now.eff & BIT(CAP_DAC_READ_SEARCH)),
            "fsuid 0 -> nonzero clears the filesystem caps from effective");
    C_CHECK((now.eff & BIT(CAP_KILL)) && (now.eff & BIT(CAP_SETUID)) && (now.eff & BIT(CAP_SYS_ADMIN)),
            "non-filesystem caps stay effective");
    C_CHECK(now.prm == base.prm, "permitted unchanged by fsuid change");
    C_ERR(open(f0, O_RDONLY), EACCES, "fsuid 1000: open of 0000 file -> EACCES");
    setfsuid(0);
    C_CHECK(get_caps(0, &now) == 0 && now.eff == base.eff, "fsuid back to 0 restores the filesystem caps");
}

int main(void)
{
    struct __user_cap_data_struct d[2];
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (child_check_init()) {
        CHECK(0, "mmap shared result page");
        CHECK_DONE();
    }
    snprintf(dir, sizeof(dir), "/tmp/capabilities%s.%d", CONF_TAG, (int)getpid());
    snprintf(f0, sizeof(f0), "%s/f0", dir);
    snprintf(fo, sizeof(fo), "%s/fo", dir);
    mkdir(dir, 0755);
    close(open(f0, O_WRONLY | O_CREAT, 0000));
    close(open(fo, O_WRONLY | O_CREAT, 0644));
    chmod(f0, 0000);
    CHECK_OK(chown(fo, 1234, 1234), "setup: chown helper file to 1234"); /* needs root: CAP_CHOWN */

    /* Version probing. */
    {
        struct __user_cap_header_struct h = { 0x12345678, 0 };
        CHECK_ERR(syscall(SYS_capget, &h, d), EINVAL, "capget with a bad version -> EINVAL");
        CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3, "bad version: kernel writes back VERSION_3");
        h.version = 0;
        CHECK_EQ(syscall(SYS_capget, &h, NULL), 0, "capget(bad version, NULL data) is a probe: returns 0");
        CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3, "probe wrote back VERSION_3");
        h.version = 0x12345678;
        CHECK_ERR(syscall(SYS_capset, &h, d), EINVAL, "capset with a bad version -> EINVAL");
        CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3, "capset also writes back VERSION_3");
        CHECK_ERR(syscall(SYS_capget, (void *)8, d), EFAULT, "capget with a bad header pointer -> EFAULT");
        CHECK_ERR(capget_raw(_LINUX_CAPABILITY_VERSION_3, 0, (void *)8), EFAULT, "capget with a bad data pointer -> EFAULT");
        CHECK_ERR(capget_raw(_LINUX_CAPABILITY_VERSION_3, -1, d), EINVAL, "capget pid -1 -> EINVAL");
        CHECK_ERR(capget_raw(_LINUX_CAPABILITY_VERSION_3, 4194305, d), ESRCH, "capget nonexistent pid -> ESRCH");
    }

    CHECK_OK(get_caps(0, &base), "capget VERSION_3 on self");
    CHECK((base.eff & ~base.prm) == 0, "effective is a subset of permitted");
    CHECK(status_hex("/proc/self/status", "CapEff") == base.eff, "/proc/self/status CapEff equals capget effective");
    CHECK(status_hex("/proc/self/status", "CapPrm") == base.prm, "/proc/self/status CapPrm equals capget permitted");
    CHECK(status_hex("/proc/self/status", "CapInh") == base.inh, "/proc/self/status CapInh equals capget inheritable");
    CHECK((base.prm & ~status_hex("/proc/self/status", "CapBnd")) == 0, "permitted is within the bounding set");
    /* needs root: the following child scenarios rely on root holding these capabilities. */
    CHECK((base.eff & (BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_FOWNER) |
                       BIT(CAP_SETUID) | BIT(CAP_SETPCAP) | BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_RAW) | BIT(CAP_KILL))) ==
              (BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_FOWNER) | BIT(CAP_SETUID) |
               BIT(CAP_SETPCAP) | BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_RAW) | BIT(CAP_KILL)),
          "root holds CHOWN, DAC_*, FOWNER, SETUID, SETPCAP, SYS_ADMIN, NET_RAW, KILL");
    {
        struct __user_cap_data_struct v1;
        CHECK(capget_raw(_LINUX_CAPABILITY_VERSION_1, 0, &v1) == 0 && v1.effective == (unsigned)base.eff &&
                  v1.permitted == (unsigned)base.prm,
              "capget VERSION_1 returns the low 32 bits");
        CHECK(capget_raw(_LINUX_CAPABILITY_VERSION_3, getpid(), d) == 0 && d[0].effective == (unsigned)base.eff &&
                  d[1].effective == (unsigned)(base.eff >> 32),
              "capget with own pid equals pid 0");
        CHECK_EQ(capget_raw(_LINUX_CAPABILITY_VERSION_3, 0, NULL), 0, "capget VERSION_3 with NULL data returns 0");
    }
    CHECK_OK(set_caps(&base), "capset with the unchanged sets succeeds"); /* needs root: nothing raised, but full sets */
    CHECK_OK(set_caps_pid(getpid(), &base), "capset with own pid succeeds");

    /* Another process: capget sees its sets, capset on it is refused. */
    {
        int p1[2], p2[2];
        caps_t other;
        char ch = 0;
        if (pipe2(p1, 0) == 0 && pipe2(p2, 0) == 0) {
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                caps_t c = base;
                c.eff &= ~(BIT(CAP_NET_RAW) | BIT(CAP_KILL));
                c.prm &= ~BIT(CAP_NET_RAW);
                ch = set_caps(&c) == 0 ? 'y' : 'n';
                if (write(p1[1], &ch, 1) != 1 || read(p2[0], &ch, 1) != 1)
                    _exit(2);
                _exit(0);
            }
            close(p1[1]);
            close(p2[0]);
            CHECK(read(p1[0], &ch, 1) == 1 && ch == 'y', "child dropped NET_RAW (and KILL from effective)");
            CHECK(get_caps(pid, &other) == 0 && other.prm == (base.prm & ~BIT(CAP_NET_RAW)) &&
                      other.eff == (base.eff & ~(BIT(CAP_NET_RAW) | BIT(CAP_KILL))),
                  "capget on the child's pid shows its reduced sets");
            char path[64];
            snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
            CHECK(status_hex(path, "CapEff") == other.eff && status_hex(path, "CapPrm") == other.prm,
                  "/proc/<child>/status agrees with capget");
            CHECK_ERR(set_caps_pid(pid, &base), EPERM, "capset on another pid -> EPERM");
            ch = 'g';
            CHECK(write(p2[1], &ch, 1) == 1, "release child");
            int st;
            CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exited 0");
            close(p1[0]);
            close(p2[1]);
        } else {
            CHECK(0, "pipe2");
        }
    }

    /* needs root: every scenario below starts from root's full capability sets and drops some. */
    in_child(t_dac, "DAC caps");
    in_child(t_chown_fowner, "CHOWN/FOWNER");
    in_child(t_setuid_sysadmin, "SETUID/SYS_ADMIN");
    in_child(t_inheritable, "inheritable");
    in_child(t_setuid_clears, "setuid clears caps");
    in_child(t_keepcaps, "PR_SET_KEEPCAPS");
    in_child(t_euid_fixup, "euid fixup");
    in_child(t_fsuid_fixup, "fsuid fixup");

    unlink(f0);
    unlink(fo);
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
