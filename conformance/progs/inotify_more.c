/* inotify_more: move cookies across directories, IN_MOVE_SELF, IN_ONESHOT, IN_MASK_ADD/IN_MASK_CREATE, IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK, wd reuse, DELETE_SELF, ATTRIB, close kinds, FIONREAD, name padding, merging. */
/* syscalls: inotify_init1, inotify_add_watch, inotify_rm_watch, read, write, ioctl, openat, close, mkdir, rmdir,
   rename, unlink, link, symlink, chmod, utimensat, poll, fcntl */
/* area: inotify */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

static char D[128];

struct ev {
    int wd;
    unsigned mask, cookie, len;
    char name[64];
    int pad_ok; /* bytes after the name's NUL are all zero */
};
static struct ev evs[64];
static int nev, nbytes;

static int drain(int fd)
{
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n;
    nev = nbytes = 0;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        nbytes += n;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (nev < 64) {
                struct ev *x = &evs[nev++];
                x->wd = e->wd;
                x->mask = e->mask;
                x->cookie = e->cookie;
                x->len = e->len;
                snprintf(x->name, sizeof(x->name), "%s", e->len ? e->name : "");
                x->pad_ok = 1;
                for (unsigned k = e->len ? strlen(e->name) : 0; k < e->len; k++)
                    if (e->name[k])
                        x->pad_ok = 0;
            }
            p += sizeof(*e) + e->len;
        }
    }
    return nev;
}

/* Index of the first event with all bits of mask, the given name and (wd >= 0) wd. */
static int find(int wd, unsigned mask, const char *name)
{
    for (int i = 0; i < nev; i++)
        if ((evs[i].mask & mask) == mask && strcmp(evs[i].name, name) == 0 && (wd < 0 || evs[i].wd == wd))
            return i;
    return -1;
}

static int count(unsigned mask)
{
    int c = 0;
    for (int i = 0; i < nev; i++)
        c += (evs[i].mask & mask) != 0;
    return c;
}

static char *P(const char *rel)
{
    static char bufs[4][256];
    static int k;
    char *b = bufs[k++ & 3];
    snprintf(b, 256, "%s/%s", D, rel);
    return b;
}

static void touch(const char *rel) { close(open(P(rel), O_WRONLY | O_CREAT, 0644)); }

