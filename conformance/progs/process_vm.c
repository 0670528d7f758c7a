/* process_vm: process_vm_readv/process_vm_writev on self and a child: scatter/gather, partial transfers, errnos, permissions. */
/* syscalls: process_vm_readv, process_vm_writev, mmap, munmap, mprotect, fork, wait4, pipe2, poll, read, write, setuid, getpid */
/* area: memory */
#include "check.h"

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int read_bounded(int fd, void *buf, size_t len)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 2000) != 1)
        return -1;
    return (int)read(fd, buf, len);
}

static ssize_t rv(pid_t pid, void *l, size_t ll, void *r, size_t rl)
{
    struct iovec li = {l, ll}, ri = {r, rl};
    return process_vm_readv(pid, &li, 1, &ri, 1, 0);
}

static ssize_t wv(pid_t pid, void *l, size_t ll, void *r, size_t rl)
{
    struct iovec li = {l, ll}, ri = {r, rl};
    return process_vm_writev(pid, &li, 1, &ri, 1, 0);
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    pid_t me = getpid(), pid;
    char src[64] = "process_vm source buffer", dst[64];
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Self. */
    memset(dst, 0, sizeof(dst));
    CHECK_EQ(rv(me, dst, 25, src, 25), 25, "process_vm_readv from self returns 25");
    CHECK_STREQ(dst, "process_vm source buffer", "bytes copied");
    CHECK_EQ(wv(me, "WRITTEN", 7, dst, 7), 7, "process_vm_writev to self returns 7");
    CHECK_EQ(memcmp(dst, "WRITTEN", 7), 0, "bytes written");
    CHECK_EQ(rv(me, dst, 0, src, 0), 0, "zero-length transfer returns 0");
    CHECK_EQ(rv(me, dst, 10, src, 4), 4, "transfer limited by the shorter side (remote 4)");
    CHECK_EQ(rv(me, dst, 3, src, 10), 3, "transfer limited by the shorter side (local 3)");
    {
        /* Scatter/gather: remote 3 pieces into local 2 pieces. */
        char a[5] = {0}, b[10] = {0};
        struct iovec li[2] = {{a, 4}, {b, 8}};
        struct iovec ri[3] = {{src, 2}, {src + 10, 6}, {src + 20, 4}};
        CHECK_EQ(process_vm_readv(me, li, 2, ri, 3, 0), 12, "readv 3 remote -> 2 local iovecs: 12 bytes");
        CHECK(memcmp(a, "pr s", 4) == 0 && memcmp(b, "ourcffer", 8) == 0, "data laid out in iovec order");
    }

    /* Partial transfers and faults. */
    char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED, "mmap 3 pages");
    if (m == MAP_FAILED)
        CHECK_DONE();
    memset(m, 'm', 2 * pg);
    munmap(m + pg, pg);
    mprotect(m + 2 * pg, pg, PROT_READ);
    {
        char big[512];
        CHECK_EQ(rv(me, big, 200, m + pg - 100, 200), 100, "remote range running into a hole: partial read of 100");
        CHECK_EQ(wv(me, big, 200, m + pg - 100, 200), 100, "same for writev: 100 bytes");
        struct iovec li = {big, 300};
        struct iovec ri[2] = {{m, 50}, {m + pg, 50}};
        CHECK_EQ(process_vm_readv(me, &li, 1, ri, 2, 0), 50, "second remote iovec unmapped: only the first counts");
        CHECK_ERR(rv(me, big, 10, m + pg, 10), EFAULT, "remote fully unmapped -> EFAULT");
        CHECK_ERR(wv(me, big, 10, m + pg + 100, 10), EFAULT, "writev to unmapped remote -> EFAULT");
        CHECK_ERR(wv(me, big, 10, m + 2 * pg, 10), EFAULT, "writev to a read-only remote page -> EFAULT");
        CHECK_EQ(rv(me, big, 10, m + 2 * pg, 10), 10, "readv from a read-only page works");
        CHECK_ERR(rv(me, m + pg, 10, src, 10), EFAULT, "local buffer unmapped -> EFAULT");
        CHECK_ERR(rv(me, m + 2 * pg, 10, src, 10), EFAULT, "readv into a read-only local buffer -> EFAULT");
    }

    /* Argument errors. */
    {
        struct iovec li = {dst, 4}, ri = {src, 4};
        CHECK_ERR(process_vm_readv(me, &li, 1, &ri, 1, 1), EINVAL, "flags 1 -> EINVAL");
        CHECK_ERR(process_vm_writev(me, &li, 1, &ri, 1, 0x80), EINVAL, "writev flags != 0 -> EINVAL");
        CHECK_ERR(process_vm_readv(me, &li, IOV_MAX + 1, &ri, 1, 0), EINVAL, "liovcnt > IOV_MAX -> EINVAL");
        CHECK_ERR(process_vm_readv(me, &li, 1, &ri, IOV_MAX + 1, 0), EINVAL, "riovcnt > IOV_MAX -> EINVAL");
        CHECK_ERR(process_vm_readv(INT_MAX, &li, 1, &ri, 1, 0), ESRCH, "nonexistent pid -> ESRCH");
        CHECK_ERR(process_vm_readv(me, &li, 1, (struct iovec *)8, 1, 0), EFAULT, "bad remote iovec array -> EFAULT");
    }

    /* A forked child publishes a buffer address over a pipe. */
    int up[2], down[2];
    CHECK(pipe2(up, 0) == 0 && pipe2(down, 0) == 0, "two pipes");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char go;
        char *buf = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        signal(SIGALRM, SIG_DFL);
        alarm(5);
        if (buf == MAP_FAILED || munmap(buf + pg, pg) != 0)
            _exit(1); /* leaves a hole right after the buffer */
        strcpy(buf, "child secret");
        uintptr_t addr = (uintptr_t)buf;
        if (write(up[1], &addr, sizeof(addr)) != sizeof(addr))
            _exit(2);
        if (read(down[0], &go, 1) != 1)
            _exit(3);
        _exit(strcmp(buf + 100, "from parent") == 0 && strcmp(buf, "child secret") == 0 ? 0 : 4);
    }
    uintptr_t caddr = 0;
    int got = read_bounded(up[0], &caddr, sizeof(caddr));
    CHECK_EQ(got, (int)sizeof(caddr), "child sent its buffer address");
    if (got == sizeof(caddr)) {
        memset(dst, 0, sizeof(dst));
        CHECK_EQ(rv(pid, dst, 12, (void *)caddr, 12), 12, "readv from the child returns 12");
        CHECK_STREQ(dst, "child secret", "child's memory read");
        CHECK_EQ(wv(pid, "from parent", 12, (char *)caddr + 100, 12), 12, "writev into the child returns 12");
        CHECK_ERR(rv(pid, dst, 8, (char *)caddr + pg, 8), EFAULT, "child address past its buffer (unmapped) -> EFAULT");
    }
    if (write(down[1], "g", 1) != 1)
        NOTE("release write failed");
    CHECK_EQ(wait_code(pid), 0, "child saw the parent's write and kept its own data");
    CHECK_ERR(rv(pid, dst, 8, (void *)caddr, 8), ESRCH, "reaped child -> ESRCH");

    /* Unprivileged process targeting root (the parent). */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char b[8];
        if (setuid(65534) != 0)
            _exit(100);
        if (rv(me, b, 8, src, 8) != -1 || errno != EPERM)
            _exit(1);
        if (wv(me, b, 8, dst, 8) != -1 || errno != EPERM)
            _exit(2);
        _exit(rv(getpid(), b, 8, src, 8) == 8 ? 0 : 3); /* itself: still allowed */
    }
    CHECK_EQ(wait_code(pid), 0, "uid 65534 -> root process: EPERM for readv and writev; self ok"); /* needs root: setuid */
    munmap(m, pg);
    munmap(m + 2 * pg, pg);
    CHECK_DONE();
}
