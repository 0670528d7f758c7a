/* mremap_cases: growing in place, moving, MREMAP_FIXED, shrinking, MREMAP_DONTUNMAP, duplication and errnos. */
/* syscalls: mremap, mmap, munmap, mincore, memfd_create, ftruncate, pwrite64, close */
/* area: memory */
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static long pg;

/* 1 if [p, p+len) is fully mapped, 0 if some page is not (mincore ENOMEM). */
static int mapped(void *p, size_t len)
{
    unsigned char vec[64];
    return mincore(p, len, vec) == 0;
}

static void *rm(void *old, size_t ol, size_t nl, int flags, void *na)
{
    return mremap(old, ol, nl, flags, na);
}

static int filled(const char *p, size_t len, char c)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != c)
            return 0;
    return 1;
}

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pg = sysconf(_SC_PAGESIZE);

    /* 8 pages reserved, only the first kept: room to grow in place. */
    char *m = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED, "mmap 8 pages");
    if (m == MAP_FAILED)
        CHECK_DONE();
    munmap(m + pg, 7 * pg);
    memset(m, 'a', pg);

    char *r = rm(m, pg, 4 * pg, 0, NULL);
    CHECK(r == m, "grow 1 -> 4 pages in place (room after) returns the same address");
    CHECK(r == m && filled(m, pg, 'a') && m[pg] == 0 && m[4 * pg - 1] == 0,
          "grown mapping keeps content, new pages zero-filled");
    CHECK(mapped(m, 4 * pg), "all 4 pages mapped");
    memset(m, 'b', 4 * pg);

    /* Block further growth with a page right after it. */
    char *blk = mmap(m + 4 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(blk == m + 4 * pg, "map a blocking page right after");
    CHECK_PTR_ERR(rm(m, 4 * pg, 6 * pg, 0, NULL), ENOMEM, "grow in place blocked, no MREMAP_MAYMOVE -> ENOMEM");
    CHECK(mapped(m, 4 * pg) && filled(m, 4 * pg, 'b'), "failed mremap leaves the mapping intact");

    char *mv = rm(m, 4 * pg, 6 * pg, MREMAP_MAYMOVE, NULL);
    CHECK(mv != MAP_FAILED && mv != m, "MREMAP_MAYMOVE moves the mapping");
    if (mv == MAP_FAILED)
        CHECK_DONE();
    CHECK(filled(mv, 4 * pg, 'b') && mv[4 * pg] == 0 && mv[6 * pg - 1] == 0, "moved mapping keeps content");
    CHECK(!mapped(m, pg) && !mapped(m + 3 * pg, pg), "old range is unmapped after the move");
    CHECK(mapped(blk, pg), "blocking page untouched");
    munmap(blk, pg);

    /* Shrink. */
    r = rm(mv, 6 * pg, 2 * pg, 0, NULL);
    CHECK(r == mv, "shrink 6 -> 2 pages returns the same address");
    CHECK(mapped(mv, 2 * pg) && !mapped(mv + 2 * pg, pg) && !mapped(mv + 5 * pg, pg),
          "shrunk tail is unmapped, head kept");
    CHECK(filled(mv, 2 * pg, 'b'), "shrunk mapping keeps content");

    /* MREMAP_FIXED to a chosen address. */
    char *tgt = mmap(NULL, 16 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(tgt != MAP_FAILED, "map a target region");
    r = rm(mv, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, tgt + pg);
    CHECK(r == tgt + pg, "MREMAP_FIXED returns the requested new address");
    CHECK(r == tgt + pg && filled(r, 2 * pg, 'b'), "content moved to the fixed address (replacing what was there)");
    CHECK(!mapped(mv, 2 * pg), "source of the fixed move is unmapped");
    CHECK(mapped(tgt, pg) && mapped(tgt + 3 * pg, pg) && tgt[0] == 0, "target region pages around the move remain");
    mv = tgt + pg;
    r = rm(mv, 2 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, tgt + 8 * pg);
    CHECK(r == tgt + 8 * pg && filled(r, 2 * pg, 'b') && r[2 * pg] == 0, "MREMAP_FIXED can also grow");
    if (r != MAP_FAILED)
        mv = r;

    /* MREMAP_DONTUNMAP: the old range stays mapped but is emptied. */
    memset(mv, 'c', 3 * pg);
    r = rm(mv, 3 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    CHECK(r != MAP_FAILED && r != mv, "MREMAP_DONTUNMAP moves the pages");
    if (r != MAP_FAILED) {
        CHECK(filled(r, 3 * pg, 'c'), "new range has the content");
        CHECK(mapped(mv, 3 * pg), "old range is still mapped");
        CHECK(filled(mv, 3 * pg, 0), "old private anonymous range now reads zeros");
        mv[0] = 'd';
        CHECK(r[0] == 'c', "writing the old range does not affect the new one");
        munmap(r, 3 * pg);
    }
    CHECK_PTR_ERR(rm(mv, 3 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL), EINVAL,
                  "MREMAP_DONTUNMAP with a size change -> EINVAL");
    CHECK_PTR_ERR(rm(mv, 3 * pg, 3 * pg, MREMAP_DONTUNMAP, NULL), EINVAL,
                  "MREMAP_DONTUNMAP without MREMAP_MAYMOVE -> EINVAL");

    /* Argument errors. */
    CHECK_PTR_ERR(rm(mv, pg, 2 * pg, 0x80, NULL), EINVAL, "unknown flag -> EINVAL");
    CHECK_PTR_ERR(rm(mv, pg, pg, MREMAP_FIXED, tgt), EINVAL, "MREMAP_FIXED without MREMAP_MAYMOVE -> EINVAL");
    CHECK_PTR_ERR(rm(mv + 1, pg, 2 * pg, MREMAP_MAYMOVE, NULL), EINVAL, "unaligned old address -> EINVAL");
    CHECK_PTR_ERR(rm(mv, pg, 0, MREMAP_MAYMOVE, NULL), EINVAL, "new length 0 -> EINVAL");
    CHECK_PTR_ERR(rm(mv, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, mv + pg), EINVAL,
                  "MREMAP_FIXED with overlapping old and new ranges -> EINVAL");
    CHECK_PTR_ERR(rm(mv, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, (char *)tgt + 1), EINVAL,
                  "MREMAP_FIXED unaligned new address -> EINVAL");
    CHECK_PTR_ERR(rm(mv, pg, 1UL << 58, MREMAP_MAYMOVE, NULL), EINVAL, "new length above TASK_SIZE -> EINVAL");
    CHECK_EQ(mv[0], 'd', "mapping intact after the failed calls");

    /* Unmapped old range. */
    munmap(mv, 3 * pg);
    CHECK_PTR_ERR(rm(mv, pg, 2 * pg, MREMAP_MAYMOVE, NULL), EFAULT, "unmapped old range -> EFAULT");
    CHECK_PTR_ERR(rm(mv, pg, pg / 2, 0, NULL), EFAULT, "shrink of an unmapped range -> EFAULT");

    /* Duplicating a shared mapping with old_size 0. */
    char *sh = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(sh != MAP_FAILED, "MAP_SHARED anonymous page");
    if (sh != MAP_FAILED) {
        char *dup = rm(sh, 0, pg, MREMAP_MAYMOVE, NULL);
        CHECK(dup != MAP_FAILED && dup != sh, "old_size 0 on a shared mapping creates a second mapping");
        if (dup != MAP_FAILED) {
            sh[10] = 'S';
            CHECK_EQ(dup[10], 'S', "the duplicate shares the same pages");
            munmap(dup, pg);
        }
        munmap(sh, pg);
    }
    char *pv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_PTR_ERR(rm(pv, 0, pg, MREMAP_MAYMOVE, NULL), EINVAL, "old_size 0 on a private mapping -> EINVAL");
    munmap(pv, pg);

    /* File-backed mapping grows to map more of the file. */
    {
        int fd = memfd_create("mremap", 0);
        char *f = MAP_FAILED;
        if (fd >= 0 && ftruncate(fd, 4 * pg) == 0 && pwrite(fd, "tail", 4, 3 * pg) == 4)
            f = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
        CHECK(f != MAP_FAILED, "map the first page of a 4-page memfd");
        if (f != MAP_FAILED) {
            char *g = rm(f, pg, 4 * pg, MREMAP_MAYMOVE, NULL);
            CHECK(g != MAP_FAILED && memcmp(g + 3 * pg, "tail", 4) == 0,
                  "growing a file mapping maps the following file pages");
            if (g != MAP_FAILED)
                munmap(g, 4 * pg);
        }
        if (fd >= 0)
            close(fd);
    }
    munmap(tgt, 16 * pg);
    CHECK_DONE();
}