int main(void)
{
    int fd, wa, wb, wf, w2, i, j, f;
    unsigned c1;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(D, sizeof(D), "/tmp/inotify_more%s.%d", CONF_TAG, (int)getpid());
    CHECK_OK(mkdir(D, 0755), "mkdir test dir");
    mkdir(P("A"), 0755);
    mkdir(P("B"), 0755);
    fd = inotify_init1(IN_NONBLOCK);
    CHECK(fd >= 0, "inotify_init1(IN_NONBLOCK)");
    if (fd < 0)
        CHECK_DONE();

    /* Name padding and FIONREAD. */
    wa = inotify_add_watch(fd, P("A"), IN_CREATE | IN_MOVED_FROM | IN_MODIFY | IN_EXCL_UNLINK);
    CHECK(wa >= 1, "watch A");
    touch("A/x");
    touch("A/abcdefghijklmno");  /* 15 chars: name + NUL fits 16 */
    touch("A/abcdefghijklmnop"); /* 16 chars: needs 32 */
    {
        int avail = -1;
        CHECK(ioctl(fd, FIONREAD, &avail) == 0 && avail == 3 * 16 + 16 + 16 + 32,
              "FIONREAD: 3 headers + padded names = 112 bytes");
        char small[sizeof(struct inotify_event) + 16] __attribute__((aligned(8)));
        CHECK_ERR(read(fd, small, sizeof(small) - 1), EINVAL, "buffer one byte short of the first event -> EINVAL");
        CHECK_EQ(read(fd, small, sizeof(small)), sizeof(small), "buffer of exactly one event returns one event");
        CHECK(ioctl(fd, FIONREAD, &avail) == 0 && avail == 112 - 32, "FIONREAD drops by 32 after the read");
    }
    drain(fd);
    i = find(wa, IN_CREATE, "abcdefghijklmno");
    j = find(wa, IN_CREATE, "abcdefghijklmnop");
    CHECK(nev == 2 && nbytes == 80, "remaining two events, 80 bytes");
    CHECK(i >= 0 && evs[i].len == 16 && evs[i].pad_ok, "15-char name: len 16, NUL padded");
    CHECK(j >= 0 && evs[j].len == 32 && evs[j].pad_ok, "16-char name: len 32, NUL padded");

    /* Rename across two watched directories: one cookie links the pair. */
    wb = inotify_add_watch(fd, P("B"), IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_DELETE);
    CHECK(wb >= 1 && wb != wa, "watch B");
    CHECK_OK(rename(P("A/x"), P("B/y")), "rename A/x -> B/y");
    drain(fd);
    i = find(wa, IN_MOVED_FROM, "x");
    j = find(wb, IN_MOVED_TO, "y");
    CHECK(i >= 0 && j > i, "IN_MOVED_FROM \"x\" on A, then IN_MOVED_TO \"y\" on B");
    CHECK(i >= 0 && j >= 0 && evs[i].cookie && evs[i].cookie == evs[j].cookie, "both carry the same non-zero cookie");
    c1 = i >= 0 ? evs[i].cookie : 0;
    rename(P("A/abcdefghijklmno"), P("B/m"));
    drain(fd);
    i = find(wa, IN_MOVED_FROM, "abcdefghijklmno");
    j = find(wb, IN_MOVED_TO, "m");
    CHECK(i >= 0 && j >= 0 && evs[i].cookie == evs[j].cookie && evs[i].cookie != c1, "a second move gets a new cookie");

    /* IN_MOVE_SELF on a file watch. */
    wf = inotify_add_watch(fd, P("B/y"), IN_MOVE_SELF);
    CHECK(wf >= 1 && wf != wb, "watch file B/y for IN_MOVE_SELF");
    rename(P("B/y"), P("B/z"));
    drain(fd);
    i = find(wf, IN_MOVE_SELF, "");
    CHECK(i >= 0 && evs[i].len == 0, "IN_MOVE_SELF on the file's wd, len 0");
    CHECK(find(wb, IN_MOVED_TO, "z") >= 0, "directory B sees IN_MOVED_TO \"z\"");

    /* Watch descriptors: same inode, same wd (also through a hard link). */
    CHECK_OK(link(P("B/z"), P("B/hard")), "hard link B/hard -> B/z");
    CHECK_EQ(inotify_add_watch(fd, P("B/hard"), IN_MOVE_SELF), wf, "watch via hard link returns the same wd");
    drain(fd);

    /* IN_ATTRIB on the file: chmod, utimensat, link count change; plain writes are not ATTRIB. */
    CHECK_EQ(inotify_add_watch(fd, P("B/z"), IN_ATTRIB), wf, "replace mask with IN_ATTRIB (same wd)");
    chmod(P("B/z"), 0600);
    drain(fd);
    CHECK(nev == 1 && evs[0].wd == wf && evs[0].mask == IN_ATTRIB, "chmod -> IN_ATTRIB");
    utimensat(AT_FDCWD, P("B/z"), NULL, 0);
    drain(fd);
    CHECK(nev == 1 && evs[0].mask == IN_ATTRIB, "utimensat -> IN_ATTRIB");
    unlink(P("B/hard"));
    drain(fd);
    CHECK(find(wf, IN_ATTRIB, "") >= 0, "unlinking a hard link (nlink change) -> IN_ATTRIB on the file");
    f = open(P("B/z"), O_WRONLY);
    write(f, "1", 1);
    close(f);
    drain(fd);
    CHECK(find(wf, IN_ATTRIB, "") < 0, "write does not produce IN_ATTRIB");

    /* Merging: identical consecutive events are coalesced. */
    f = open(P("B/z"), O_WRONLY);
    write(f, "a", 1);
    write(f, "b", 1);
    write(f, "c", 1);
    close(f);
    drain(fd);
    CHECK_EQ(count(IN_MODIFY), 1, "three writes queue a single IN_MODIFY on B (merged)");

    /* IN_MASK_ADD, replacement and IN_MASK_CREATE. */
    CHECK_EQ(inotify_add_watch(fd, P("B/z"), IN_OPEN), wf, "set mask IN_OPEN");
    CHECK_EQ(inotify_add_watch(fd, P("B/z"), IN_CLOSE_NOWRITE), wf, "replace with IN_CLOSE_NOWRITE");
    close(open(P("B/z"), O_RDONLY));
    drain(fd);
    CHECK(find(wf, IN_CLOSE_NOWRITE, "") >= 0 && find(wf, IN_OPEN, "") < 0, "replaced: only IN_CLOSE_NOWRITE");
    CHECK_EQ(inotify_add_watch(fd, P("B/z"), IN_OPEN | IN_MASK_ADD), wf, "IN_MASK_ADD IN_OPEN");
    close(open(P("B/z"), O_RDONLY));
    drain(fd);
    i = find(wf, IN_OPEN, "");
    CHECK(i >= 0 && find(wf, IN_CLOSE_NOWRITE, "") > i, "IN_MASK_ADD: IN_OPEN and IN_CLOSE_NOWRITE");
    CHECK_ERR(inotify_add_watch(fd, P("B/z"), IN_OPEN | IN_MASK_CREATE), EEXIST, "IN_MASK_CREATE on a watched inode -> EEXIST");
    CHECK_ERR(inotify_add_watch(fd, P("B/z"), IN_OPEN | IN_MASK_CREATE | IN_MASK_ADD), EINVAL,
              "IN_MASK_CREATE|IN_MASK_ADD -> EINVAL");

    /* IN_CLOSE_WRITE vs IN_CLOSE_NOWRITE. */
    inotify_add_watch(fd, P("B/z"), IN_CLOSE);
    close(open(P("B/z"), O_RDONLY));
    close(open(P("B/z"), O_WRONLY));
    close(open(P("B/z"), O_RDONLY)); /* in between, so the two CLOSE_WRITEs are not merged */
    close(open(P("B/z"), O_RDWR));   /* no data written: still a writable open */
    drain(fd);
    CHECK(nev == 4 && evs[0].mask == IN_CLOSE_NOWRITE && evs[1].mask == IN_CLOSE_WRITE &&
              evs[2].mask == IN_CLOSE_NOWRITE && evs[3].mask == IN_CLOSE_WRITE,
          "O_RDONLY -> CLOSE_NOWRITE; O_WRONLY and unwritten O_RDWR -> CLOSE_WRITE");
    close(open(P("B/z"), O_WRONLY));
    close(open(P("B/z"), O_WRONLY));
    drain(fd);
    CHECK(nev == 1 && evs[0].mask == IN_CLOSE_WRITE, "two identical consecutive CLOSE_WRITEs merge into one");

    /* IN_ONESHOT. */
    CHECK_OK(inotify_rm_watch(fd, wf), "rm_watch the file watch");
    drain(fd);
    CHECK(nev == 1 && evs[0].wd == wf && evs[0].mask == IN_IGNORED, "rm_watch -> IN_IGNORED");
    w2 = inotify_add_watch(fd, P("B/z"), IN_OPEN | IN_ONESHOT);
    CHECK(w2 > wf, "new watch on the same inode gets a new, larger wd (not reused)");
    close(open(P("B/z"), O_RDONLY));
    close(open(P("B/z"), O_RDONLY));
    drain(fd);
    CHECK(nev == 2 && evs[0].wd == w2 && evs[0].mask == IN_OPEN && evs[1].wd == w2 && evs[1].mask == IN_IGNORED,
          "IN_ONESHOT: one IN_OPEN, then IN_IGNORED");
    CHECK_ERR(inotify_rm_watch(fd, w2), EINVAL, "rm_watch after the one-shot fired -> EINVAL");

    /* IN_ONLYDIR and IN_DONT_FOLLOW. */
    CHECK(inotify_add_watch(fd, P("A"), IN_CREATE | IN_ONLYDIR) == wa, "IN_ONLYDIR on a directory: ok (same wd)");
    CHECK_ERR(inotify_add_watch(fd, P("B/z"), IN_OPEN | IN_ONLYDIR), ENOTDIR, "IN_ONLYDIR on a file -> ENOTDIR");
    symlink("A", P("ldir"));
    symlink("B/z", P("lfile"));
    symlink("nowhere", P("ldangle"));
    CHECK_EQ(inotify_add_watch(fd, P("ldir"), IN_CREATE | IN_ONLYDIR | IN_MASK_ADD), wa,
             "IN_ONLYDIR through a symlink to a dir: the dir's wd");
    CHECK_ERR(inotify_add_watch(fd, P("ldir"), IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW), ENOTDIR,
              "IN_ONLYDIR|IN_DONT_FOLLOW on a symlink -> ENOTDIR");
    w2 = inotify_add_watch(fd, P("B/z"), IN_ATTRIB);
    CHECK(w2 >= 1 && inotify_add_watch(fd, P("lfile"), IN_ATTRIB) == w2, "watch via symlink follows to the file's wd");
    i = inotify_add_watch(fd, P("lfile"), IN_ATTRIB | IN_DONT_FOLLOW);
    CHECK(i >= 1 && i != w2, "IN_DONT_FOLLOW watches the link itself (new wd)");
    CHECK_ERR(inotify_add_watch(fd, P("ldangle"), IN_ATTRIB), ENOENT, "dangling symlink, followed -> ENOENT");
    CHECK_OK(inotify_add_watch(fd, P("ldangle"), IN_ATTRIB | IN_DONT_FOLLOW), "dangling symlink with IN_DONT_FOLLOW");
    drain(fd);

    /* IN_EXCL_UNLINK: A has it, B does not. */
    {
        int fa, fb;
        touch("A/u");
        touch("B/u");
        fa = open(P("A/u"), O_WRONLY);
        fb = open(P("B/u"), O_WRONLY);
        unlink(P("A/u"));
        unlink(P("B/u"));
        drain(fd);
        write(fa, "x", 1);
        write(fb, "x", 1);
        drain(fd);
        CHECK(find(wa, IN_MODIFY, "u") < 0, "IN_EXCL_UNLINK: no IN_MODIFY for an unlinked child");
        CHECK(find(wb, IN_MODIFY, "u") >= 0, "without IN_EXCL_UNLINK the unlinked child still reports IN_MODIFY");
        close(fa);
        close(fb);
    }

    /* IN_DELETE_SELF and IN_IGNORED on a directory. */
    mkdir(P("B/S"), 0755);
    i = inotify_add_watch(fd, P("B/S"), IN_DELETE_SELF);
    drain(fd);
    CHECK_OK(rmdir(P("B/S")), "rmdir B/S");
    drain(fd);
    j = find(i, IN_DELETE_SELF, "");
    CHECK(find(wb, IN_DELETE | IN_ISDIR, "S") >= 0, "parent: IN_DELETE|IN_ISDIR \"S\"");
    CHECK(j >= 0 && find(i, IN_IGNORED, "") > j, "dir watch: IN_DELETE_SELF then IN_IGNORED");
    CHECK_ERR(inotify_rm_watch(fd, i), EINVAL, "rm_watch of the auto-removed dir watch -> EINVAL");

    /* inotify_rm_watch errnos. */
    CHECK_ERR(inotify_rm_watch(fd, 0), EINVAL, "rm_watch wd 0 -> EINVAL");
    CHECK_ERR(inotify_rm_watch(fd, -1), EINVAL, "rm_watch wd -1 -> EINVAL");
    f = open(D, O_RDONLY | O_DIRECTORY);
    CHECK_ERR(inotify_rm_watch(f, wa), EINVAL, "rm_watch on a non-inotify fd -> EINVAL");
    close(f);
    CHECK_ERR(inotify_rm_watch(f, wa), EBADF, "rm_watch on a closed fd -> EBADF");

    /* A blocking read returns once an event arrives (already queued here). */
    {
        struct pollfd pf = {fd, POLLIN, 0};
        touch("A/late");
        CHECK(poll(&pf, 1, 1000) == 1 && (pf.revents & POLLIN), "poll POLLIN for a queued event");
        fcntl(fd, F_SETFL, 0);
        char buf[256] __attribute__((aligned(8)));
        struct inotify_event *e = (struct inotify_event *)buf;
        CHECK(read(fd, buf, sizeof(buf)) > 0 && e->wd == wa && (e->mask & IN_CREATE) && strcmp(e->name, "late") == 0,
              "blocking read returns IN_CREATE \"late\"");
    }
    close(fd);

    unlink(P("A/late"));
    unlink(P("A/abcdefghijklmnop"));
    unlink(P("B/z"));
    unlink(P("B/m"));
    unlink(P("ldir"));
    unlink(P("lfile"));
    unlink(P("ldangle"));
    rmdir(P("A"));
    rmdir(P("B"));
    CHECK_OK(rmdir(D), "cleanup");
    CHECK_DONE();
}
