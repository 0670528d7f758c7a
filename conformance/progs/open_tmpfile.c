/* open_tmpfile: O_TMPFILE: unnamed files (nlink 0, not listed), /proc/self/fd names, linkat naming, O_EXCL, flag validation, errnos, permissions. */
/* syscalls: openat, close, read, write, pread64, fcntl, newfstatat, getdents64, readlink, linkat, unlink,
   mkdir, rmdir, symlink, chmod, fchmod, ftruncate, fsync, mmap, munmap, umask, getpid, clone, wait4,
   setgroups, setgid, setuid, exit_group, alarm */
/* area: open */
#include "check.h"
#include "nobody.h"

#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define RAW_O_TMPFILE_BIT 020000000 /* __O_TMPFILE without O_DIRECTORY */

static char dir[128];

static const char *P(const char *rel)
{
    static char bufs[8][256];
    static int n;
    char *b = bufs[n++ % 8];
    snprintf(b, 256, "%s/%s", dir, rel);
    return b;
}

/* Number of directory entries other than . and ..; -1 on error. *found set if name is listed. */
static int count_entries(const char *path, const char *name, int *found)
{
    char buf[4096] __attribute__((aligned(8)));
    int n = 0, fd = open(path, O_RDONLY | O_DIRECTORY);
    if (found)
        *found = 0;
    if (fd < 0)
        return -1;
    for (;;) {
        long r = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (r < 0) {
            n = -1;
            break;
        }
        if (r == 0)
            break;
        for (long p = 0; p < r;) {
            unsigned short rl = *(unsigned short *)(buf + p + 16);
            const char *nm = buf + p + 19;
            if (strcmp(nm, ".") && strcmp(nm, ".."))
                n++;
            if (name && found && strcmp(nm, name) == 0)
                *found = 1;
            if (!rl)
                break;
            p += rl;
        }
    }
    close(fd);
    return n;
}

static int fd_link(int fd, char *out, size_t sz)
{
    char pp[64];
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(pp, out, sz - 1);
    if (n < 0)
        return -1;
    out[n] = 0;
    return 0;
}

static int proc_link(int fd, const char *newpath)
{
    char pp[64];
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, pp, AT_FDCWD, newpath, AT_SYMLINK_FOLLOW);
}

static nlink_t fnlink(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_nlink : (nlink_t)-1;
}

static int child_perm(void)
{
    struct stat st;
    if (open(dir, O_TMPFILE | O_RDWR, 0600) >= 0)
        return 1;
    if (errno != EACCES)
        return 2;
    int fd = open(P("pub"), O_TMPFILE | O_RDWR, 0600);
    if (fd < 0)
        return 3;
    if (fstat(fd, &st) != 0 || st.st_uid != 65534 || st.st_gid != 65534)
        return 4;
    if (proc_link(fd, P("pub/byuser")) != 0)
        return 5;
    return 0;
}

