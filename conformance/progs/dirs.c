/* dirs: mkdir/mkdirat, removal via unlinkat(AT_REMOVEDIR), chdir/fchdir/getcwd. */
/* area: dirs */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_dirs" CONF_TAG

int main(void)
{
    char cwd[4096], orig[4096];
    struct stat st;
    int fd, dfd;

    CHECK(getcwd(orig, sizeof(orig)) != NULL, "getcwd returns the starting directory");
    umask(022);

    CHECK_OK(mkdir(DIR_, 0755), "mkdir " DIR_);
    CHECK(stat(DIR_, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755,
          "new directory is S_ISDIR with mode 0755");
    CHECK_ERR(mkdir(DIR_, 0755), EEXIST, "mkdir existing directory -> EEXIST");
    CHECK_ERR(mkdir(DIR_ "/no/such", 0755), ENOENT, "mkdir with missing parent -> ENOENT");

    dfd = open(DIR_, O_RDONLY | O_DIRECTORY);
    CHECK(mkdirat(dfd, "sub", 0700) == 0 && stat(DIR_ "/sub", &st) == 0 && S_ISDIR(st.st_mode),
          "mkdirat(dirfd, \"sub\") creates a directory");
    CHECK_ERR(mkdirat(dfd, "sub", 0700), EEXIST, "mkdirat existing -> EEXIST");

    fd = openat(dfd, "sub/file", O_CREAT | O_WRONLY, 0644);
    close(fd);
    CHECK_ERR(mkdir(DIR_ "/sub/file/x", 0755), ENOTDIR, "mkdir under a regular file -> ENOTDIR");
    CHECK_ERR(unlinkat(dfd, "sub", AT_REMOVEDIR), ENOTEMPTY,
              "remove non-empty directory -> ENOTEMPTY");
    CHECK_ERR(unlinkat(dfd, "sub/file", AT_REMOVEDIR), ENOTDIR,
              "AT_REMOVEDIR on a file -> ENOTDIR");
    CHECK_ERR(unlinkat(dfd, "sub", 0), EISDIR, "unlinkat without AT_REMOVEDIR on dir -> EISDIR");

    /* chdir / getcwd / relative paths */
    CHECK_OK(chdir(DIR_ "/sub"), "chdir into sub");
    CHECK_STREQ(getcwd(cwd, sizeof(cwd)), DIR_ "/sub", "getcwd after chdir");
    CHECK(stat("file", &st) == 0 && S_ISREG(st.st_mode), "relative path resolves from cwd");
    CHECK(mkdir("rel", 0755) == 0 && stat(DIR_ "/sub/rel", &st) == 0 && S_ISDIR(st.st_mode),
          "relative mkdir creates in cwd");
    CHECK(stat("../sub/./rel/..", &st) == 0 && S_ISDIR(st.st_mode), "path with . and .. resolves");

    CHECK_OK(chdir(".."), "chdir ..");
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, DIR_) == 0, "getcwd after chdir ..");
    CHECK_ERR(syscall(SYS_getcwd, cwd, 3), ERANGE, "getcwd with tiny buffer -> ERANGE");
    CHECK_ERR(chdir("sub/file"), ENOTDIR, "chdir to a file -> ENOTDIR");
    CHECK_ERR(chdir("missing"), ENOENT, "chdir to missing -> ENOENT");

    CHECK_OK(chdir("/"), "chdir /");
    CHECK(chdir("..") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0,
          ".. of / is /");
    CHECK_OK(fchdir(dfd), "fchdir to directory fd");
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, DIR_) == 0, "getcwd after fchdir");
    fd = open("sub/file", O_RDONLY);
    CHECK_ERR(fchdir(fd), ENOTDIR, "fchdir to a file fd -> ENOTDIR");
    close(fd);

    /* Cleanup and removal checks. */
    unlink("sub/file");
    CHECK_OK(unlinkat(AT_FDCWD, "sub/rel", AT_REMOVEDIR), "remove sub/rel (relative)");
    CHECK_OK(unlinkat(dfd, "sub", AT_REMOVEDIR), "remove empty sub");
    CHECK_ERR(stat(DIR_ "/sub", &st), ENOENT, "removed directory is gone");
    close(dfd);
    chdir(orig);
    CHECK_OK(unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR), "remove top directory");
    CHECK_DONE();
}
