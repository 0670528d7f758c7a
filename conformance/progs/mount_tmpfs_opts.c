/* mount_tmpfs_opts: tmpfs size/nr_inodes/mode/uid/gid options, ENOSPC, remount ro/rw/resize, bind and read-only bind, umount2 EBUSY/MNT_DETACH, noexec/nodev, mountinfo. */
/* syscalls: unshare, mount, umount2, statfs, fstatfs, newfstatat, openat, read, write, pread64, pwrite64, close,
   mkdir, rmdir, unlink, mknodat, chdir, fchmod, execve, clone, wait4, setgroups, setgid, setuid, getpid */
/* area: mount */
#include "check.h"

/* needs root: the whole program (unshare(CLONE_NEWNS), mount and umount2 need CAP_SYS_ADMIN). */

#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[96];
static char info[1 << 17];

static char *pth(const char *name)
{
    static char p[8][160];
    static int i;
    i = (i + 1) % 8;
    snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
    return p[i];
}

/* The mountinfo line (last one, i.e. topmost) whose mount point is mp, copied to out. */
static int mountinfo_line(const char *mp, char *out, size_t outsz)
{
    int fd = open("/proc/self/mountinfo", O_RDONLY), found = 0;
    long n = 0, r;
    if (fd < 0)
        return 0;
    while (n < (long)sizeof(info) - 1 && (r = read(fd, info + n, sizeof(info) - 1 - n)) > 0)
        n += r;
    info[n] = 0;
    close(fd);
    for (char *line = info; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char f5[256] = "";
        /* Field 5 is the mount point. */
        if (sscanf(line, "%*d %*d %*s %*s %255s", f5) == 1 && strcmp(f5, mp) == 0) {
            if (len >= outsz)
                len = outsz - 1;
            memcpy(out, line, len);
            out[len] = 0;
            found = 1;
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return found;
}

/* Per-mount options (field 6) and super options (last field) of a mountinfo line. */
static void split_opts(const char *line, char *mopts, char *sopts, char *fstype, char *source)
{
    const char *dash = strstr(line, " - ");
    mopts[0] = sopts[0] = fstype[0] = source[0] = 0;
    sscanf(line, "%*d %*d %*s %*s %*s %255s", mopts);
    if (dash)
        sscanf(dash + 3, "%63s %63s %255s", fstype, source, sopts);
}

/* 1 if comma-separated list has item exactly. */
static int has_opt(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p && *p;) {
        if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == 0))
            return 1;
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return 0;
}

static int copy_self(const char *to)
{
    char b[65536];
    int in = open("/proc/self/exe", O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    ssize_t r;
    int ok = in >= 0 && out >= 0;
    while (ok && (r = read(in, b, sizeof(b))) > 0)
        ok = write(out, b, r) == r;
    if (in >= 0)
        close(in);
    if (out >= 0) {
        fchmod(out, 0755);
        close(out);
    }
    return ok;
}

/* fork+execve(path, "--exit42"); returns the exit code, or 1000+errno if execve failed. */
static int run(const char *path)
{
    int st;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *av[] = { (char *)path, "--exit42", NULL };
        char *ev[] = { NULL };
        execve(path, av, ev);
        _exit(errno < 100 ? 100 + errno : 99);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st) >= 100 ? 1000 + WEXITSTATUS(st) - 100 : WEXITSTATUS(st);
}

static dev_t dev_of(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_dev : (dev_t)-1;
}

