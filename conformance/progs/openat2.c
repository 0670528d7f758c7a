/* openat2: struct open_how size/flag validation and RESOLVE_* path resolution restrictions. */
/* syscalls: openat2, openat, mkdirat, symlinkat, unlinkat, fstat, newfstatat, read, write, close */
/* area: open */
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#endif
#ifndef RESOLVE_CACHED
#define RESOLVE_CACHED 0x20
#endif

struct how {
    uint64_t flags, mode, resolve;
};

static long o2(int dfd, const char *p, uint64_t flags, uint64_t mode, uint64_t resolve)
{
    struct how h = {flags, mode, resolve};
    return syscall(SYS_openat2, dfd, p, &h, sizeof(h));
}

static char base[256];

/* Same inode as the file at path? Closes fd. */
static int same(long fd, const char *path)
{
    struct stat a, b;
    if (fd < 0)
        return 0;
    int ok = fstat((int)fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
             a.st_dev == b.st_dev;
    close((int)fd);
    return ok;
}

static void cleanup(void)
{
    static const char *names[] = {"root/sub/f2", "root/link_rel", "root/link_abs", "root/link_up",
                                  "root/link_dir", "root/file", "root/new", "outside"};
    char p[512];
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", base, names[i]);
        unlink(p);
    }
    snprintf(p, sizeof(p), "%s/root/sub", base);
    rmdir(p);
    snprintf(p, sizeof(p), "%s/root", base);
    rmdir(p);
    rmdir(base);
}

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(base, sizeof(base), "/tmp/openat2.%d%s", (int)getpid(), CONF_TAG);

    char p[512], p2[512];
    struct how h = {O_RDONLY, 0, 0};
    long r = syscall(SYS_openat2, AT_FDCWD, "/", &h, sizeof(h));
    if (r < 0 && errno == ENOSYS) {
        CHECK_SKIP("openat2", "kernel lacks openat2 (Linux < 5.6)");
        CHECK_DONE();
    }
    CHECK_OK(r, "openat2(\"/\", O_RDONLY) with a 24-byte open_how");
    if (r >= 0)
        close((int)r);

    int ok = mkdir(base, 0755) == 0;
    snprintf(p, sizeof(p), "%s/root", base);
    ok = ok && mkdir(p, 0755) == 0;
    int root = open(p, O_RDONLY | O_DIRECTORY);
    ok = ok && root >= 0 && mkdirat(root, "sub", 0755) == 0;
    int fd = openat(root, "file", O_CREAT | O_WRONLY, 0644);
    ok = ok && fd >= 0 && write(fd, "F", 1) == 1;
    close(fd);
    fd = openat(root, "sub/f2", O_CREAT | O_WRONLY, 0644);
    ok = ok && fd >= 0;
    close(fd);
    snprintf(p, sizeof(p), "%s/outside", base);
    fd = open(p, O_CREAT | O_WRONLY, 0644);
    ok = ok && fd >= 0;
    close(fd);
    ok = ok && symlinkat("file", root, "link_rel") == 0 && symlinkat("/sub/f2", root, "link_abs") == 0 &&
         symlinkat("../outside", root, "link_up") == 0 && symlinkat("sub", root, "link_dir") == 0;
    CHECK(ok, "build the test tree");
    if (!ok) {
        cleanup();
        CHECK_DONE();
    }

    /* Size and field validation. */
    struct {
        struct how h;
        uint64_t extra;
    } big = {{O_RDONLY, 0, 0}, 0};
    CHECK_ERR(syscall(SYS_openat2, root, "file", &h, 0), EINVAL, "size 0 -> EINVAL");
    CHECK_ERR(syscall(SYS_openat2, root, "file", &h, 16), EINVAL, "size 16 (< 24) -> EINVAL");
    r = syscall(SYS_openat2, root, "file", &big, sizeof(big));
    CHECK_OK(r, "size 32 with zeroed trailing bytes is accepted");
    if (r >= 0)
        close((int)r);
    big.extra = 1;
    CHECK_ERR(syscall(SYS_openat2, root, "file", &big, sizeof(big)), E2BIG,
              "size 32 with a non-zero trailing byte -> E2BIG");
    static char page[8192];
    memcpy(page, &h, sizeof(h));
    CHECK_ERR(syscall(SYS_openat2, root, "file", page, 4097), E2BIG, "size > PAGE_SIZE -> E2BIG");
    CHECK_ERR(syscall(SYS_openat2, root, "file", (void *)8, sizeof(h)), EFAULT,
              "bad open_how pointer -> EFAULT");
    CHECK_ERR(o2(root, "file", 1ULL << 40, 0, 0), EINVAL, "unknown bit in flags -> EINVAL");
    CHECK_ERR(o2(root, "file", O_RDONLY, 0, 1ULL << 20), EINVAL, "unknown bit in resolve -> EINVAL");
    CHECK_ERR(o2(root, "file", O_RDONLY, 0644, 0), EINVAL, "mode without O_CREAT -> EINVAL");
    CHECK_ERR(o2(root, "new", O_CREAT | O_WRONLY, 010000, 0), EINVAL,
              "mode with bits above 07777 -> EINVAL");
    CHECK_ERR(o2(root, "file", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT), EINVAL,
              "RESOLVE_BENEATH|RESOLVE_IN_ROOT -> EINVAL");
    CHECK_ERR(o2(root, "file", O_PATH | O_RDWR, 0, 0), EINVAL,
              "O_PATH with O_RDWR is rejected by openat2 -> EINVAL");
    r = o2(root, "new", O_CREAT | O_WRONLY | O_EXCL, 0600, 0);
    snprintf(p, sizeof(p), "%s/root/new", base);
    struct stat st;
    CHECK(r >= 0 && fstat((int)r, &st) == 0 && (st.st_mode & 07777) == (0600 & ~022 & 0600),
          "openat2 O_CREAT with mode 0600 creates the file");
    if (r >= 0)
        close((int)r);
    CHECK_ERR(o2(root, "new", O_CREAT | O_WRONLY, 0600, RESOLVE_CACHED), EAGAIN,
              "RESOLVE_CACHED with O_CREAT -> EAGAIN");

    /* RESOLVE_NO_SYMLINKS. */
    snprintf(p, sizeof(p), "%s/root/file", base);
    CHECK(same(o2(root, "link_rel", O_RDONLY, 0, 0), p), "plain openat2 follows a symlink");
    CHECK_ERR(o2(root, "link_rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP,
              "RESOLVE_NO_SYMLINKS on a final symlink -> ELOOP");
    CHECK_ERR(o2(root, "link_dir/f2", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP,
              "RESOLVE_NO_SYMLINKS on a symlink path component -> ELOOP");
    r = o2(root, "link_rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS);
    CHECK(r >= 0 && fstat((int)r, &st) == 0 && S_ISLNK(st.st_mode),
          "RESOLVE_NO_SYMLINKS allows O_PATH|O_NOFOLLOW on the link itself");
    if (r >= 0)
        close((int)r);

    /* RESOLVE_BENEATH. */
    CHECK(same(o2(root, "sub/../file", O_RDONLY, 0, RESOLVE_BENEATH), p),
          "RESOLVE_BENEATH allows .. that stays inside");
    CHECK(same(o2(root, "link_rel", O_RDONLY, 0, RESOLVE_BENEATH), p),
          "RESOLVE_BENEATH allows a relative symlink inside");
    CHECK_ERR(o2(root, "../outside", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV,
              "RESOLVE_BENEATH with ../ escape -> EXDEV");
    CHECK_ERR(o2(root, "link_up", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV,
              "RESOLVE_BENEATH with a symlink to ../ -> EXDEV");
    CHECK_ERR(o2(root, "link_abs", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV,
              "RESOLVE_BENEATH with an absolute symlink -> EXDEV");
    CHECK_ERR(o2(root, p, O_RDONLY, 0, RESOLVE_BENEATH), EXDEV,
              "RESOLVE_BENEATH with an absolute path -> EXDEV");

    /* RESOLVE_IN_ROOT: dirfd acts as "/". */
    snprintf(p2, sizeof(p2), "%s/root/sub/f2", base);
    CHECK(same(o2(root, "link_abs", O_RDONLY, 0, RESOLVE_IN_ROOT), p2),
          "RESOLVE_IN_ROOT resolves an absolute symlink inside dirfd");
    CHECK(same(o2(root, "/sub/f2", O_RDONLY, 0, RESOLVE_IN_ROOT), p2),
          "RESOLVE_IN_ROOT treats an absolute path as relative to dirfd");
    CHECK(same(o2(root, "../../../file", O_RDONLY, 0, RESOLVE_IN_ROOT), p),
          "RESOLVE_IN_ROOT clamps .. at the root");
    CHECK_ERR(o2(root, "link_up", O_RDONLY, 0, RESOLVE_IN_ROOT), ENOENT,
              "RESOLVE_IN_ROOT: symlink ../outside resolves to <root>/outside -> ENOENT");
    CHECK_ERR(o2(AT_FDCWD, "/sub/f2", O_RDONLY, 0, 0), ENOENT,
              "without RESOLVE_IN_ROOT the same absolute path is missing -> ENOENT");

    /* Magic links and mount crossings. */
    char mp[64];
    snprintf(mp, sizeof(mp), "/proc/self/fd/%d", root);
    r = o2(AT_FDCWD, mp, O_RDONLY | O_DIRECTORY, 0, 0);
    CHECK(r >= 0, "/proc/self/fd/N magic link opens without restrictions");
    if (r >= 0)
        close((int)r);
    CHECK_ERR(o2(AT_FDCWD, mp, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS), ELOOP,
              "RESOLVE_NO_MAGICLINKS on /proc/self/fd/N -> ELOOP");
    CHECK_ERR(o2(AT_FDCWD, mp, O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP,
              "RESOLVE_NO_SYMLINKS also rejects magic links -> ELOOP");
    int rootfd = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_ERR(o2(rootfd, "proc/self", O_RDONLY, 0, RESOLVE_NO_XDEV), EXDEV,
              "RESOLVE_NO_XDEV crossing into /proc -> EXDEV");
    close(rootfd);
    snprintf(p, sizeof(p), "%s/root/file", base);
    CHECK(same(o2(root, "file", O_RDONLY, 0, RESOLVE_NO_XDEV), p),
          "RESOLVE_NO_XDEV within one mount works");
    CHECK_ERR(o2(-1, "file", O_RDONLY, 0, 0), EBADF, "bad dirfd -> EBADF");

    close(root);
    cleanup();
    snprintf(p, sizeof(p), "%s", base);
    CHECK_ERR(access(p, F_OK), ENOENT, "test tree removed");
    CHECK_DONE();
}
