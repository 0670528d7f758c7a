/* posix_shm: shm_open/shm_unlink on /dev/shm: creation flags, sizing, sharing with a child, unlink semantics, permissions, names. */
/* syscalls: openat, ftruncate, fstat, newfstatat, mmap, munmap, unlink, fcntl, fchmod, umask, pread64, fork, wait4, setuid, close */
/* area: ipc */
#include "check.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
    char name[64], path[96];
    struct stat st;
    pid_t pid;
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (stat("/dev/shm", &st) != 0 || !S_ISDIR(st.st_mode)) {
        CHECK_SKIP("POSIX shared memory", "/dev/shm is missing");
        CHECK_DONE();
    }
    umask(022);
    snprintf(name, sizeof(name), "/posix_shm.%d%s", (int)getpid(), CONF_TAG);
    snprintf(path, sizeof(path), "/dev/shm%s", name);
    shm_unlink(name);

    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0, "shm_open O_CREAT|O_EXCL|O_RDWR");
    if (fd < 0) {
        shm_unlink(name);
        CHECK_DONE();
    }
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "descriptor is close-on-exec");
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR, "descriptor is O_RDWR");
    CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600 && st.st_size == 0,
          "/dev/shm/NAME is a 0600 regular file of size 0");
    CHECK_ERR(shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST, "O_CREAT|O_EXCL again -> EEXIST");
    int fd2 = shm_open(name, O_CREAT | O_RDWR, 0777);
    CHECK(fd2 >= 0 && fstat(fd2, &st) == 0 && (st.st_mode & 0777) == 0600, "O_CREAT on an existing object keeps its mode");
    if (fd2 >= 0)
        close(fd2);

    CHECK_OK(ftruncate(fd, 3 * pg), "ftruncate to 3 pages");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 3 * pg, "fstat size 3 pages");
    char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED, "MAP_SHARED mapping");
    if (m == MAP_FAILED) {
        shm_unlink(name);
        CHECK_DONE();
    }
    CHECK(m[0] == 0 && m[3 * pg - 1] == 0, "new object is zero-filled");
    strcpy(m, "parent");

    /* A child opens the object by name and maps it separately. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int cfd = shm_open(name, O_RDWR, 0);
        if (cfd < 0)
            _exit(1);
        char *c = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
        if (c == MAP_FAILED)
            _exit(2);
        if (strcmp(c, "parent") != 0)
            _exit(3);
        strcpy(c + 2 * pg, "child");
        m[100] = 'i'; /* the inherited mapping is shared too */
        _exit(0);
    }
    CHECK_EQ(wait_code(pid), 0, "child opened by name and saw the parent's data");
    CHECK(strcmp(m + 2 * pg, "child") == 0 && m[100] == 'i', "child's writes are visible to the parent");
    {
        char b[8] = {0};
        CHECK(pread(fd, b, 5, 2 * pg) == 5 && strcmp(b, "child") == 0, "and to read() on the descriptor");
    }

    /* Read-only descriptors. */
    int rfd = shm_open(name, O_RDONLY, 0);
    CHECK(rfd >= 0, "shm_open O_RDONLY");
    CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0), EACCES,
                  "writable MAP_SHARED on the O_RDONLY descriptor -> EACCES");
    char *r = mmap(NULL, pg, PROT_READ, MAP_SHARED, rfd, 0);
    CHECK(r != MAP_FAILED && strcmp(r, "parent") == 0, "read-only mapping works");
    if (r != MAP_FAILED)
        munmap(r, pg);
    CHECK_ERR(ftruncate(rfd, pg), EINVAL, "ftruncate on the O_RDONLY descriptor -> EINVAL");
    close(rfd);

    /* Permissions for another user. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (setuid(65534) != 0)
            _exit(100);
        int bad = 0, f;
        if ((f = shm_open(name, O_RDWR, 0)) != -1 || errno != EACCES)
            bad |= 1;
        if ((f = shm_open(name, O_RDONLY, 0)) != -1 || errno != EACCES)
            bad |= 2;
        if (shm_unlink(name) != -1 || errno != EACCES)
            bad |= 4; /* /dev/shm is sticky: only the owner may unlink */
        _exit(bad);
    }
    CHECK_EQ(wait_code(pid), 0, "uid 65534 on a 0600 object: open EACCES, unlink EACCES"); /* needs root: setuid */
    CHECK_OK(fchmod(fd, 0644), "fchmod 0644");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (setuid(65534) != 0)
            _exit(100);
        int f = shm_open(name, O_RDONLY, 0);
        if (f < 0)
            _exit(1);
        char *c = mmap(NULL, pg, PROT_READ, MAP_SHARED, f, 0);
        if (c == MAP_FAILED || strcmp(c, "parent") != 0)
            _exit(2);
        _exit(shm_open(name, O_RDWR, 0) == -1 && errno == EACCES ? 0 : 3);
    }
    CHECK_EQ(wait_code(pid), 0, "uid 65534 on a 0644 object: O_RDONLY maps, O_RDWR EACCES"); /* needs root: setuid */

    /* O_TRUNC. */
    fd2 = shm_open(name, O_RDWR | O_TRUNC, 0);
    CHECK(fd2 >= 0 && fstat(fd2, &st) == 0 && st.st_size == 0, "O_TRUNC truncates the object to 0");
    CHECK_OK(ftruncate(fd2, pg), "ftruncate back to one page");
    CHECK_EQ(m[0], 0, "old contents discarded by the truncation");
    close(fd2);

    /* Unlink. */
    CHECK_OK(shm_unlink(name), "shm_unlink");
    CHECK(stat(path, &st) == -1 && errno == ENOENT, "/dev/shm/NAME is gone");
    CHECK_ERR(shm_open(name, O_RDWR, 0), ENOENT, "shm_open after unlink -> ENOENT");
    CHECK_ERR(shm_unlink(name), ENOENT, "second shm_unlink -> ENOENT");
    m[1] = 'u';
    CHECK(m[1] == 'u' && fstat(fd, &st) == 0 && st.st_nlink == 0, "mapping and descriptor survive the unlink (nlink 0)");
    munmap(m, 3 * pg);
    close(fd);

    /* Names. */
    CHECK_ERR(shm_open("/a/b", O_CREAT | O_RDWR, 0600), EINVAL, "name with an inner slash -> EINVAL");
    CHECK_ERR(shm_open("/", O_CREAT | O_RDWR, 0600), EINVAL, "name \"/\" -> EINVAL");
    CHECK_ERR(shm_open("/..", O_CREAT | O_RDWR, 0600), EINVAL, "name \"/..\" -> EINVAL");
    {
        char longname[300];
        longname[0] = '/';
        memset(longname + 1, 'p', 280);
        longname[281] = 0;
        CHECK_ERR(shm_open(longname, O_CREAT | O_RDWR, 0600), EINVAL, "name over NAME_MAX -> EINVAL (glibc checks the name)");
    }
    char nm2[72];
    snprintf(nm2, sizeof(nm2), "%s.noslash", name + 1);
    fd = shm_open(nm2, O_CREAT | O_EXCL | O_RDWR, 0600);
    snprintf(path, sizeof(path), "/dev/shm/%s", nm2);
    CHECK(fd >= 0 && stat(path, &st) == 0, "name without a leading slash is accepted (glibc)");
    if (fd >= 0)
        close(fd);
    shm_unlink(nm2);
    CHECK_DONE();
}
