/* setresuid_cases: setresuid/setresgid/setreuid/setregid/setuid/seteuid/setfsuid/setfsgid rules for privileged and unprivileged callers. */
/* syscalls: setresuid, getresuid, setresgid, getresgid, setreuid, setregid, setuid, setgid, setfsuid, setfsgid,
   setgroups, getuid, geteuid, getgid, getegid, openat, newfstatat, chmod, chown, read, write, close, getpid, unlink, mkdir,
   rmdir, mmap, clone, wait4, alarm, exit_group */
/* area: creds */
#include "child_check.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[96], froot[128], fuser[128], fnew[128], fgrp[128];

/* True if getresuid returns exactly (r, e, s). */
static int ids_are(uid_t r, uid_t e, uid_t s)
{
    uid_t a, b, c;
    return getresuid(&a, &b, &c) == 0 && a == r && b == e && c == s;
}

static int gids_are(gid_t r, gid_t e, gid_t s)
{
    gid_t a, b, c;
    return getresgid(&a, &b, &c) == 0 && a == r && b == e && c == s;
}

/* Parses the four numbers of the "Uid:" or "Gid:" line of /proc/self/status. */
static int status_ids(const char *field, unsigned v[4])
{
    char buf[4096], key[16];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    snprintf(key, sizeof(key), "\n%s:", field);
    char *p = strstr(buf, key);
    if (!p)
        return -1;
    return sscanf(p + strlen(key), "%u %u %u %u", &v[0], &v[1], &v[2], &v[3]) == 4 ? 0 : -1;
}

static int status_is(const char *field, unsigned a, unsigned b, unsigned c, unsigned d)
{
    unsigned v[4];
    return status_ids(field, v) == 0 && v[0] == a && v[1] == b && v[2] == c && v[3] == d;
}

