/* inotify: watches on a directory and a file, event records, cookies, IN_IGNORED, errnos. */
/* syscalls: inotify_init1, inotify_add_watch, inotify_rm_watch, read, ioctl, poll, open, write, rename, unlink, mkdir, chmod */
/* area: inotify */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR "/tmp/conf_inotify" CONF_TAG

struct ev {
    int wd;
    unsigned mask, cookie;
    char name[64];
};
static struct ev evs[32];
static int nev;

/* Drains all queued events (non-blocking fd) into evs[]. */
static int drain(int fd)
{
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n;
    nev = 0;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (nev < 32) {
                evs[nev].wd = e->wd;
                evs[nev].mask = e->mask;
                evs[nev].cookie = e->cookie;
                snprintf(evs[nev].name, sizeof(evs[nev].name), "%s", e->len ? e->name : "");
                nev++;
            }
            p += sizeof(*e) + e->len;
        }
    }
    return nev;
}

static int find(unsigned mask, const char *name)
{
    for (int i = 0; i < nev; i++)
        if ((evs[i].mask & mask) == mask && strcmp(evs[i].name, name) == 0)
            return i;
    return -1;
}

int main(void)
{
    int fd, wd, fwd, f, i, j;
    char buf[64];

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    CHECK(fd >= 0, "inotify_init1(IN_NONBLOCK|IN_CLOEXEC)");
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "IN_CLOEXEC sets FD_CLOEXEC");
    CHECK_ERR(inotify_init1(0x1234), EINVAL, "inotify_init1 bad flags -> EINVAL");
    CHECK_ERR(read(fd, buf, sizeof(buf)), EAGAIN, "no events -> EAGAIN");

    wd = inotify_add_watch(fd, DIR, IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB);
    CHECK(wd >= 1, "inotify_add_watch on directory returns wd >= 1");
    CHECK_EQ(inotify_add_watch(fd, DIR, IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
                                         IN_MOVED_TO | IN_ATTRIB),
             wd, "watching the same inode again returns the same wd");

    f = open(DIR "/a", O_WRONLY | O_CREAT, 0644);
    {
        struct pollfd pf = { fd, POLLIN, 0 };
        CHECK(poll(&pf, 1, 1000) == 1 && (pf.revents & POLLIN), "event makes the inotify fd readable");
        int avail = 0;
        CHECK(ioctl(fd, FIONREAD, &avail) == 0 && avail >= (int)(sizeof(struct inotify_event) + 2),
              "FIONREAD reports queued bytes");
        CHECK_ERR(read(fd, buf, sizeof(struct inotify_event)), EINVAL, "buffer too small for event -> EINVAL");
    }
    write(f, "hi", 2);
    close(f);
    drain(fd);
    i = find(IN_CREATE, "a");
    CHECK(i >= 0 && evs[i].wd == wd, "IN_CREATE for \"a\" with the directory's wd");
    CHECK(find(IN_MODIFY, "a") > i, "IN_MODIFY after write, following IN_CREATE");
    CHECK(find(IN_CLOSE_WRITE, "a") > find(IN_MODIFY, "a"), "IN_CLOSE_WRITE after close");

    chmod(DIR "/a", 0600);
    drain(fd);
    CHECK(nev == 1 && find(IN_ATTRIB, "a") == 0, "chmod -> single IN_ATTRIB");

    rename(DIR "/a", DIR "/b");
    drain(fd);
    i = find(IN_MOVED_FROM, "a");
    j = find(IN_MOVED_TO, "b");
    CHECK(i >= 0 && j > i, "rename -> IN_MOVED_FROM \"a\" then IN_MOVED_TO \"b\"");
    CHECK(i >= 0 && j >= 0 && evs[i].cookie != 0 && evs[i].cookie == evs[j].cookie, "move events share a cookie");

    mkdir(DIR "/sub", 0755);
    drain(fd);
    i = find(IN_CREATE, "sub");
    CHECK(i >= 0 && (evs[i].mask & IN_ISDIR), "mkdir -> IN_CREATE|IN_ISDIR");
    rmdir(DIR "/sub");
    drain(fd);
    CHECK(find(IN_DELETE | IN_ISDIR, "sub") >= 0, "rmdir -> IN_DELETE|IN_ISDIR");

    /* Watch a file directly. */
    fwd = inotify_add_watch(fd, DIR "/b", IN_OPEN | IN_ACCESS | IN_DELETE_SELF);
    CHECK(fwd >= 1 && fwd != wd, "watch on a file gets a new wd");
    f = open(DIR "/b", O_RDONLY);
    read(f, buf, 1);
    close(f);
    drain(fd);
    i = find(IN_OPEN, "");
    CHECK(i >= 0 && evs[i].wd == fwd, "IN_OPEN on the watched file (empty name)");
    CHECK(find(IN_ACCESS, "") > i, "IN_ACCESS after read");
    CHECK_EQ(inotify_add_watch(fd, DIR "/b", IN_MODIFY | IN_MASK_ADD), fwd, "IN_MASK_ADD keeps the wd");
    unlink(DIR "/b");
    drain(fd);
    CHECK(find(IN_DELETE, "b") >= 0, "unlink -> IN_DELETE \"b\" on directory watch");
    i = find(IN_DELETE_SELF, "");
    j = find(IN_IGNORED, "");
    CHECK(i >= 0 && evs[i].wd == fwd, "IN_DELETE_SELF on the file watch");
    CHECK(j > i && evs[j].wd == fwd, "followed by IN_IGNORED for that wd");
    CHECK_ERR(inotify_rm_watch(fd, fwd), EINVAL, "rm_watch of auto-removed wd -> EINVAL");

    CHECK_OK(inotify_rm_watch(fd, wd), "inotify_rm_watch on directory watch");
    drain(fd);
    CHECK(nev == 1 && evs[0].mask == IN_IGNORED && evs[0].wd == wd, "rm_watch queues IN_IGNORED");
    close(open(DIR "/c", O_WRONLY | O_CREAT, 0644));
    CHECK_EQ(drain(fd), 0, "no events after the watch is removed");

    CHECK_ERR(inotify_add_watch(fd, DIR "/nope", IN_ALL_EVENTS), ENOENT, "watch missing path -> ENOENT");
    CHECK_ERR(inotify_add_watch(fd, DIR "/c", 0), EINVAL, "empty mask -> EINVAL");
    CHECK_ERR(inotify_add_watch(fd, DIR "/c", IN_ALL_EVENTS | IN_ONLYDIR), ENOTDIR, "IN_ONLYDIR on a file -> ENOTDIR");
    CHECK_ERR(inotify_add_watch(9999, DIR, IN_ALL_EVENTS), EBADF, "bad fd -> EBADF");
    f = open(DIR "/c", O_RDONLY);
    CHECK_ERR(inotify_add_watch(f, DIR, IN_ALL_EVENTS), EINVAL, "non-inotify fd -> EINVAL");
    CHECK_ERR(inotify_rm_watch(fd, 12345), EINVAL, "rm_watch unknown wd -> EINVAL");
    close(f);
    close(fd);
    unlink(DIR "/c");
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
