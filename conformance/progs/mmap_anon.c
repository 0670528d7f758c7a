/* mmap_anon: anonymous private mappings, MAP_FIXED, mprotect, mremap, madvise. */
/* area: memory */
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

int main(void)
{
    unsigned char *p, *q, *r;

    p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap 4 anonymous private pages");
    CHECK_EQ((uintptr_t)p % PG, 0, "mapping is page aligned");
    CHECK(all_bytes(p, 4 * PG, 0), "new anonymous memory is zero-filled");
    memset(p, 0xab, 4 * PG);
    CHECK(all_bytes(p, 4 * PG, 0xab), "memory is writable and reads back");

    /* MAP_FIXED over the second page replaces it with fresh zero memory. */
    q = mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p + PG, "MAP_FIXED returns the requested address");
    CHECK(all_bytes(q, PG, 0) && all_bytes(p, PG, 0xab) && all_bytes(p + 2 * PG, PG, 0xab),
          "MAP_FIXED page is zero, neighbours untouched");

    CHECK_EQ(mprotect(p, PG, PROT_READ), 0, "mprotect page to PROT_READ");
    CHECK(all_bytes(p, PG, 0xab), "read-only page still readable");
    CHECK_EQ(mprotect(p, PG, PROT_READ | PROT_WRITE), 0, "mprotect back to RW");
    p[0] = 1;
    CHECK_EQ(p[0], 1, "page writable again after mprotect RW");
    CHECK_ERR(mprotect(p + 1, PG, PROT_READ), EINVAL, "mprotect unaligned address -> EINVAL");

    /* madvise(MADV_DONTNEED) drops private anonymous pages: they read back as zero. */
    CHECK_EQ(madvise(p + 2 * PG, PG, MADV_DONTNEED), 0, "madvise MADV_DONTNEED");
    CHECK(all_bytes(p + 2 * PG, PG, 0), "DONTNEED page reads back as zeros");
    CHECK(all_bytes(p + 3 * PG, PG, 0xab), "page after DONTNEED range untouched");

    /* mremap: shrink in place, then grow with MREMAP_MAYMOVE keeping contents. */
    r = mremap(p, 4 * PG, 2 * PG, 0);
    CHECK(r == p, "mremap shrink 4->2 pages stays in place");
    CHECK(r[0] == 1 && all_bytes(r + 1, PG - 1, 0xab), "content kept after shrink");
    memset(r + PG, 0x5a, PG);
    r = mremap(r, 2 * PG, 64 * PG, MREMAP_MAYMOVE);
    CHECK(r != MAP_FAILED, "mremap grow 2->64 pages with MAYMOVE");
    CHECK(r[0] == 1 && all_bytes(r + 1, PG - 1, 0xab) && all_bytes(r + PG, PG, 0x5a),
          "content preserved after grow");
    CHECK(all_bytes(r + 2 * PG, 62 * PG, 0), "grown area is zero-filled");
    r[64 * PG - 1] = 7;
    CHECK_EQ(r[64 * PG - 1], 7, "last byte of grown mapping is writable");

    /* Growing without MAYMOVE when the next page is occupied fails with ENOMEM. */
    q = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(q + 2 * PG, PG);
    munmap(q + PG, PG);
    q = mmap(q + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK_PTR_ERR(mremap(q - PG, PG, 2 * PG, 0), ENOMEM, "mremap grow into occupied range -> ENOMEM");
    munmap(q - PG, 2 * PG);

    CHECK_EQ(munmap(r, 64 * PG), 0, "munmap grown mapping");
    CHECK_ERR(munmap((char *)r + 1, PG), EINVAL, "munmap unaligned address -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL,
                  "mmap length 0 -> EINVAL");
    CHECK_PTR_ERR(mmap((void *)(0x10000000UL + 123), PG, PROT_READ,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                  EINVAL, "MAP_FIXED with unaligned address -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL,
                  "mmap without MAP_PRIVATE/MAP_SHARED -> EINVAL");
    CHECK_PTR_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0), EBADF,
                  "file mapping with fd -1 -> EBADF");
    CHECK_DONE();
}
