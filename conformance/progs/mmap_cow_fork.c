/* mmap_cow_fork: copy-on-write of private mappings across fork, sharing of MAP_SHARED anon/file mappings, per-process mprotect/munmap. */
/* syscalls: fork, mmap, munmap, mprotect, pipe2, poll, read, write, pwrite64, pread64, openat, ftruncate, wait4, exit_group, unlink, close */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int to_child[2], to_parent[2];

/* Reads one byte with a 2 s bound; -1 on timeout/EOF. */
static int get(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    unsigned char c;
    if (poll(&p, 1, 2000) != 1 || read(fd, &c, 1) != 1)
        return -1;
    return c;
}

static void put(int fd, int v)
{
    unsigned char c = (unsigned char)v;
    if (write(fd, &c, 1) != 1)
        _exit(99);
}

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
    char path[64], buf[8];
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    snprintf(path, sizeof(path), "/tmp/mmap_cow_fork.%d%s", (int)getpid(), CONF_TAG);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, 2 * pg) == 0 && pwrite(fd, "file", 4, 0) == 4 && pwrite(fd, "two", 3, pg) == 3,
          "temp file of 2 pages");
    char *pa = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *sa = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *pf = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char *sf = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *mp = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pa != MAP_FAILED && sa != MAP_FAILED && pf != MAP_FAILED && sf != MAP_FAILED && mp != MAP_FAILED,
          "private/shared anonymous and file mappings");
    CHECK(pipe2(to_child, 0) == 0 && pipe2(to_parent, 0) == 0, "two pipes");
    if (pa == MAP_FAILED || sa == MAP_FAILED || pf == MAP_FAILED || sf == MAP_FAILED || mp == MAP_FAILED) {
        unlink(path);
        CHECK_DONE();
    }

    strcpy(pa, "parent");
    strcpy(sa, "shared");
    memcpy(pf, "PRIV", 4); /* page 0 of pf COWed in the parent before fork; page 1 untouched */
    mp[0] = 'm';

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        signal(SIGALRM, SIG_DFL);
        alarm(5);
        /* Step 1: inherited contents. */
        if (strcmp(pa, "parent") || strcmp(sa, "shared") || memcmp(pf, "PRIV", 4) || memcmp(sf, "file", 4))
            bad |= 1;
        strcpy(pa, "child!");
        memcpy(pf, "KIDS", 4);
        strcpy(sa, "fromkid");
        if (pwrite(fd, "kidw", 4, 100) != 4)
            bad |= 2;
        if (mprotect(mp, pg, PROT_READ) != 0)
            bad |= 4;
        put(to_parent[1], 1);
        /* Step 2: parent has written; check what the child sees. */
        if (get(to_child[0]) != 2)
            _exit(98);
        if (strcmp(pa, "child!"))
            bad |= 8; /* parent's later write to the private page is invisible */
        if (strcmp(sa, "parent2"))
            bad |= 16; /* parent's write to the shared page is visible */
        if (pread(fd, buf, 4, 200) != 4 || memcmp(buf, "mapw", 4))
            bad |= 32; /* parent's store into the shared file mapping reached the file */
        if (memcmp(pf + pg, "late", 4))
            bad |= 64; /* untouched private file page follows the file */
        if (munmap(sa, pg) != 0)
            bad |= 128;
        put(to_parent[1], 3);
        _exit(bad);
    }
    CHECK(pid > 0, "fork");
    if (pid < 0) {
        unlink(path);
        CHECK_DONE();
    }
    CHECK_EQ(get(to_parent[0]), 1, "child finished step 1");
    CHECK_STREQ(pa, "parent", "child's write to private anon page is invisible to the parent");
    CHECK_EQ(memcmp(pf, "PRIV", 4), 0, "child's write to private file page is invisible to the parent");
    CHECK(pread(fd, buf, 4, 0) == 4 && memcmp(buf, "file", 4) == 0, "private writes never reach the file");
    CHECK_STREQ(sa, "fromkid", "child's write to MAP_SHARED anon page is visible to the parent");
    CHECK_EQ(memcmp(sf + 100, "kidw", 4), 0, "child's write() to the file shows in the parent's shared mapping");
    mp[1] = 'x';
    CHECK_EQ(mp[1], 'x', "child's mprotect(PROT_READ) does not affect the parent's mapping");

    strcpy(pa, "parnt2");
    strcpy(sa, "parent2");
    memcpy(sf + 200, "mapw", 4);
    CHECK_EQ(pwrite(fd, "late", 4, pg), 4, "parent write()s to page 1 of the file");
    CHECK_EQ(memcmp(pf + pg, "late", 4), 0, "parent's untouched private file page follows the file");
    put(to_child[1], 2);
    CHECK_EQ(get(to_parent[0]), 3, "child finished step 2");
    int code = wait_code(pid);
    CHECK_EQ(code & 1, 0, "child saw the pre-fork contents of all mappings");
    CHECK_EQ(code & 8, 0, "parent's write after fork is invisible in the child's private page");
    CHECK_EQ(code & 16, 0, "parent's write to MAP_SHARED anon page is visible to the child");
    CHECK_EQ(code & 32, 0, "parent's store into the shared file mapping is visible to the child's pread");
    CHECK_EQ(code & 64, 0, "child's untouched private file page also follows the file");
    CHECK_EQ(code & (2 | 4 | 128), 0, "child pwrite/mprotect/munmap succeeded");
    CHECK_EQ(code & ~0xff, 0, "child exited normally");
    CHECK_STREQ(sa, "parent2", "child's munmap of the shared page does not unmap it in the parent");
    CHECK_STREQ(pa, "parnt2", "parent's private page keeps its own write");

    /* Grandchild chain: COW state survives two forks. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        strcpy(pa, "gen1");
        pid_t g = fork();
        if (g == 0)
            _exit(strcmp(pa, "gen1") == 0 && (strcpy(pa, "gen2"), 1) ? 0 : 1);
        int st;
        if (waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            _exit(2);
        _exit(strcmp(pa, "gen1") == 0 ? 0 : 3);
    }
    CHECK_EQ(wait_code(pid), 0, "grandchild inherits the child's copy; its write stays private");
    CHECK_STREQ(pa, "parnt2", "parent unaffected by the chain");

    /* Many COW faults: a 64-page private region written by the child. */
    char *big = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(big != MAP_FAILED, "mmap 64 pages");
    if (big != MAP_FAILED) {
        for (int i = 0; i < 64; i++)
            big[i * pg] = (char)i;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            for (int i = 0; i < 64; i++)
                if (big[i * pg] != (char)i)
                    _exit(1);
            for (int i = 0; i < 64; i++)
                big[i * pg] = (char)(100 + i);
            _exit(0);
        }
        CHECK_EQ(wait_code(pid), 0, "child sees all 64 pages and rewrites them");
        int ok = 1;
        for (int i = 0; i < 64; i++)
            ok &= big[i * pg] == (char)i;
        CHECK(ok, "parent's 64 pages unchanged");
        munmap(big, 64 * pg);
    }
    close(fd);
    unlink(path);
    CHECK_DONE();
}
