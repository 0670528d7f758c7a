/* mount_ns: unshare(CLONE_NEWNS), tmpfs and bind mounts, remount, noexec, umount2 and their errnos. */
/* syscalls: unshare, mount, umount2, statfs, stat, mkdir, open, execve, fork, wait4, pipe2, read, write */
/* area: mount */
#include "check.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIR "/tmp/conf_mount_ns" CONF_TAG
#define MNT DIR "/mnt"
#define BIND DIR "/bind"
#define NOEX DIR "/noexec"

static dev_t dev_of(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_dev : (dev_t)-1;
}

static int mountinfo_has(const char *mp)
{
    static char buf[1 << 16];
    char needle[256];
    int fd = open("/proc/self/mountinfo", O_RDONLY);
    long n = 0, r;
    while (fd >= 0 && n < (long)sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    if (fd >= 0)
        close(fd);
    snprintf(needle, sizeof(needle), " %s ", mp);
    return strstr(buf, needle) != NULL;
}

int main(void)
{
    int to_w[2], from_w[2], fd, status;
    struct statfs sfs;
    struct statvfs svfs;
    dev_t parent_dev;
    pid_t watcher;
    char c;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    mkdir(MNT, 0755);
    mkdir(BIND, 0755);
    mkdir(NOEX, 0755);
    parent_dev = dev_of(DIR);

    /* A child that stays in the original mount namespace and reports what it sees there. */
    pipe2(to_w, 0);
    pipe2(from_w, 0);
    fflush(stdout);
    watcher = fork();
    if (watcher == 0) {
        read(to_w[0], &c, 1);
        char ans = dev_of(MNT) == parent_dev && !mountinfo_has(MNT) ? 'y' : 'n';
        write(from_w[1], &ans, 1);
        _exit(0);
    }

    CHECK_ERR(unshare(0x1), EINVAL, "unshare with an invalid flag -> EINVAL");
    CHECK_OK(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        /* Without private propagation a mount could leak to the host: stop here. */
        CHECK(0, "make / recursively private in the new namespace");
        kill(watcher, SIGKILL);
        CHECK_DONE();
    }
    CHECK(1, "make / recursively private in the new namespace");

    CHECK_OK(mount("tmpfs", MNT, "tmpfs", 0, "size=1m,mode=0755"), "mount tmpfs on " MNT);
    CHECK(dev_of(MNT) != parent_dev, "mount point has a new st_dev");
    CHECK(statfs(MNT, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC, "statfs: TMPFS_MAGIC");
    CHECK_EQ((long long)sfs.f_blocks * sfs.f_bsize, 1 << 20, "size=1m gives 1 MiB of blocks");
    CHECK(mountinfo_has(MNT), "mount listed in /proc/self/mountinfo");
    write(to_w[1], "?", 1);
    read(from_w[0], &c, 1);
    waitpid(watcher, NULL, 0);
    CHECK_EQ(c, 'y', "mount is invisible in the original namespace");

    fd = open(MNT "/file", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0 && write(fd, "tmpfs", 5) == 5, "create a file on the new tmpfs");
    CHECK_ERR(umount2(MNT, 0), EBUSY, "umount with an open file -> EBUSY");
    close(fd);

    CHECK_OK(mount(MNT, BIND, NULL, MS_BIND, NULL), "bind mount");
    CHECK(dev_of(BIND "/file") == dev_of(MNT "/file"), "file visible through the bind mount");
    CHECK_OK(umount2(BIND, 0), "umount the bind mount");
    CHECK_ERR(stat(BIND "/file", &(struct stat){ 0 }), ENOENT, "bind target empty again");

    CHECK_OK(mount(NULL, MNT, NULL, MS_REMOUNT | MS_RDONLY, NULL), "remount read-only");
    CHECK_ERR(open(MNT "/new", O_WRONLY | O_CREAT, 0644), EROFS, "create on read-only mount -> EROFS");
    CHECK(statvfs(MNT, &svfs) == 0 && (svfs.f_flag & ST_RDONLY), "statvfs shows ST_RDONLY");
    CHECK_OK(mount(NULL, MNT, NULL, MS_REMOUNT, NULL), "remount read-write");
    fd = open(MNT "/new", O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0, "create works again after rw remount");
    close(fd);

    /* noexec */
    CHECK_OK(mount("tmpfs", NOEX, "tmpfs", MS_NOEXEC, "size=64k"), "mount tmpfs with MS_NOEXEC");
    fd = open(NOEX "/script", O_WRONLY | O_CREAT, 0755);
    write(fd, "#!/bin/busybox true\n", 20);
    close(fd);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl(NOEX "/script", "script", (char *)NULL);
        _exit(errno);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EACCES, "execve on a noexec mount -> EACCES");

    /* Lazy unmount of a busy mount. */
    fd = open(NOEX "/script", O_RDONLY);
    CHECK_OK(umount2(NOEX, MNT_DETACH), "MNT_DETACH of a busy mount");
    CHECK(read(fd, &c, 1) == 1 && c == '#', "open file still readable after detach");
    CHECK_ERR(stat(NOEX "/script", &(struct stat){ 0 }), ENOENT, "path no longer reaches the detached mount");
    close(fd);

    CHECK_OK(umount2(MNT, 0), "umount the tmpfs");
    CHECK(dev_of(MNT) == parent_dev, "mount point back on the parent filesystem");
    CHECK_ERR(stat(MNT "/file", &(struct stat){ 0 }), ENOENT, "tmpfs contents gone with the mount");

    CHECK_ERR(umount2(DIR, 0), EINVAL, "umount of a non-mount-point -> EINVAL");
    CHECK_ERR(umount2(DIR "/missing", 0), ENOENT, "umount of a missing path -> ENOENT");
    CHECK_ERR(umount2(MNT, 0x10), EINVAL, "umount2 unknown flag -> EINVAL");
    CHECK_ERR(umount2(MNT, MNT_EXPIRE | MNT_DETACH), EINVAL, "MNT_EXPIRE|MNT_DETACH -> EINVAL");
    CHECK_ERR(mount("none", MNT, "conf_no_such_fs", 0, NULL), ENODEV, "unknown filesystem type -> ENODEV");
    CHECK_ERR(mount("tmpfs", DIR "/missing", "tmpfs", 0, NULL), ENOENT, "mount on a missing target -> ENOENT");
    CHECK_ERR(mount(DIR "/missing", BIND, NULL, MS_BIND, NULL), ENOENT, "bind from a missing source -> ENOENT");
    CHECK_ERR(mount(NULL, BIND, NULL, MS_REMOUNT, NULL), EINVAL, "remount of a non-mount-point -> EINVAL");

    rmdir(MNT);
    rmdir(BIND);
    rmdir(NOEX);
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
