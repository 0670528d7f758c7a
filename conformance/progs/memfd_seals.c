/* memfd_seals: file seals on memfds and their interplay with mappings, truncation, fallocate, reopen and fork. */
/* syscalls: memfd_create, fcntl, ftruncate, fallocate, write, pwrite64, pread64, mmap, munmap, mprotect, openat, readlink, fchmod, fstat, fork, wait4, pipe2, poll, read, close */
/* area: memfd */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char link[512], path[64], buf[16];
    struct stat st;
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int fd = memfd_create("seals", MFD_ALLOW_SEALING);
    CHECK(fd >= 0, "memfd_create(MFD_ALLOW_SEALING)");
    if (fd < 0)
        CHECK_DONE();
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    memset(link, 0, sizeof(link));
    CHECK(readlink(path, link, sizeof(link) - 1) > 0, "readlink /proc/self/fd/N");
    CHECK_STREQ(link, "/memfd:seals (deleted)", "link is \"/memfd:seals (deleted)\"");
    CHECK_EQ(fcntl(fd, F_GET_SEALS), 0, "no seals initially");
    CHECK_OK(ftruncate(fd, 2 * pg), "ftruncate to 2 pages");
    CHECK_EQ(pwrite(fd, "hello", 5, 0), 5, "pwrite data");

    /* A reopened descriptor refers to the same inode and seals. */
    int rfd = open(path, O_RDONLY);
    CHECK(rfd >= 0, "reopen via /proc/self/fd O_RDONLY");
    CHECK_ERR(fcntl(rfd, F_ADD_SEALS, F_SEAL_SHRINK), EPERM, "F_ADD_SEALS on a read-only fd -> EPERM");
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, 0x100), EINVAL, "unknown seal bit -> EINVAL");

    /* SHRINK and GROW. */
    CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), "add SHRINK|GROW in one call");
    CHECK_EQ(fcntl(rfd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW, "reopened fd sees the same seals");
    CHECK_ERR(ftruncate(fd, pg), EPERM, "ftruncate smaller -> EPERM");
    CHECK_ERR(ftruncate(fd, 3 * pg), EPERM, "ftruncate larger -> EPERM");
    CHECK_OK(ftruncate(fd, 2 * pg), "ftruncate to the same size is allowed");
    CHECK_ERR(fallocate(fd, 0, 2 * pg, pg), EPERM, "fallocate past EOF with GROW -> EPERM");
    CHECK_ERR(pwrite(fd, "x", 1, 2 * pg), EPERM, "write at EOF with GROW -> EPERM");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 2 * pg, "size unchanged");
    CHECK_OK(fallocate(fd, 0, 0, pg), "fallocate inside the file is allowed");

    /* WRITE: refused while a writable shared mapping exists, including one in a child. */
    char *w = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(w != MAP_FAILED, "writable MAP_SHARED mapping");
    int p[2];
    CHECK_OK(pipe2(p, 0), "pipe2");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        signal(SIGALRM, SIG_DFL);
        alarm(5);
        close(p[1]);
        w[100] = 'k'; /* child keeps its inherited mapping until the parent closes the pipe */
        _exit(read(p[0], &c, 1) == 0 ? 0 : 1);
    }
    close(p[0]);
    if (w != MAP_FAILED)
        munmap(w, 2 * pg);
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY,
              "F_SEAL_WRITE while a child still has a writable mapping -> EBUSY");
    close(p[1]);
    CHECK_EQ(wait_code(pid), 0, "child exits, dropping its mapping");
    /* A read-only mapping through the O_RDONLY descriptor cannot become writable, so it does not
     * block the seal. (Since Linux 6.7 even a PROT_READ MAP_SHARED mapping through an O_RDWR
     * descriptor counts as writable, as it could be mprotect()ed to PROT_WRITE.) */
    char *ro = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, rfd, 0);
    CHECK(ro != MAP_FAILED, "read-only MAP_SHARED mapping through the O_RDONLY fd");
    CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), "F_SEAL_WRITE succeeds with only that mapping");
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE, "seals SHRINK|GROW|WRITE");
    CHECK(ro != MAP_FAILED && ro[100] == 'k' && memcmp(ro, "hello", 5) == 0, "child's write is in the file");
    if (ro != MAP_FAILED)
        munmap(ro, 2 * pg);
    ro = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(ro != MAP_FAILED, "new PROT_READ MAP_SHARED mapping through the O_RDWR fd after sealing");
    if (ro != MAP_FAILED) {
        CHECK_ERR(mprotect(ro, 2 * pg, PROT_READ | PROT_WRITE), EACCES,
                  "mprotect it to writable under F_SEAL_WRITE -> EACCES");
        munmap(ro, 2 * pg);
    }
    CHECK_ERR(write(fd, "x", 1), EPERM, "write() -> EPERM");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EPERM, "writable MAP_SHARED -> EPERM");
    CHECK_ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, pg), EPERM,
              "punching a hole under F_SEAL_WRITE -> EPERM");
    {
        char *pm = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        CHECK(pm != MAP_FAILED, "writable MAP_PRIVATE still allowed");
        if (pm != MAP_FAILED) {
            pm[0] = 'P';
            CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "hello", 5) == 0, "private write does not reach the file");
            munmap(pm, pg);
        }
    }
    CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), "adding an already-present seal succeeds");
    CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), "add F_SEAL_SEAL");
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), EPERM, "any F_ADD_SEALS after F_SEAL_SEAL -> EPERM");
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL, "final seal set");
    close(rfd);
    close(fd);

    /* FUTURE_WRITE: existing writable mapping keeps working, new ones are refused. */
    fd = memfd_create("future", MFD_ALLOW_SEALING);
    w = fd >= 0 && ftruncate(fd, pg) == 0 ? mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    CHECK(w != MAP_FAILED, "memfd with a writable mapping");
    if (w != MAP_FAILED) {
        CHECK_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), "F_SEAL_FUTURE_WRITE despite the writable mapping");
        w[0] = 'F';
        CHECK(pread(fd, buf, 1, 0) == 1 && buf[0] == 'F', "the existing writable mapping still writes");
        CHECK_ERR(pwrite(fd, "x", 1, 0), EPERM, "pwrite -> EPERM");
        CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EPERM,
                      "new writable MAP_SHARED -> EPERM");
        char *r2 = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
        CHECK(r2 != MAP_FAILED && r2[0] == 'F', "new read-only mapping allowed");
        if (r2 != MAP_FAILED) {
            CHECK_ERR(mprotect(r2, pg, PROT_READ | PROT_WRITE), EACCES, "and cannot be made writable (EACCES)");
            munmap(r2, pg);
        }
        CHECK_OK(ftruncate(fd, 2 * pg), "FUTURE_WRITE does not block growing");
        munmap(w, pg);
    }
    if (fd >= 0)
        close(fd);

    /* Without MFD_ALLOW_SEALING. */
    fd = memfd_create("nosealing", 0);
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL, "without MFD_ALLOW_SEALING seals are F_SEAL_SEAL");
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), EPERM, "and F_ADD_SEALS -> EPERM");
    close(fd);

    /* Exec seals (Linux 6.3+). */
    fd = memfd_create("noexec", MFD_NOEXEC_SEAL);
    CHECK(fd >= 0, "memfd_create(MFD_NOEXEC_SEAL)");
    if (fd >= 0) {
        int s = fcntl(fd, F_GET_SEALS);
        CHECK(s >= 0 && (s & F_SEAL_EXEC) && !(s & F_SEAL_SEAL), "MFD_NOEXEC_SEAL: F_SEAL_EXEC set, sealing allowed");
        CHECK(fstat(fd, &st) == 0 && (st.st_mode & 0111) == 0, "mode has no execute bits");
        CHECK_ERR(fchmod(fd, 0755), EPERM, "fchmod +x under F_SEAL_EXEC -> EPERM");
        close(fd);
    }
    CHECK_ERR(memfd_create("x", MFD_EXEC | MFD_NOEXEC_SEAL), EINVAL, "MFD_EXEC|MFD_NOEXEC_SEAL -> EINVAL");

    /* Names and flags. */
    {
        char name[260];
        memset(name, 'n', sizeof(name));
        name[249] = 0;
        fd = memfd_create(name, 0);
        CHECK(fd >= 0, "249-byte name accepted");
        if (fd >= 0)
            close(fd);
        name[249] = 'n';
        name[250] = 0;
        CHECK_ERR(memfd_create(name, 0), EINVAL, "250-byte name -> EINVAL");
    }
    CHECK_ERR(memfd_create("x", 0x80), EINVAL, "unknown flag -> EINVAL");
    CHECK_ERR(memfd_create("x", MFD_HUGETLB | 0x80), EINVAL, "unknown flag with MFD_HUGETLB -> EINVAL");
    fd = memfd_create("a/b", 0);
    CHECK(fd >= 0, "a slash in the name is accepted (names are not paths)");
    if (fd >= 0)
        close(fd);
    CHECK_DONE();
}
