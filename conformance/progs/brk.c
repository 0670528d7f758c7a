/* brk: program break growth and shrink through the raw brk syscall and sbrk. */
/* area: memory */
#include "check.h"

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static uintptr_t raw_brk(uintptr_t addr) { return (uintptr_t)syscall(SYS_brk, addr); }

int main(void)
{
    /* The first check also makes stdio allocate its buffer, so that malloc
     * does not move the break while the raw test below is running. */
    uintptr_t start = raw_brk(0);
    CHECK(start != 0, "brk(0) returns the current break");
    start = raw_brk(0);
    CHECK_EQ(raw_brk(0), start, "brk(0) is stable");

    const uintptr_t grow = 1 << 20;
    CHECK_EQ(raw_brk(start + grow), start + grow, "grow break by 1 MiB");
    CHECK_EQ(raw_brk(0), start + grow, "brk(0) reports the new break");

    unsigned char *mem = (unsigned char *)start;
    int ok = 1;
    for (uintptr_t i = 0; i < grow; i += 4096)
        ok &= mem[i] == 0;
    CHECK(ok, "new break memory is zero-filled");
    memset(mem, 0x77, grow);
    ok = 1;
    for (uintptr_t i = 0; i < grow; i += 511)
        ok &= mem[i] == 0x77;
    CHECK(ok, "new break memory is writable");

    CHECK_EQ(raw_brk(start + grow / 2), start + grow / 2, "shrink break by half");
    CHECK_EQ(mem[grow / 2 - 1], 0x77, "memory below the shrunk break keeps content");
    CHECK_EQ(raw_brk(start + grow), start + grow, "grow again to 1 MiB");
    CHECK_EQ(mem[grow / 2 + 8192], 0, "re-grown pages (previously released) are zero");
    CHECK_EQ(mem[100], 0x77, "untouched low region keeps content");

    /* Requests that cannot be satisfied leave the break unchanged. */
    CHECK_EQ(raw_brk(1), start + grow, "brk(1) (below data segment) fails: break unchanged");
    CHECK_EQ(raw_brk((uintptr_t)&ok), start + grow, "brk into the stack fails: break unchanged");

    CHECK_EQ(raw_brk(start), start, "shrink back to the original break");
    CHECK_EQ(raw_brk(0), start, "brk(0) equals the original break");

    /* libc sbrk on top of the same mechanism. */
    void *old = sbrk(0);
    CHECK(old != (void *)-1, "sbrk(0)");
    void *prev = sbrk(65536);
    CHECK(prev == old, "sbrk(65536) returns the previous break");
    CHECK(sbrk(0) == (char *)old + 65536, "sbrk(0) after growth");
    memset(prev, 1, 65536);
    CHECK_EQ(((unsigned char *)prev)[65535], 1, "sbrk memory usable");
    CHECK(sbrk(-65536) == (char *)old + 65536, "sbrk(-65536) returns the break before shrink");
    CHECK(sbrk(0) == old, "break back to where sbrk started");
    CHECK_DONE();
}