int main(int argc, char **argv)
{
    char line[1024], mo[256], so[256], ty[64], src[64];
    struct statfs sf;
    struct statvfs sv;
    struct stat st;
    int fd, i;
    static char M[160], B[160], S[160];

    if (argc > 1 && strcmp(argv[1], "--exit42") == 0)
        return 42;
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof(dir), "/tmp/mount_tmpfs_opts%s.%d", CONF_TAG, (int)getpid());
    mkdir(dir, 0755);
    snprintf(M, sizeof(M), "%s", pth("m"));
    snprintf(B, sizeof(B), "%s", pth("b"));
    snprintf(S, sizeof(S), "%s", pth("s"));
    mkdir(M, 0755);
    mkdir(B, 0755);
    mkdir(S, 0755);
    mkdir(pth("x"), 0755);
    close(open(pth("file"), O_WRONLY | O_CREAT, 0644));
    dev_t parent_dev = dev_of(dir);

    CHECK_OK(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        /* Without private propagation a mount could leak to the host: stop here. */
        CHECK(0, "make / recursively private");
        CHECK_DONE();
    }
    CHECK(1, "make / recursively private");

    /* Options. */
    CHECK_OK(mount("confsrc", M, "tmpfs", MS_NOSUID, "size=256k,nr_inodes=16,mode=0710,uid=1234,gid=4321"),
             "mount tmpfs size=256k,nr_inodes=16,mode=0710,uid=1234,gid=4321 with MS_NOSUID");
    CHECK(statfs(M, &sf) == 0 && sf.f_type == TMPFS_MAGIC && sf.f_bsize == sysconf(_SC_PAGESIZE), "statfs: tmpfs, page-size blocks");
    CHECK(sf.f_blocks * sf.f_bsize == 256 * 1024 && sf.f_bfree == sf.f_blocks, "f_blocks reflects size=256k, all free");
    CHECK(sf.f_files == 16 && sf.f_ffree == 15, "f_files 16 from nr_inodes, root dir uses one");
    CHECK(stat(M, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0710, "root directory mode 0710");
    CHECK(st.st_uid == 1234 && st.st_gid == 4321, "root directory owned by uid=1234 gid=4321");
    CHECK(statvfs(M, &sv) == 0 && (sv.f_flag & ST_NOSUID) && !(sv.f_flag & ST_RDONLY), "statvfs: ST_NOSUID, not read-only");
    CHECK(dev_of(M) != parent_dev, "mount point has a new st_dev");
    CHECK(mountinfo_line(M, line, sizeof(line)), "mount listed in /proc/self/mountinfo");
    split_opts(line, mo, so, ty, src);
    CHECK(strcmp(ty, "tmpfs") == 0 && strcmp(src, "confsrc") == 0, "mountinfo: fstype tmpfs, source confsrc");
    CHECK(has_opt(mo, "rw") && has_opt(mo, "nosuid"), "mountinfo per-mount options: rw,nosuid");
    CHECK(has_opt(so, "size=256k") && has_opt(so, "nr_inodes=16") && has_opt(so, "mode=710") && has_opt(so, "uid=1234") &&
              has_opt(so, "gid=4321"),
          "mountinfo super options: size=256k,nr_inodes=16,mode=710,uid=1234,gid=4321");

    /* Inode limit. */
    for (i = 0; i < 20; i++) {
        char n[32];
        snprintf(n, sizeof(n), "m/f%d", i);
        fd = open(pth(n), O_WRONLY | O_CREAT, 0644);
        if (fd < 0)
            break;
        close(fd);
    }
    CHECK(i == 15 && errno == ENOSPC, "15 files fit, the 16th inode -> ENOSPC");
    CHECK(statfs(M, &sf) == 0 && sf.f_ffree == 0, "f_ffree 0 when all inodes are used");
    CHECK_ERR(mkdir(pth("m/d"), 0755), ENOSPC, "mkdir without free inodes -> ENOSPC");
    for (i = 0; i < 20; i++) {
        char n[32];
        snprintf(n, sizeof(n), "m/f%d", i);
        unlink(pth(n));
    }
    CHECK(statfs(M, &sf) == 0 && sf.f_ffree == 15, "unlinking frees the inodes");

    /* Block limit. */
    {
        static char data[512 * 1024];
        memset(data, 'd', sizeof(data));
        fd = open(pth("m/big"), O_RDWR | O_CREAT, 0644);
        CHECK_EQ(write(fd, data, sizeof(data)), 256 * 1024, "512 KiB write to a 256k tmpfs is short: 256 KiB");
        CHECK_ERR(write(fd, data, 1), ENOSPC, "further write -> ENOSPC");
        CHECK(statfs(M, &sf) == 0 && sf.f_bfree == 0 && sf.f_bavail == 0, "f_bfree and f_bavail 0 when full");
    }
    CHECK_ERR(mount(NULL, M, NULL, MS_REMOUNT, "size=128k"), EINVAL, "remount size below the used space -> EINVAL");
    CHECK_ERR(mount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL), EBUSY, "remount read-only with a file open for writing -> EBUSY");
    close(fd);

    /* Read-only remount. */
    CHECK_OK(mount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL), "remount read-only");
    CHECK_ERR(open(pth("m/big"), O_WRONLY), EROFS, "open for writing -> EROFS");
    CHECK_ERR(open(pth("m/new"), O_WRONLY | O_CREAT, 0644), EROFS, "create -> EROFS");
    CHECK_ERR(unlink(pth("m/big")), EROFS, "unlink -> EROFS");
    fd = open(pth("m/big"), O_RDONLY);
    {
        char c = 0;
        CHECK(fd >= 0 && read(fd, &c, 1) == 1 && c == 'd', "reads still work");
    }
    close(fd);
    CHECK(statvfs(M, &sv) == 0 && (sv.f_flag & ST_RDONLY), "statvfs: ST_RDONLY");
    mountinfo_line(M, line, sizeof(line));
    split_opts(line, mo, so, ty, src);
    CHECK(has_opt(mo, "ro") && !has_opt(mo, "nosuid"), "mountinfo: ro, and nosuid dropped because the remount did not pass it");

    /* Resize and read-write again. */
    CHECK_OK(mount(NULL, M, NULL, MS_REMOUNT, "size=1m"), "remount read-write with size=1m");
    CHECK(statfs(M, &sf) == 0 && sf.f_blocks * sf.f_bsize == 1024 * 1024, "f_blocks reflects the new 1m size");
    mountinfo_line(M, line, sizeof(line));
    split_opts(line, mo, so, ty, src);
    CHECK(has_opt(mo, "rw") && has_opt(so, "size=1024k") && has_opt(so, "nr_inodes=16"), "mountinfo: rw, size=1024k, nr_inodes kept");
    fd = open(pth("m/big"), O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "more", 4) == 4, "writing works again");
    close(fd);

    /* Bind mounts. */
    mkdir(pth("m/sub"), 0755);
    close(open(pth("m/sub/f"), O_WRONLY | O_CREAT, 0644));
    CHECK_OK(mount(pth("m/sub"), B, NULL, MS_BIND, NULL), "MS_BIND a subdirectory of the tmpfs");
    {
        struct stat a, c;
        CHECK(stat(pth("b/f"), &a) == 0 && stat(pth("m/sub/f"), &c) == 0 && a.st_ino == c.st_ino && a.st_dev == c.st_dev,
              "file visible through the bind mount: same inode and device");
        close(open(pth("b/g"), O_WRONLY | O_CREAT, 0644));
        CHECK(stat(pth("m/sub/g"), &a) == 0, "file created through the bind mount appears in the source");
    }
    mountinfo_line(B, line, sizeof(line));
    {
        char root[256] = "";
        sscanf(line, "%*d %*d %*s %255s", root);
        CHECK_STREQ(root, "/sub", "mountinfo root field of the bind mount is /sub");
    }
    CHECK_OK(mount(NULL, B, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), "remount only the bind mount read-only");
    CHECK_ERR(open(pth("b/h"), O_WRONLY | O_CREAT, 0644), EROFS, "create through the read-only bind -> EROFS");
    fd = open(pth("m/sub/h"), O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0, "the original mount stays writable");
    close(fd);
    CHECK_OK(umount2(B, 0), "umount the bind mount");
    CHECK_ERR(mount(pth("m/sub"), pth("file"), NULL, MS_BIND, NULL), ENOTDIR, "bind a directory onto a file -> ENOTDIR");

    /* Busy unmounts. */
    fd = open(pth("m/big"), O_RDWR);
    CHECK_ERR(umount2(M, 0), EBUSY, "umount2 with an open file inside -> EBUSY");
    close(fd);
    CHECK_OK(chdir(pth("m/sub")), "chdir into the mount");
    CHECK_ERR(umount2(M, 0), EBUSY, "umount2 with the cwd inside -> EBUSY");
    chdir("/");
    fd = open(pth("m/big"), O_RDWR);
    CHECK_OK(umount2(M, MNT_DETACH), "MNT_DETACH with an open file");
    {
        char c = 0;
        struct statfs fs2;
        CHECK(fd >= 0 && pread(fd, &c, 1, 0) == 1 && c == 'd', "open file still readable after detach");
        CHECK(fd >= 0 && pwrite(fd, "w", 1, 0) == 1, "and writable");
        CHECK(fd >= 0 && fstatfs(fd, &fs2) == 0 && fs2.f_type == TMPFS_MAGIC, "fstatfs still reports tmpfs");
        CHECK_ERR(stat(pth("m/big"), &st), ENOENT, "path no longer reaches the detached mount");
        CHECK(dev_of(M) == parent_dev, "mount point back on the parent filesystem");
        CHECK(!mountinfo_line(M, line, sizeof(line)), "detached mount gone from mountinfo");
    }
    close(fd);

    /* Error cases. */
    CHECK_ERR(umount2(pth("x"), 0), EINVAL, "umount2 of a directory that is not a mount point -> EINVAL");
    CHECK_ERR(umount2(pth("file"), 0), EINVAL, "umount2 of a regular file -> EINVAL");
    CHECK_ERR(mount("t", pth("missing"), "tmpfs", 0, NULL), ENOENT, "mount on a missing directory -> ENOENT");
    CHECK_ERR(mount("t", pth("file"), "tmpfs", 0, NULL), ENOTDIR, "tmpfs on a regular file -> ENOTDIR");
    CHECK_ERR(mount("t", pth("x"), "tmpfs", 0, "size=abc"), EINVAL, "size=abc -> EINVAL");
    CHECK_ERR(mount("t", pth("x"), "tmpfs", 0, "conf_bogus=1"), EINVAL, "unknown tmpfs option -> EINVAL");
    CHECK_ERR(mount("t", pth("x"), "tmpfs", 0, "mode=999"), EINVAL, "mode=999 (not octal) -> EINVAL");

    /* Stacked mounts. */
    CHECK_OK(mount("lower", S, "tmpfs", 0, "size=64k"), "mount a tmpfs");
    close(open(pth("s/lower"), O_WRONLY | O_CREAT, 0644));
    CHECK_OK(mount("upper", S, "tmpfs", MS_RDONLY, "size=64k"), "mount a second, read-only tmpfs on top");
    CHECK(stat(pth("s/lower"), &st) != 0 && errno == ENOENT, "the upper mount hides the lower one's files");
    CHECK_ERR(mkdir(pth("s/d"), 0755), EROFS, "MS_RDONLY at mount time: mkdir -> EROFS");
    mountinfo_line(S, line, sizeof(line));
    split_opts(line, mo, so, ty, src);
    CHECK(strcmp(src, "upper") == 0 && has_opt(mo, "ro"), "mountinfo's last entry for the point is the upper ro mount");
    CHECK_OK(umount2(S, 0), "umount the upper mount");
    CHECK_OK(stat(pth("s/lower"), &st), "the lower mount's file is visible again");
    umount2(S, 0);

    /* noexec and nodev. */
    CHECK_OK(mount("exec", S, "tmpfs", 0, "size=8m"), "mount an exec-allowed tmpfs");
    CHECK(copy_self(pth("s/prog")), "copy /proc/self/exe into it");
    CHECK_EQ(run(pth("s/prog")), 42, "the copy runs on a normal tmpfs");
    CHECK_OK(mount(NULL, S, NULL, MS_REMOUNT | MS_NOEXEC, "size=8m"), "remount with MS_NOEXEC");
    CHECK_EQ(run(pth("s/prog")), 1000 + EACCES, "execve on a noexec mount -> EACCES");
    CHECK(statvfs(S, &sv) == 0 && (sv.f_flag & ST_NOEXEC), "statvfs: ST_NOEXEC");
    CHECK_OK(mount(NULL, S, NULL, MS_REMOUNT | MS_NODEV, "size=8m"), "remount with MS_NODEV (exec allowed again)");
    CHECK_EQ(run(pth("s/prog")), 42, "the copy runs again without noexec");
    CHECK_OK(mknod(pth("s/null"), S_IFCHR | 0666, makedev(1, 3)), "mknod c 1 3 on the nodev mount");
    CHECK_ERR(open(pth("s/null"), O_RDWR), EACCES, "opening a device node on a nodev mount -> EACCES");

    /* Unprivileged callers. */
    {
        int stt;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            int r = 0;
            if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
                _exit(9);
            errno = 0;
            if (!(mount("t", pth("x"), "tmpfs", 0, NULL) == -1 && errno == EPERM))
                r |= 1;
            errno = 0;
            if (!(umount2(S, 0) == -1 && errno == EPERM))
                r |= 2;
            _exit(r);
        }
        CHECK(pid > 0 && waitpid(pid, &stt, 0) == pid && WIFEXITED(stt) && (WEXITSTATUS(stt) & 1) == 0 &&
                  WEXITSTATUS(stt) != 9,
              "unprivileged mount -> EPERM");
        CHECK(WIFEXITED(stt) && (WEXITSTATUS(stt) & 2) == 0 && WEXITSTATUS(stt) != 9, "unprivileged umount2 -> EPERM");
    }

    CHECK_OK(umount2(S, 0), "umount the exec tmpfs");
    rmdir(M);
    rmdir(B);
    rmdir(S);
    rmdir(pth("x"));
    unlink(pth("file"));
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
