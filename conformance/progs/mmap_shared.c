/* mmap_shared: shared vs private anonymous memory across fork, MAP_FIXED(_NOREPLACE), mincore, msync, madvise. */
/* syscalls: mmap, munmap, mremap, mincore, msync, madvise, fork, wait4, open, ftruncate, pread64 */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define DIR "/tmp/conf_mmap_shared" CONF_TAG

static int run_child(void (*fn)(void *), void *arg)
{
    int status;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    return status;
}

static void write_page(void *p) { memcpy(p, "from child", 11); }
static void count_up(void *p)
{
    for (int i = 0; i < 10000; i++)
        __atomic_fetch_add((int *)p, 1, __ATOMIC_SEQ_CST);
}
static void touch(void *p) { *(volatile char *)p = 1; }
static void check_zero(void *p) { _exit(((char *)p)[0] == 0 ? 0 : 1); }

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char vec[4];
    char *sh, *pr, *r, *q;
    int status;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    sh = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pr = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(sh != MAP_FAILED && pr != MAP_FAILED, "mmap shared and private anonymous");
    CHECK(sh[0] == 0 && sh[pg] == 0, "anonymous shared memory is zero-filled");

    run_child(write_page, sh);
    CHECK_STREQ(sh, "from child", "MAP_SHARED: child's write visible in parent");
    run_child(write_page, pr);
    CHECK_EQ(pr[0], 0, "MAP_PRIVATE: child's write not visible in parent");

    *(int *)(sh + pg) = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        count_up(sh + pg);
        _exit(0);
    }
    count_up(sh + pg);
    waitpid(pid, &status, 0);
    CHECK_EQ(*(int *)(sh + pg), 20000, "atomic increments from parent and child on shared page");

    /* madvise. */
    memcpy(pr, "private", 8);
    CHECK_OK(madvise(pr, pg, MADV_DONTNEED), "MADV_DONTNEED on private anon");
    CHECK_EQ(pr[0], 0, "private anon page reads as zero after MADV_DONTNEED");
    CHECK_OK(madvise(sh, pg, MADV_DONTNEED), "MADV_DONTNEED on shared anon");
    CHECK_STREQ(sh, "from child", "shared anon page keeps its contents after MADV_DONTNEED");
    CHECK_OK(madvise(pr, pg, MADV_DONTFORK), "MADV_DONTFORK");
    status = run_child(touch, pr);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "MADV_DONTFORK page is absent in the child (SIGSEGV)");
    madvise(pr, pg, MADV_DOFORK);
    memcpy(pr, "wipe", 5);
    CHECK_OK(madvise(pr, pg, MADV_WIPEONFORK), "MADV_WIPEONFORK");
    status = run_child(check_zero, pr);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "MADV_WIPEONFORK page is zero in the child");
    CHECK_STREQ(pr, "wipe", "and intact in the parent");
    CHECK_ERR(madvise(pr + 1, pg, MADV_DONTNEED), EINVAL, "madvise unaligned -> EINVAL");
    CHECK_ERR(madvise(pr, pg, 12345), EINVAL, "madvise bad advice -> EINVAL");

    /* MAP_FIXED_NOREPLACE / MAP_FIXED. */
    r = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(r + pg, pg);
    CHECK_PTR_ERR(mmap(r, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST,
                  "MAP_FIXED_NOREPLACE over a mapping -> EEXIST");
    CHECK_PTR_ERR(mmap(r, 2 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST,
                  "MAP_FIXED_NOREPLACE partially overlapping -> EEXIST");
    q = mmap(r + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == r + pg, "MAP_FIXED_NOREPLACE into the hole returns exactly that address");
    if (q != r + pg) /* keep going with a hole-free region if the hint was not honoured */
        mmap(r + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    r[0] = 'x';
    q = mmap(r, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == r && r[0] == 0, "MAP_FIXED replaces an existing mapping with fresh zero pages");

    /* mincore. */
    CHECK_OK(madvise(r, 3 * pg, MADV_DONTNEED), "drop pages");
    r[pg] = 1;
    CHECK_OK(mincore(r, 3 * pg, vec), "mincore on 3 pages");
    CHECK(vec[1] & 1, "touched page is resident");
    CHECK(!(vec[0] & 1) && !(vec[2] & 1), "untouched anon pages are not resident");
    CHECK_ERR(mincore(r + 1, pg, vec), EINVAL, "mincore unaligned address -> EINVAL");
    munmap(r, 3 * pg);
    CHECK_ERR(mincore(r, pg, vec), ENOMEM, "mincore on unmapped range -> ENOMEM");

    /* msync. */
    CHECK_OK(msync(sh, pg, MS_SYNC), "msync MS_SYNC on shared anon");
    CHECK_ERR(msync(sh + 1, pg, MS_SYNC), EINVAL, "msync unaligned -> EINVAL");
    CHECK_ERR(msync(sh, pg, MS_SYNC | MS_ASYNC), EINVAL, "msync MS_SYNC|MS_ASYNC -> EINVAL");
    CHECK_ERR(msync(r, pg, MS_SYNC), ENOMEM, "msync unmapped -> ENOMEM");

    /* File-backed shared mapping. */
    {
        int fd = open(DIR "/f", O_RDWR | O_CREAT | O_TRUNC, 0600);
        char buf[8] = { 0 };
        ftruncate(fd, pg);
        char *fm = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        memcpy(fm, "filemap", 7);
        CHECK_OK(msync(fm, pg, MS_SYNC), "msync file mapping");
        CHECK(pread(fd, buf, 7, 0) == 7 && memcmp(buf, "filemap", 7) == 0, "MAP_SHARED file write visible to pread");
        munmap(fm, pg);
        fm = mmap(NULL, pg, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);
        CHECK(fm != MAP_FAILED, "MAP_SHARED_VALIDATE file mapping");
        munmap(fm, pg);
        CHECK_PTR_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED_VALIDATE | 0x400000, fd, 0), EOPNOTSUPP,
                      "MAP_SHARED_VALIDATE with unknown flag -> EOPNOTSUPP");
        close(fd);
        unlink(DIR "/f");
    }

    /* mremap keeps shared contents. */
    /* (Touching beyond the 2-page shmem object would raise SIGBUS, so only the old part is read.) */
    q = mremap(sh, 2 * pg, 8 * pg, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED && strcmp(q, "from child") == 0, "mremap grow of shared anon keeps contents");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        memcpy(q, "after mremap", 13);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    CHECK_STREQ(q, "after mremap", "moved shared mapping is still shared with a new child");

    CHECK_ERR(munmap(q + 1, pg), EINVAL, "munmap unaligned -> EINVAL");
    CHECK_ERR(munmap(q, 0), EINVAL, "munmap length 0 -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, 0, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0), EINVAL, "mmap length 0 -> EINVAL");
    munmap(q, 8 * pg);
    (void)pid;
    munmap(pr, pg);
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
