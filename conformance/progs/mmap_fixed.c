/* mmap_fixed: MAP_FIXED replacement and splitting, MAP_FIXED_NOREPLACE, hint addresses, address-space limits. */
/* syscalls: mmap, munmap, mprotect, openat, read, close */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static long pg;

/* Number of /proc/self/maps entries overlapping [lo, hi); perms of the one containing probe. */
static int maps_scan(uintptr_t lo, uintptr_t hi, uintptr_t probe, char perms[5])
{
    static char buf[1 << 16];
    int fd = open("/proc/self/maps", O_RDONLY), n = 0;
    ssize_t len = 0, r;
    if (fd < 0)
        return -1;
    while (len < (ssize_t)sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += r;
    close(fd);
    buf[len] = 0;
    if (perms)
        strcpy(perms, "----");
    for (char *line = buf; line && *line;) {
        unsigned long a, b;
        char p[5];
        if (sscanf(line, "%lx-%lx %4s", &a, &b, p) == 3) {
            if (a < hi && b > lo)
                n++;
            if (perms && probe >= a && probe < b)
                memcpy(perms, p, 5);
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return n;
}

static void *amap(void *addr, size_t len, int prot, int flags)
{
    return mmap(addr, len, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
    char perms[5];
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pg = sysconf(_SC_PAGESIZE);

    /* A 4-page region filled with 'A'. */
    char *base = amap(NULL, 4 * pg, PROT_READ | PROT_WRITE, 0);
    CHECK(base != MAP_FAILED, "mmap 4 anonymous pages");
    if (base == MAP_FAILED)
        CHECK_DONE();
    memset(base, 'A', 4 * pg);
    CHECK_EQ(maps_scan((uintptr_t)base, (uintptr_t)base + 4 * pg, 0, NULL), 1,
             "one maps entry covers the fresh region");

    /* MAP_FIXED over the second page replaces it with fresh zero pages. */
    char *r = amap(base + pg, pg, PROT_READ | PROT_WRITE, MAP_FIXED);
    CHECK(r == base + pg, "MAP_FIXED returns exactly the requested address");
    CHECK_EQ(r[0] + r[pg - 1], 0, "MAP_FIXED replacement page is zero-filled (old content gone)");
    CHECK(base[0] == 'A' && base[pg - 1] == 'A' && base[2 * pg] == 'A' && base[4 * pg - 1] == 'A',
          "pages around the MAP_FIXED replacement keep their content");

    /* Replace the third page with a read-only mapping: the region splits into entries. */
    r = amap(base + 2 * pg, pg, PROT_READ, MAP_FIXED);
    CHECK(r == base + 2 * pg, "MAP_FIXED PROT_READ over the third page");
    CHECK(maps_scan((uintptr_t)base, (uintptr_t)base + 4 * pg, (uintptr_t)base + 2 * pg, perms) >= 2 &&
              strncmp(perms, "r--p", 4) == 0,
          "maps shows the replaced page as a separate r--p entry");
    maps_scan(0, 0, (uintptr_t)base + 3 * pg, perms);
    CHECK(strncmp(perms, "rw-p", 4) == 0, "page after it is still rw-p");
    CHECK_EQ(base[2 * pg], 0, "read-only replacement reads zeros");

    /* Replacing a file mapping with anonymous memory. */
    {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/mmap_fixed.%d%s", (int)getpid(), CONF_TAG);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        CHECK(fd >= 0, "create temp file");
        if (fd >= 0) {
            char data[4096];
            memset(data, 'F', sizeof(data));
            int ok = write(fd, data, sizeof(data)) == (ssize_t)sizeof(data);
            char *f = ok ? mmap(base + 3 * pg, pg, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) : MAP_FAILED;
            CHECK(f == base + 3 * pg && f[0] == 'F', "MAP_FIXED file mapping over an anon page shows file data");
            f = amap(base + 3 * pg, pg, PROT_READ | PROT_WRITE, MAP_FIXED);
            CHECK(f == base + 3 * pg && f[0] == 0, "MAP_FIXED anon over the file page: zero again");
            f[0] = 'Z';
            CHECK(pread(fd, data, 1, 0) == 1 && data[0] == 'F', "file is not affected by the replacement");
            close(fd);
        }
        unlink(path);
    }

    /* Unaligned MAP_FIXED addresses. */
    CHECK_PTR_ERR(amap(base + 1, pg, PROT_READ, MAP_FIXED), EINVAL, "MAP_FIXED unaligned address -> EINVAL");
    CHECK_PTR_ERR(amap(base + pg / 2, pg, PROT_READ, MAP_FIXED_NOREPLACE), EINVAL,
                  "MAP_FIXED_NOREPLACE unaligned address -> EINVAL");
    CHECK_EQ(base[0], 'A', "failed MAP_FIXED leaves the existing mapping intact");

    /* MAP_FIXED_NOREPLACE. */
    CHECK_PTR_ERR(amap(base, pg, PROT_READ, MAP_FIXED_NOREPLACE), EEXIST,
                  "MAP_FIXED_NOREPLACE over an existing page -> EEXIST");
    CHECK_PTR_ERR(amap(base - pg, 2 * pg, PROT_READ, MAP_FIXED_NOREPLACE), EEXIST,
                  "MAP_FIXED_NOREPLACE partially overlapping -> EEXIST");
    CHECK_EQ(base[0], 'A', "content kept after EEXIST");
    CHECK_OK(munmap(base + pg, pg), "munmap the second page to make a hole");
    r = amap(base + pg, pg, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE);
    CHECK(r == base + pg, "MAP_FIXED_NOREPLACE in a hole returns the exact address");
    CHECK(r != MAP_FAILED && r[10] == 0, "hole mapping is zero-filled");
    CHECK_OK(munmap(base + pg, pg), "munmap the hole again");
    CHECK_PTR_ERR(amap(base + pg, 2 * pg, PROT_READ, MAP_FIXED_NOREPLACE), EEXIST,
                  "MAP_FIXED_NOREPLACE larger than the hole -> EEXIST");

    /* Hint addresses without MAP_FIXED. */
    r = amap(base + pg, pg, PROT_READ | PROT_WRITE, 0);
    CHECK(r == base + pg, "hint address honoured when that range is free");
    if (r != MAP_FAILED && r != base + pg)
        munmap(r, pg);
    r = amap(base, pg, PROT_READ | PROT_WRITE, 0);
    CHECK(r != MAP_FAILED && r != base, "hint over an existing mapping: placed elsewhere");
    CHECK_EQ(base[0], 'A', "existing mapping untouched by the hinted mmap");
    if (r != MAP_FAILED)
        munmap(r, pg);
    CHECK_OK(munmap(base, 4 * pg), "munmap the whole region (spanning several entries)");
    CHECK_EQ(maps_scan((uintptr_t)base, (uintptr_t)base + 4 * pg, 0, NULL), 0,
             "no maps entries left in the region");
    r = amap(base + 1, pg, PROT_READ, 0);
    /* x86_64 truncates the hint to its page (the generic code would round up). */
    CHECK(r == base, "unaligned free hint is rounded down to its page (x86_64)");
    if (r != MAP_FAILED)
        munmap(r, pg);

    /* Address-space limits. */
    CHECK_PTR_ERR(amap((void *)(1UL << 57), pg, PROT_READ, MAP_FIXED), ENOMEM,
                  "MAP_FIXED above TASK_SIZE (2^57) -> ENOMEM");
    CHECK_PTR_ERR(amap((void *)0xffffffffffff0000UL, pg, PROT_READ, MAP_FIXED), ENOMEM,
                  "MAP_FIXED in the kernel half -> ENOMEM");
    CHECK_PTR_ERR(amap((void *)(1UL << 57), pg, PROT_READ, MAP_FIXED_NOREPLACE), ENOMEM,
                  "MAP_FIXED_NOREPLACE above TASK_SIZE -> ENOMEM");
    CHECK_PTR_ERR(amap((void *)(-(uintptr_t)pg), pg, PROT_READ, MAP_FIXED), ENOMEM,
                  "MAP_FIXED at the very top page of the address space -> ENOMEM");
    r = amap((void *)(1UL << 57), pg, PROT_READ, 0);
    CHECK(r != MAP_FAILED && (uintptr_t)r < (1UL << 47), "hint above TASK_SIZE is ignored: placed below 2^47");
    if (r != MAP_FAILED)
        munmap(r, pg);
    CHECK_DONE();
}
