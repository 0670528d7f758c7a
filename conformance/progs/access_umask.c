/* access_umask: access/faccessat and umask applied to newly created files. */
/* area: perms */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIR_ "/tmp/conf_access_umask" CONF_TAG

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

int main(void)
{
    int fd, dfd;

    /* access / faccessat */
    CHECK_EQ(access("/etc/passwd", F_OK), 0, "access F_OK on /etc/passwd");
    CHECK_EQ(access("/etc/passwd", R_OK), 0, "access R_OK on /etc/passwd");
    CHECK_EQ(access("/bin/busybox", X_OK), 0, "access X_OK on /bin/busybox");
    CHECK_EQ(access("/usr", R_OK | X_OK), 0, "access R_OK|X_OK on /usr");
    CHECK_ERR(access("/etc/no-such-file-conf", F_OK), ENOENT, "access F_OK on missing -> ENOENT");
    CHECK_ERR(access("/etc/passwd/x", F_OK), ENOTDIR, "access through a file -> ENOTDIR");
    CHECK_ERR(access("/etc/passwd", 0x100), EINVAL, "access with invalid mode -> EINVAL");
    CHECK_EQ(syscall(SYS_access, "/etc/passwd", R_OK), 0, "raw SYS_access R_OK");

    /* Raw faccessat: glibc's faccessat() would try faccessat2 first. */
    dfd = open("/etc", O_RDONLY | O_DIRECTORY);
    CHECK_EQ(syscall(SYS_faccessat, dfd, "passwd", R_OK), 0, "faccessat(dirfd, \"passwd\", R_OK)");
    CHECK_ERR(syscall(SYS_faccessat, dfd, "no-such-file-conf", F_OK), ENOENT,
              "faccessat missing -> ENOENT");
    CHECK_EQ(syscall(SYS_faccessat, AT_FDCWD, "/etc/passwd", F_OK), 0, "raw SYS_faccessat F_OK");
    close(dfd);

    /* umask returns the previous mask. */
    mode_t old = umask(022);
    CHECK_EQ(umask(077), 022, "umask returns previous value 022");
    CHECK_EQ(umask(077), 077, "umask returns previous value 077");

    mkdir(DIR_, 0755);
    fd = open(DIR_ "/f077", O_CREAT | O_WRONLY, 0666);
    close(fd);
    CHECK_EQ(mode_of(DIR_ "/f077"), 0600, "umask 077: open 0666 -> 0600");

    umask(027);
    mkdir(DIR_ "/d027", 0777);
    CHECK_EQ(mode_of(DIR_ "/d027"), 0750, "umask 027: mkdir 0777 -> 0750");
    fd = open(DIR_ "/f027", O_CREAT | O_WRONLY, 0666);
    close(fd);
    CHECK_EQ(mode_of(DIR_ "/f027"), 0640, "umask 027: open 0666 -> 0640");

    umask(0);
    fd = open(DIR_ "/f000", O_CREAT | O_WRONLY, 0604);
    close(fd);
    CHECK_EQ(mode_of(DIR_ "/f000"), 0604, "umask 0: mode passed through unchanged");
    CHECK_EQ(access(DIR_ "/f000", R_OK), 0, "access R_OK on created file");
    CHECK_ERR(access(DIR_ "/f000", X_OK), EACCES, "X_OK on a file with no x bit -> EACCES");

    fd = open(DIR_ "/f000", O_CREAT | O_WRONLY, 0777);
    close(fd);
    CHECK_EQ(mode_of(DIR_ "/f000"), 0604, "O_CREAT on existing file does not change mode");
    CHECK_EQ(umask(old), 0, "umask restores original value");

    unlink(DIR_ "/f077");
    unlink(DIR_ "/f027");
    unlink(DIR_ "/f000");
    unlinkat(AT_FDCWD, DIR_ "/d027", AT_REMOVEDIR);
    unlinkat(AT_FDCWD, DIR_, AT_REMOVEDIR);
    CHECK_DONE();
}
