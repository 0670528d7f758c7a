/* memfd: memfd_create flags, sizing, mapping, and file seals. */
/* syscalls: memfd_create, ftruncate, fstat, write, pwrite64, pread64, mmap, munmap, fcntl, readlink, fork, wait4 */
/* area: memfd */
#include "check.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

int main(void)
{
    struct stat st;
    char buf[32], link[128], path[64];
    int fd, sfd;
    char *m;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    fd = memfd_create("conf_test", 0);
    CHECK(fd >= 0, "memfd_create(\"conf_test\", 0)");
    CHECK(!(fcntl(fd, F_GETFD) & FD_CLOEXEC), "no FD_CLOEXEC without MFD_CLOEXEC");
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR, "memfd is O_RDWR");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    memset(link, 0, sizeof(link));
    readlink(path, link, sizeof(link) - 1);
    CHECK_STREQ(link, "/memfd:conf_test (deleted)", "/proc/self/fd link is \"/memfd:NAME (deleted)\"");
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0, "fstat: empty regular file");

    CHECK(ftruncate(fd, 8192) == 0 && fstat(fd, &st) == 0 && st.st_size == 8192, "ftruncate to 8192: st_size 8192");
    CHECK_EQ(pwrite(fd, "memfd!", 6, 100), 6, "pwrite at offset 100");
    m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED && memcmp(m + 100, "memfd!", 6) == 0, "MAP_SHARED mapping sees the data");
    memcpy(m + 4096, "via map", 7);
    memset(buf, 0, sizeof(buf));
    CHECK(pread(fd, buf, 7, 4096) == 7 && strcmp(buf, "via map") == 0, "write through mapping visible to pread");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        memcpy(m, "child", 5);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "child", 5) == 0, "child's write via inherited mapping");
    munmap(m, 8192);

    /* Without MFD_ALLOW_SEALING the file is sealed against sealing. */
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL, "no MFD_ALLOW_SEALING: F_GET_SEALS == F_SEAL_SEAL");
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM, "F_ADD_SEALS without MFD_ALLOW_SEALING -> EPERM");
    close(fd);

    fd = memfd_create("c", MFD_CLOEXEC);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "MFD_CLOEXEC sets FD_CLOEXEC");
    close(fd);

    sfd = memfd_create("sealed", MFD_ALLOW_SEALING);
    CHECK(sfd >= 0, "memfd_create MFD_ALLOW_SEALING");
    CHECK_EQ(fcntl(sfd, F_GET_SEALS), 0, "initial seals: none");
    write(sfd, "0123456789", 10);

    CHECK_OK(fcntl(sfd, F_ADD_SEALS, F_SEAL_SHRINK), "add F_SEAL_SHRINK");
    CHECK_ERR(ftruncate(sfd, 5), EPERM, "shrink with F_SEAL_SHRINK -> EPERM");
    CHECK_OK(ftruncate(sfd, 20), "grow still allowed");
    CHECK_OK(fcntl(sfd, F_ADD_SEALS, F_SEAL_GROW), "add F_SEAL_GROW");
    CHECK_ERR(ftruncate(sfd, 4096), EPERM, "grow with F_SEAL_GROW -> EPERM");
    CHECK_ERR(pwrite(sfd, "x", 1, 20), EPERM, "write past EOF with F_SEAL_GROW -> EPERM");
    CHECK_EQ(pwrite(sfd, "AB", 2, 0), 2, "in-place write still allowed");

    m = mmap(NULL, 20, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
    CHECK_ERR(fcntl(sfd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY, "F_SEAL_WRITE with a writable mapping -> EBUSY");
    munmap(m, 20);
    CHECK_OK(fcntl(sfd, F_ADD_SEALS, F_SEAL_WRITE), "F_SEAL_WRITE once unmapped");
    CHECK_EQ(fcntl(sfd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE, "F_GET_SEALS reports all three");
    CHECK_ERR(write(sfd, "x", 1), EPERM, "write with F_SEAL_WRITE -> EPERM");
    CHECK_ERR(pwrite(sfd, "x", 1, 0), EPERM, "pwrite with F_SEAL_WRITE -> EPERM");
    CHECK_PTR_ERR(mmap(NULL, 20, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0), EPERM,
                  "writable MAP_SHARED with F_SEAL_WRITE -> EPERM");
    m = mmap(NULL, 20, PROT_READ, MAP_SHARED, sfd, 0);
    CHECK(m != MAP_FAILED && memcmp(m, "AB23456789", 10) == 0, "read-only mapping still allowed");
    munmap(m, 20);
    m = mmap(NULL, 20, PROT_READ | PROT_WRITE, MAP_PRIVATE, sfd, 0);
    CHECK(m != MAP_FAILED, "MAP_PRIVATE writable mapping allowed under F_SEAL_WRITE");
    munmap(m, 20);
    CHECK(pread(sfd, buf, 10, 0) == 10 && memcmp(buf, "AB23456789", 10) == 0, "reads still work");
    CHECK_OK(fcntl(sfd, F_ADD_SEALS, F_SEAL_SEAL), "add F_SEAL_SEAL");
    CHECK_ERR(fcntl(sfd, F_ADD_SEALS, F_SEAL_GROW), EPERM, "adding after F_SEAL_SEAL -> EPERM");
    CHECK_ERR(fcntl(sfd, F_ADD_SEALS, 0x1000), EINVAL, "unknown seal bit -> EINVAL");
    close(sfd);

    sfd = memfd_create("future", MFD_ALLOW_SEALING);
    write(sfd, "abc", 3);
    CHECK_OK(fcntl(sfd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), "add F_SEAL_FUTURE_WRITE");
    CHECK_ERR(write(sfd, "x", 1), EPERM, "write with F_SEAL_FUTURE_WRITE -> EPERM");
    close(sfd);

    {
        int p[2];
        pipe(p);
        CHECK_ERR(fcntl(p[0], F_GET_SEALS), EINVAL, "F_GET_SEALS on a pipe -> EINVAL");
        close(p[0]);
        close(p[1]);
    }
    CHECK_ERR(memfd_create("x", 0x100), EINVAL, "memfd_create unknown flag -> EINVAL");
    {
        char longname[300];
        memset(longname, 'n', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        CHECK_ERR(memfd_create(longname, 0), EINVAL, "name longer than 249 bytes -> EINVAL");
    }
    CHECK_ERR(memfd_create(NULL, 0), EFAULT, "NULL name -> EFAULT");
    CHECK_DONE();
}