int main(void)
{
    struct stat st, dst;
    char lnk[512], want[512], b[64];
    int fd, fd2, r;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    snprintf(dir, sizeof dir, "/tmp/open_tmpfile%s.%d", CONF_TAG, (int)getpid());
    if (mkdir(dir, 0755) != 0 || stat(dir, &dst) != 0) {
        CHECK(0, "mkdir test directory");
        CHECK_DONE();
    }

    fd = open(dir, O_TMPFILE | O_RDWR, 0666);
    CHECK(fd >= 0, "O_TMPFILE|O_RDWR in the directory");
    if (fd < 0) {
        rmdir(dir);
        CHECK_DONE();
    }
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0 && st.st_size == 0,
          "fstat: regular file, nlink 0, size 0");
    CHECK_EQ(st.st_mode & 07777, 0644, "mode 0666 filtered by umask 022 -> 0644");
    CHECK(st.st_uid == getuid() && st.st_dev == dst.st_dev, "owned by the caller, on the directory's filesystem");
    r = fcntl(fd, F_GETFL);
    CHECK(r >= 0 && (r & O_ACCMODE) == O_RDWR && (r & O_TMPFILE) == O_TMPFILE, "F_GETFL: O_RDWR and O_TMPFILE");
    CHECK(write(fd, "hello", 5) == 5 && pread(fd, b, 5, 0) == 5 && memcmp(b, "hello", 5) == 0,
          "write and read back");
    CHECK_EQ(count_entries(dir, NULL, NULL), 0, "directory listing shows nothing but . and ..");
    snprintf(want, sizeof want, "%s/#%llu (deleted)", dir, (unsigned long long)st.st_ino);
    CHECK(fd_link(fd, lnk, sizeof lnk) == 0, "readlink /proc/self/fd/N");
    CHECK_STREQ(lnk, want, "/proc/self/fd/N is \"DIR/#INO (deleted)\"");
    {
        struct stat s2;
        fd2 = open(dir, O_TMPFILE | O_WRONLY, 0600);
        CHECK(fd2 >= 0 && fstat(fd2, &s2) == 0 && s2.st_ino != st.st_ino && (s2.st_mode & 0777) == 0600,
              "second O_TMPFILE|O_WRONLY: different inode, mode 0600");
        CHECK_ERR(read(fd2, b, 1), EBADF, "read on the O_WRONLY tmpfile -> EBADF");
        if (fd2 >= 0)
            close(fd2);
    }
    CHECK(fchmod(fd, 0600) == 0 && ftruncate(fd, 4096) == 0 && fsync(fd) == 0 && fstat(fd, &st) == 0 &&
              (st.st_mode & 0777) == 0600 && st.st_size == 4096,
          "fchmod, ftruncate and fsync work on it");
    {
        char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        CHECK(m != MAP_FAILED, "MAP_SHARED mapping of the tmpfile");
        if (m != MAP_FAILED) {
            memcpy(m + 100, "mapped", 6);
            CHECK(pread(fd, b, 6, 100) == 6 && memcmp(b, "mapped", 6) == 0 && memcmp(m, "hello", 5) == 0,
                  "stores through the mapping visible to pread");
            munmap(m, 4096);
        }
    }

    /* Giving it a name. */
    CHECK_OK(linkat(fd, "", AT_FDCWD, P("named"), AT_EMPTY_PATH), "linkat AT_EMPTY_PATH gives it a name (root)");
    CHECK_EQ(fnlink(fd), 1, "nlink 1 after linking");
    {
        int found, n = count_entries(dir, "named", &found);
        CHECK(n == 1 && found, "the name now appears in the directory");
        int nf = open(P("named"), O_RDONLY);
        CHECK(nf >= 0 && read(nf, b, 5) == 5 && memcmp(b, "hello", 5) == 0, "content readable through the name");
        if (nf >= 0)
            close(nf);
    }
    /* Linux: the fd keeps its unhashed tmpfile dentry, so /proc still shows the #INO name. */
    CHECK(fd_link(fd, lnk, sizeof lnk) == 0 && strcmp(lnk, want) == 0, "/proc/self/fd/N unchanged after linkat");
    CHECK(proc_link(fd, P("named2")) == 0 && fnlink(fd) == 2, "/proc/self/fd + AT_SYMLINK_FOLLOW adds a link: nlink 2");
    CHECK_ERR(linkat(fd, "", AT_FDCWD, P("named"), AT_EMPTY_PATH), EEXIST, "linkat to an existing name -> EEXIST");
    CHECK(unlink(P("named")) == 0 && unlink(P("named2")) == 0 && fnlink(fd) == 0, "unlink both names: nlink 0 again");
    /* Linux clears I_LINKABLE at the first link: an unlinked former tmpfile is an ordinary deleted file. */
    CHECK_ERR(linkat(fd, "", AT_FDCWD, P("again"), AT_EMPTY_PATH), ENOENT,
              "re-linking after the names are gone -> ENOENT");
    close(fd);

    /* O_EXCL: never linkable. */
    fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL, 0600);
    CHECK(fd >= 0, "O_TMPFILE|O_EXCL");
    CHECK_ERR(linkat(fd, "", AT_FDCWD, P("x1"), AT_EMPTY_PATH), ENOENT, "O_EXCL tmpfile: linkat AT_EMPTY_PATH -> ENOENT");
    CHECK_ERR(proc_link(fd, P("x2")), ENOENT, "O_EXCL tmpfile: linkat via /proc/self/fd -> ENOENT");
    CHECK(fnlink(fd) == 0 && count_entries(dir, NULL, NULL) == 0, "still nlink 0, directory still empty");
    if (fd >= 0)
        close(fd);

    /* Other flag combinations. */
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC | O_TRUNC | O_APPEND, 0);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_APPEND),
          "O_TMPFILE with O_CLOEXEC|O_TRUNC|O_APPEND");
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0 && write(fd, "z", 1) == 1,
          "mode 0: file mode 0 but the fd is still writable");
    if (fd >= 0)
        close(fd);
    fd = open(dir, O_TMPFILE | O_RDWR | O_PATH, 0600);
    /* Linux: O_PATH discards all other flags, so this opens the directory itself. */
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_ino == dst.st_ino &&
              (fcntl(fd, F_GETFL) & O_PATH),
          "O_TMPFILE|O_PATH: an O_PATH fd of the directory");
    if (fd >= 0)
        close(fd);
    {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        fd = openat(dfd, ".", O_TMPFILE | O_RDWR, 0600);
        CHECK(fd >= 0 && fnlink(fd) == 0, "openat(dirfd, \".\", O_TMPFILE)");
        if (fd >= 0)
            close(fd);
        CHECK_ERR(openat(dfd, "", O_TMPFILE | O_RDWR, 0600), ENOENT, "openat(dirfd, \"\", O_TMPFILE) -> ENOENT");
        if (dfd >= 0)
            close(dfd);
    }
    CHECK(symlink(".", P("dl")) == 0, "symlink dl -> .");
    fd = open(P("dl"), O_TMPFILE | O_RDWR, 0600);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == dst.st_dev, "O_TMPFILE through a symlink to the directory");
    if (fd >= 0)
        close(fd);
    CHECK_ERR(open(P("dl"), O_TMPFILE | O_RDWR | O_NOFOLLOW, 0600), ENOTDIR,
              "O_TMPFILE|O_NOFOLLOW on a symlink -> ENOTDIR");
    {
        struct stat shm;
        fd = open("/dev/shm", O_TMPFILE | O_RDWR, 0600);
        CHECK(fd >= 0 && fstat(fd, &st) == 0 && stat("/dev/shm", &shm) == 0 && st.st_dev == shm.st_dev &&
                  st.st_nlink == 0,
              "O_TMPFILE on tmpfs (/dev/shm)");
        if (fd >= 0)
            close(fd);
    }

    /* Errors. */
    CHECK_ERR(open(dir, O_TMPFILE | O_RDONLY, 0600), EINVAL, "O_TMPFILE without O_WRONLY/O_RDWR -> EINVAL");
    CHECK_ERR(syscall(SYS_openat, AT_FDCWD, dir, RAW_O_TMPFILE_BIT | O_RDWR, 0600), EINVAL,
              "__O_TMPFILE without O_DIRECTORY -> EINVAL");
    CHECK_ERR(open(dir, O_TMPFILE | O_RDWR | O_CREAT, 0600), EINVAL, "O_TMPFILE|O_CREAT -> EINVAL");
    /* What kernels without O_TMPFILE return for O_DIRECTORY|O_RDWR: EISDIR. */
    CHECK_ERR(open(dir, O_DIRECTORY | O_RDWR), EISDIR, "O_DIRECTORY|O_RDWR on a directory -> EISDIR");
    CHECK(close(open(P("reg"), O_CREAT | O_WRONLY, 0644)) == 0, "create a regular file");
    CHECK_ERR(open(P("reg"), O_TMPFILE | O_RDWR, 0600), ENOTDIR, "O_TMPFILE on a regular file -> ENOTDIR");
    CHECK_ERR(open(P("missing"), O_TMPFILE | O_RDWR, 0600), ENOENT, "O_TMPFILE on a missing directory -> ENOENT");
    CHECK_ERR(open(P("missing/sub"), O_TMPFILE | O_RDWR, 0600), ENOENT, "O_TMPFILE below a missing directory -> ENOENT");
    CHECK_ERR(open("/proc", O_TMPFILE | O_RDWR, 0600), EOPNOTSUPP, "O_TMPFILE on procfs -> EOPNOTSUPP");

    /* Permissions (needs root: drop to uid 65534 to lose DAC override). */
    CHECK(mkdir(P("pub"), 0777) == 0 && chmod(P("pub"), 0777) == 0, "world-writable pub/");
    CHECK_EQ(as_nobody(child_perm), 0,
             "unprivileged: EACCES without write permission; in pub/ owned by the caller and linkable via /proc");
    {
        struct stat u;
        CHECK(lstat(P("pub/byuser"), &u) == 0 && u.st_uid == 65534 && u.st_nlink == 1, "the child's file got its name");
    }

    unlink(P("pub/byuser"));
    rmdir(P("pub"));
    unlink(P("reg"));
    unlink(P("dl"));
    CHECK_OK(rmdir(dir), "cleanup: test directory empty");
    CHECK_DONE();
}
