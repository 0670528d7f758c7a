/* registers.c - register state across syscalls: general registers the ABI preserves, the
 * syscall instruction's rcx/r11, SSE and x87 state, and the FS base set by arch_prctl. */
/* area: arch */
#include "check.h"
#include <asm/prctl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static __thread long tls_value = 7;

int main(void)
{
    /* Callee-visible registers survive a syscall; rcx holds the return address, r11 rflags. */
    uint64_t r12 = 0x1212121212121212ull, r13 = 0x1313131313131313ull, rbx = 0xb0b0b0b0b0b0b0b0ull;
    uint64_t out12, out13, outbx, rcx, r11, ret;
    __asm__ volatile(
        "mov %[a], %%r12\n\t"
        "mov %[b], %%r13\n\t"
        "mov %[c], %%rbx\n\t"
        "mov $39, %%eax\n\t" /* getpid */
        "syscall\n\t"
        "1:\n\t"
        "mov %%r12, %[o12]\n\t"
        "mov %%r13, %[o13]\n\t"
        "mov %%rbx, %[obx]\n\t"
        "mov %%rcx, %[rcx]\n\t"
        "mov %%r11, %[r11]\n\t"
        "mov %%rax, %[ret]\n\t"
        : [o12] "=m"(out12), [o13] "=m"(out13), [obx] "=m"(outbx), [rcx] "=m"(rcx), [r11] "=m"(r11), [ret] "=m"(ret)
        : [a] "r"(r12), [b] "r"(r13), [c] "r"(rbx)
        : "rax", "rcx", "r11", "r12", "r13", "rbx", "memory");
    CHECK_EQ((long long)out12, (long long)r12, "r12 preserved across syscall");
    CHECK_EQ((long long)out13, (long long)r13, "r13 preserved across syscall");
    CHECK_EQ((long long)outbx, (long long)rbx, "rbx preserved across syscall");
    CHECK_EQ((long long)ret, (long long)getpid(), "rax holds the result");
    CHECK(rcx != 0, "rcx holds the return address");
    CHECK((r11 & 0x200) != 0, "r11 holds rflags with IF set");

    /* SSE registers are not touched by a syscall. */
    double in[2] = { 3.25, -1.5 }, got[2] = { 0, 0 };
    __asm__ volatile(
        "movupd %[in], %%xmm7\n\t"
        "mov $39, %%eax\n\t"
        "syscall\n\t"
        "mov $39, %%eax\n\t"
        "syscall\n\t"
        "movupd %%xmm7, %[got]\n\t"
        : [got] "=m"(got)
        : [in] "m"(in)
        : "rax", "rcx", "r11", "xmm7", "memory");
    CHECK(got[0] == 3.25 && got[1] == -1.5, "xmm7 preserved across syscalls");

    /* x87 state: a value left on the FPU stack survives. */
    long double x = 1.0L / 3.0L, y = 0;
    __asm__ volatile(
        "fldt %[x]\n\t"
        "mov $39, %%eax\n\t"
        "syscall\n\t"
        "fstpt %[y]\n\t"
        : [y] "=m"(y)
        : [x] "m"(x)
        : "rax", "rcx", "r11", "memory");
    CHECK(x == y, "x87 stack preserved across syscall");

    /* MXCSR survives. */
    unsigned int mx = 0, mx2 = 0, want = 0x1f80 | 0x6000; /* round toward zero */
    __asm__ volatile("ldmxcsr %0" ::"m"(want));
    syscall(SYS_getpid);
    __asm__ volatile("stmxcsr %0" : "=m"(mx));
    CHECK_EQ(mx, want, "mxcsr preserved across syscall");
    mx2 = 0x1f80;
    __asm__ volatile("ldmxcsr %0" ::"m"(mx2));

    /* FS base: TLS works, and ARCH_GET_FS reports what the thread uses. */
    unsigned long fs = 0;
    CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), "ARCH_GET_FS");
    CHECK(fs != 0, "FS base is set for TLS");
    CHECK_EQ(tls_value, 7, "TLS variable readable");
    tls_value = 9;
    CHECK_OK(syscall(SYS_arch_prctl, ARCH_SET_FS, fs), "ARCH_SET_FS to the same base");
    CHECK_EQ(tls_value, 9, "TLS still reachable after ARCH_SET_FS");
    CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0xffff800000000000ul), EPERM,
              "ARCH_SET_FS to a kernel address");
    CHECK_ERR(syscall(SYS_arch_prctl, 0x9999, 0), EINVAL, "unknown arch_prctl code");
    CHECK_DONE();
}
