/* xattr: user.* extended attributes: set/get/list/remove, flags, size probing, errnos. */
/* syscalls: setxattr, getxattr, listxattr, removexattr, fsetxattr, fgetxattr, flistxattr, fremovexattr, lsetxattr, lgetxattr, llistxattr */
/* area: xattr */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define DIR "/tmp/conf_xattr" CONF_TAG
#define F DIR "/file"

/* Does a NUL-separated list of length len contain name? */
static int list_has(const char *list, ssize_t len, const char *name)
{
    for (ssize_t i = 0; i < len; i += strlen(list + i) + 1)
        if (strcmp(list + i, name) == 0)
            return 1;
    return 0;
}

int main(void)
{
    static char big[65537];
    char buf[256], list[1024], name[300];
    ssize_t n;
    int fd;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    fd = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);

    if (setxattr(F, "user.probe", "1", 1, 0) != 0 && (errno == ENOTSUP || errno == EOPNOTSUPP)) {
        CHECK_SKIP("user xattrs", "filesystem of /tmp does not support user.* xattrs");
        close(fd);
        unlink(F);
        rmdir(DIR);
        CHECK_DONE();
    }
    removexattr(F, "user.probe");

    CHECK_OK(setxattr(F, "user.color", "blue", 4, 0), "setxattr user.color");
    CHECK_EQ(getxattr(F, "user.color", NULL, 0), 4, "getxattr size 0 returns the value size");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(getxattr(F, "user.color", buf, sizeof(buf)), 4, "getxattr returns 4");
    CHECK_STREQ(buf, "blue", "value round-trips");
    CHECK_ERR(getxattr(F, "user.color", buf, 3), ERANGE, "buffer too small -> ERANGE");
    CHECK_ERR(getxattr(F, "user.nothere", buf, sizeof(buf)), ENODATA, "missing attribute -> ENODATA");

    CHECK_ERR(setxattr(F, "user.color", "red", 3, XATTR_CREATE), EEXIST, "XATTR_CREATE on existing -> EEXIST");
    CHECK_ERR(setxattr(F, "user.shape", "x", 1, XATTR_REPLACE), ENODATA, "XATTR_REPLACE on missing -> ENODATA");
    CHECK_OK(setxattr(F, "user.color", "crimson red", 11, XATTR_REPLACE), "XATTR_REPLACE with a longer value");
    memset(buf, 0, sizeof(buf));
    CHECK(getxattr(F, "user.color", buf, sizeof(buf)) == 11 && strcmp(buf, "crimson red") == 0, "replaced value");
    CHECK_OK(setxattr(F, "user.empty", "", 0, XATTR_CREATE), "empty value allowed");
    CHECK_EQ(getxattr(F, "user.empty", buf, sizeof(buf)), 0, "empty value has size 0");
    CHECK_ERR(setxattr(F, "user.bad", "v", 1, 0x4), EINVAL, "invalid flags -> EINVAL");

    n = listxattr(F, NULL, 0);
    CHECK(n >= (ssize_t)(sizeof("user.color") + sizeof("user.empty")), "listxattr size probe");
    memset(list, 0, sizeof(list));
    CHECK_EQ(listxattr(F, list, sizeof(list)), n, "listxattr returns the probed size");
    CHECK(list_has(list, n, "user.color") && list_has(list, n, "user.empty"), "list contains both names");
    CHECK_ERR(listxattr(F, list, 3), ERANGE, "listxattr buffer too small -> ERANGE");

    CHECK_OK(removexattr(F, "user.empty"), "removexattr");
    CHECK_ERR(getxattr(F, "user.empty", buf, sizeof(buf)), ENODATA, "removed attribute -> ENODATA");
    CHECK_ERR(removexattr(F, "user.empty"), ENODATA, "remove missing -> ENODATA");
    n = listxattr(F, list, sizeof(list));
    CHECK(n > 0 && !list_has(list, n, "user.empty"), "removed name no longer listed");

    /* fd variants. */
    CHECK_OK(fsetxattr(fd, "user.viafd", "fd", 2, 0), "fsetxattr");
    memset(buf, 0, sizeof(buf));
    CHECK(fgetxattr(fd, "user.viafd", buf, sizeof(buf)) == 2 && strcmp(buf, "fd") == 0, "fgetxattr");
    n = flistxattr(fd, list, sizeof(list));
    CHECK(n > 0 && list_has(list, n, "user.viafd"), "flistxattr");
    CHECK_OK(fremovexattr(fd, "user.viafd"), "fremovexattr");
    CHECK_ERR(fgetxattr(999, "user.viafd", buf, sizeof(buf)), EBADF, "fgetxattr bad fd -> EBADF");

    /* Binary values and large values. */
    {
        unsigned char bin[5] = { 0, 1, 2, 0, 255 }, back[5];
        setxattr(F, "user.bin", bin, 5, 0);
        CHECK(getxattr(F, "user.bin", back, 5) == 5 && memcmp(bin, back, 5) == 0, "binary value with NULs");
    }
    memset(big, 'v', sizeof(big));
    CHECK_ERR(setxattr(F, "user.huge", big, 65537, 0), E2BIG, "value larger than 64KiB -> E2BIG");

    /* Names. */
    CHECK_ERR(setxattr(F, "user.", "v", 1, 0), EINVAL, "\"user.\" with empty suffix -> EINVAL");
    CHECK_ERR(setxattr(F, "", "v", 1, 0), ERANGE, "empty name -> ERANGE");
    memset(name, 'n', sizeof(name) - 1);
    memcpy(name, "user.", 5);
    name[sizeof(name) - 1] = 0;
    CHECK_ERR(setxattr(F, name, "v", 1, 0), ERANGE, "name longer than 255 -> ERANGE");
    CHECK_ERR(setxattr(F, "bogus.ns", "v", 1, 0), EOPNOTSUPP, "unknown namespace -> EOPNOTSUPP");

    /* Paths, directories and symlinks. */
    CHECK_ERR(getxattr(DIR "/missing", "user.color", buf, sizeof(buf)), ENOENT, "missing file -> ENOENT");
    CHECK_OK(setxattr(DIR, "user.dir", "d", 1, 0), "user xattr on a directory");
    symlink("file", DIR "/link");
    memset(buf, 0, sizeof(buf));
    CHECK(getxattr(DIR "/link", "user.color", buf, sizeof(buf)) == 11, "getxattr follows symlinks");
    CHECK_ERR(lgetxattr(DIR "/link", "user.color", buf, sizeof(buf)), ENODATA, "lgetxattr on the link itself -> ENODATA");
    CHECK_ERR(lsetxattr(DIR "/link", "user.x", "v", 1, 0), EPERM, "user.* on a symlink -> EPERM");

    removexattr(DIR, "user.dir");
    unlink(DIR "/link");
    close(fd);
    unlink(F);
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