static int can_open(const char *p, int flags)
{
    int fd = open(p, flags);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* needs root: starts as uid 0 and sets arbitrary ids, then continues unprivileged. */
static void t_setresuid(void)
{
    C_OK(setresuid(1000, 2000, 3000), "root: setresuid(1000, 2000, 3000)");
    C_CHECK(ids_are(1000, 2000, 3000), "getresuid -> 1000/2000/3000");
    C_CHECK(getuid() == 1000 && geteuid() == 2000, "getuid/geteuid agree");
    C_CHECK(status_is("Uid", 1000, 2000, 3000, 2000), "/proc/self/status Uid: 1000 2000 3000 2000 (fsuid = euid)");
    C_OK(setresuid(-1, -1, -1), "setresuid(-1, -1, -1)");
    C_CHECK(ids_are(1000, 2000, 3000), "-1 leaves all three unchanged");
    C_ERR(setresuid(4000, -1, -1), EPERM, "unprivileged: new real uid not among r/e/s -> EPERM");
    C_ERR(setresuid(-1, 4000, -1), EPERM, "unprivileged: new effective uid not among r/e/s -> EPERM");
    C_ERR(setresuid(-1, -1, 4000), EPERM, "unprivileged: new saved uid not among r/e/s -> EPERM");
    C_ERR(setresuid(0, 0, 0), EPERM, "unprivileged: setresuid(0, 0, 0) -> EPERM");
    C_ERR(setresuid(3000, 1000, 4000), EPERM, "one bad id fails the whole call -> EPERM");
    C_CHECK(ids_are(1000, 2000, 3000), "failed calls changed nothing");
    C_OK(setresuid(3000, 1000, 2000), "unprivileged: permuting real/effective/saved is allowed");
    C_CHECK(ids_are(3000, 1000, 2000), "getresuid -> 3000/1000/2000");
    C_EQ(setfsuid(-1), 1000, "fsuid followed the new euid 1000");
    C_OK(setresuid(-1, 2000, -1), "effective -> saved uid 2000");
    C_CHECK(ids_are(3000, 2000, 2000), "getresuid -> 3000/2000/2000");
    C_OK(setresuid(2000, -1, 3000), "real -> 2000, saved -> 3000");
    C_CHECK(ids_are(2000, 2000, 3000), "getresuid -> 2000/2000/3000");
    C_ERR(setresuid(1000, -1, -1), EPERM, "uid 1000 no longer held -> EPERM");
}

/* needs root: sets arbitrary gids, then drops the uid and continues unprivileged. */
static void t_setresgid(void)
{
    C_OK(setresgid(100, 200, 300), "root: setresgid(100, 200, 300)");
    C_CHECK(gids_are(100, 200, 300), "getresgid -> 100/200/300");
    C_CHECK(getgid() == 100 && getegid() == 200, "getgid/getegid agree");
    C_CHECK(status_is("Gid", 100, 200, 300, 200), "/proc/self/status Gid: 100 200 300 200 (fsgid = egid)");
    C_OK(setresgid(-1, -1, -1), "setresgid(-1, -1, -1)");
    C_CHECK(gids_are(100, 200, 300), "-1 leaves all three gids unchanged");
    C_OK(setresuid(1000, 1000, 1000), "drop to uid 1000");
    C_ERR(setresgid(400, -1, -1), EPERM, "unprivileged: real gid not among r/e/s -> EPERM");
    C_ERR(setresgid(-1, 400, -1), EPERM, "unprivileged: effective gid not among r/e/s -> EPERM");
    C_ERR(setresgid(-1, -1, 0), EPERM, "unprivileged: saved gid 0 -> EPERM");
    C_CHECK(gids_are(100, 200, 300), "failed setresgid changed nothing");
    C_OK(setresgid(300, 100, 200), "unprivileged: permuting gids is allowed");
    C_CHECK(gids_are(300, 100, 200), "getresgid -> 300/100/200");
    C_EQ(setfsgid(-1), 100, "fsgid followed the new egid 100");
    C_ERR(setregid(-1, 400), EPERM, "setregid to a foreign egid -> EPERM");
    C_ERR(setregid(200, -1), EPERM, "setregid: real gid may only become real or effective (200 is saved) -> EPERM");
    C_OK(setregid(-1, 200), "setregid: egid -> saved gid");
    C_CHECK(gids_are(300, 200, 200), "egid 200 != rgid: saved set to the new egid");
    C_ERR(setgid(100), EPERM, "unprivileged setgid to a gid no longer held -> EPERM");
    C_OK(setgid(300), "unprivileged setgid to the real gid");
    C_CHECK(gids_are(300, 300, 200), "unprivileged setgid changes only the egid");
}

/* needs root: setreuid rules as root, then unprivileged. */
static void t_setreuid(void)
{
    C_OK(setreuid(1000, 2000), "root: setreuid(1000, 2000)");
    C_CHECK(ids_are(1000, 2000, 2000), "root setreuid: saved uid set to the new euid");
    C_CHECK(status_is("Uid", 1000, 2000, 2000, 2000), "/proc Uid line after setreuid");
    C_ERR(setreuid(-1, 3000), EPERM, "unprivileged setreuid to a foreign euid -> EPERM");
    C_ERR(setreuid(3000, -1), EPERM, "unprivileged setreuid to a foreign ruid -> EPERM");
    C_OK(setreuid(-1, 1000), "euid -> real uid 1000");
    C_CHECK(ids_are(1000, 1000, 2000), "new euid equals ruid: saved uid unchanged");
    C_OK(setreuid(-1, 2000), "euid -> saved uid 2000");
    C_CHECK(ids_are(1000, 2000, 2000), "getresuid -> 1000/2000/2000");
    C_OK(setreuid(2000, 1000), "swap real and effective");
    C_CHECK(ids_are(2000, 1000, 1000), "ruid given: saved set to the new euid");
    C_OK(setreuid(-1, -1), "setreuid(-1, -1) is a no-op");
    C_CHECK(ids_are(2000, 1000, 1000), "ids unchanged");
}

/* needs root: setuid as root sets all three; then the unprivileged form only sets euid. */
static void t_setuid(void)
{
    C_OK(setresuid(1000, 0, 2000), "root: setresuid(1000, 0, 2000)");
    C_OK(setuid(3000), "setuid(3000) with euid 0 (real uid 1000)");
    C_CHECK(ids_are(3000, 3000, 3000), "privileged setuid sets real, effective and saved");
    C_EQ(setfsuid(-1), 3000, "and the fsuid");
    C_ERR(setuid(0), EPERM, "setuid(0) afterwards -> EPERM");
}

static void t_setuid_unpriv(void)
{
    C_OK(setresuid(1000, 2000, 3000), "root: setresuid(1000, 2000, 3000)");
    C_OK(setuid(3000), "unprivileged setuid to the saved uid");
    C_CHECK(ids_are(1000, 3000, 3000), "unprivileged setuid changes only euid");
    C_OK(setuid(1000), "unprivileged setuid to the real uid");
    C_CHECK(ids_are(1000, 1000, 3000), "getresuid -> 1000/1000/3000");
    C_ERR(setuid(2000), EPERM, "setuid to a uid no longer held -> EPERM");
    C_ERR(setuid(-1), EINVAL, "setuid(-1) -> EINVAL");
}

/* needs root: the saved uid 0 lets a process switch its euid back to root. */
static void t_seteuid_saved(void)
{
    C_OK(setresuid(1000, 1000, 0), "root: setresuid(1000, 1000, 0)");
    C_CHECK(!can_open(froot, O_RDONLY), "euid 1000: root's 0600 file not readable");
    C_OK(seteuid(0), "seteuid(0) back to the saved uid");
    C_CHECK(ids_are(1000, 0, 0), "getresuid -> 1000/0/0");
    C_CHECK(can_open(froot, O_RDONLY), "euid 0 again: capabilities restored, file readable");
    C_OK(seteuid(1000), "seteuid(1000)");
    C_CHECK(ids_are(1000, 1000, 0), "seteuid leaves the saved uid 0");
    C_OK(setuid(0), "unprivileged setuid(0) works: 0 is the saved uid");
    C_CHECK(ids_are(1000, 0, 0), "only euid changed to 0");
}

/* needs root: setfsuid/setfsgid as root, then unprivileged. */
static void t_fsids(void)
{
    C_EQ(setfsuid(1000), 0, "setfsuid(1000) returns the previous fsuid 0");
    C_EQ(setfsuid(1000), 1000, "setfsuid(1000) again returns 1000");
    C_CHECK(ids_are(0, 0, 0), "setfsuid does not touch real/effective/saved");
    C_CHECK(status_is("Uid", 0, 0, 0, 1000), "/proc/self/status shows fsuid 1000");
    C_EQ(setfsgid(2000), 0, "setfsgid(2000) returns the previous fsgid 0");
    C_CHECK(status_is("Gid", 0, 0, 0, 2000), "/proc/self/status shows fsgid 2000");
    C_CHECK(!can_open(froot, O_RDONLY), "fsuid 1000: root-owned 0600 file not readable");
    C_CHECK(can_open(fuser, O_RDWR), "fsuid 1000: its own 0600 file is read/writable");
    C_CHECK(can_open(fgrp, O_RDONLY), "fsgid 2000: a 0040 file of group 2000 is readable");
    int fd = open(fnew, O_WRONLY | O_CREAT | O_EXCL, 0600);
    C_CHECK(fd >= 0, "create a file with fsuid 1000/fsgid 2000");
    struct stat st;
    C_CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == 1000 && st.st_gid == 2000,
            "new file owned by fsuid:fsgid 1000:2000");
    if (fd >= 0)
        close(fd);
    C_EQ(setfsuid(0), 1000, "setfsuid(0) returns 1000");
    C_EQ(setfsgid(0), 2000, "setfsgid(0) returns 2000");
    C_CHECK(can_open(froot, O_RDONLY), "fsuid 0 again: file readable");
    C_OK(setresuid(1000, 2000, 3000), "setresuid(1000, 2000, 3000)");
    C_EQ(setfsuid(-1), 2000, "setresuid set fsuid to the new euid");
    C_EQ(setfsuid(4000), 2000, "unprivileged setfsuid(4000) returns the old value");
    C_EQ(setfsuid(-1), 2000, "and silently did nothing");
    C_EQ(setfsuid(3000), 2000, "setfsuid to the saved uid returns the old fsuid");
    C_EQ(setfsuid(-1), 3000, "and took effect");
    C_EQ(setfsuid(1000), 3000, "setfsuid to the real uid");
    C_CHECK(can_open(fuser, O_RDWR), "file access follows fsuid 1000 while euid is 2000");
    C_CHECK(ids_are(1000, 2000, 3000), "real/effective/saved still 1000/2000/3000");
}

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (child_check_init()) {
        CHECK(0, "mmap shared result page");
        CHECK_DONE();
    }
    snprintf(dir, sizeof(dir), "/tmp/setresuid_cases%s.%d", CONF_TAG, (int)getpid());
    snprintf(froot, sizeof(froot), "%s/root", dir);
    snprintf(fuser, sizeof(fuser), "%s/user", dir);
    snprintf(fnew, sizeof(fnew), "%s/new", dir);
    snprintf(fgrp, sizeof(fgrp), "%s/grp", dir);
    CHECK_OK(mkdir(dir, 0777), "setup: mkdir");
    chmod(dir, 0777);
    close(open(froot, O_WRONLY | O_CREAT, 0600));
    close(open(fuser, O_WRONLY | O_CREAT, 0600));
    close(open(fgrp, O_WRONLY | O_CREAT, 0040));
    /* needs root: give the helper files to other owners. */
    CHECK(chown(fuser, 1000, 1000) == 0 && chown(fgrp, 0, 2000) == 0 && chmod(fgrp, 0040) == 0,
          "setup: chown helper files");

    uid_t r, e, s;
    gid_t gr, ge, gs;
    CHECK(getresuid(&r, &e, &s) == 0 && r == getuid() && e == geteuid(), "getresuid matches getuid/geteuid");
    CHECK(getresgid(&gr, &ge, &gs) == 0 && gr == getgid() && ge == getegid(), "getresgid matches getgid/getegid");
    CHECK(status_is("Uid", r, e, s, e), "/proc/self/status Uid line matches getresuid");
    CHECK(status_is("Gid", gr, ge, gs, ge), "/proc/self/status Gid line matches getresgid");
    CHECK_ERR(getresuid((uid_t *)8, &e, &s), EFAULT, "getresuid with a bad pointer -> EFAULT");

    setgroups(0, NULL); /* no supplementary groups in the children (needs root) */
    in_child(t_setresuid, "setresuid");
    in_child(t_setresgid, "setresgid");
    in_child(t_setreuid, "setreuid");
    in_child(t_setuid, "setuid privileged");
    in_child(t_setuid_unpriv, "setuid unprivileged");
    in_child(t_seteuid_saved, "seteuid saved uid");
    in_child(t_fsids, "setfsuid/setfsgid");

    CHECK(ids_are(r, e, s) && gids_are(gr, ge, gs), "parent's ids untouched by the children");
    unlink(froot);
    unlink(fuser);
    unlink(fnew);
    unlink(fgrp);
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
