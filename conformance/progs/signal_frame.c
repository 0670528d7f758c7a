/* signal_frame: register/FPU state across a handler, ucontext edits, red zone, sigaltstack. */
/* syscalls: tgkill, rt_sigaction, rt_sigreturn, rt_sigprocmask, sigaltstack, gettid, getpid */
/* area: signals */
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define M8 0x0808080808080808ULL
#define M9 0x0909090909090909ULL
#define M10 0x1010101010101010ULL
#define M12 0x1212121212121212ULL
#define M13 0x1313131313131313ULL
#define M14 0x1414141414141414ULL
#define M15 0x1515151515151515ULL
#define MBX 0x0b0b0b0b0b0b0b0bULL
#define NEW13 0x7777666655554444ULL
#define NEWX1 0x5a5a5a5a5a5a5a5aULL

/* Globals addressed RIP-relative from inline asm. */
uint64_t conf_xmm_in[16][2];
uint64_t conf_xmm_out[16][2];
uint64_t conf_gpr_out[10];
uint64_t conf_red_out[16];

static volatile uint64_t seen_r12, seen_rbx, seen_rdi, seen_rax, seen_xmm0, seen_mxcsr_frame;
static volatile unsigned handler_mxcsr;
static volatile int handler_aligned, handler_ran, uc_mask_had_usr1;

static void frame_handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    unsigned m;
    (void)sig;
    (void)si;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    handler_mxcsr = m;
    handler_aligned = ((uintptr_t)__builtin_frame_address(0) & 15) == 0;
    seen_r12 = uc->uc_mcontext.gregs[REG_R12];
    seen_rbx = uc->uc_mcontext.gregs[REG_RBX];
    seen_rdi = uc->uc_mcontext.gregs[REG_RDI];
    seen_rax = uc->uc_mcontext.gregs[REG_RAX];
    seen_xmm0 = ((uint64_t)uc->uc_mcontext.fpregs->_xmm[0].element[1] << 32) |
                uc->uc_mcontext.fpregs->_xmm[0].element[0];
    seen_mxcsr_frame = uc->uc_mcontext.fpregs->mxcsr;
    uc_mask_had_usr1 = sigismember(&uc->uc_sigmask, SIGUSR1);
    /* Edits to the saved context take effect on sigreturn. */
    uc->uc_mcontext.gregs[REG_R13] = NEW13;
    uc->uc_mcontext.fpregs->_xmm[1].element[0] = (uint32_t)NEWX1;
    uc->uc_mcontext.fpregs->_xmm[1].element[1] = (uint32_t)(NEWX1 >> 32);
    sigaddset(&uc->uc_sigmask, SIGUSR2);
    /* Trash every caller-saved register, the vector registers and MXCSR. */
    unsigned junk_mxcsr = 0x7f80;
    __asm__ volatile("ldmxcsr %0\n\t"
                     "pcmpeqd %%xmm0, %%xmm0\n\t"
                     "pcmpeqd %%xmm1, %%xmm1\n\t"
                     "pcmpeqd %%xmm2, %%xmm2\n\tpcmpeqd %%xmm3, %%xmm3\n\t"
                     "pcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\t"
                     "pcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
                     "pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm15, %%xmm15\n\t"
                     "movq $-1, %%r8\n\tmovq $-1, %%r9\n\tmovq $-1, %%r10\n\t"
                     "movq $-1, %%rdi\n\tmovq $-1, %%rsi\n\tmovq $-1, %%rdx\n\t"
                     "fninit\n\t"
                     :
                     : "m"(junk_mxcsr)
                     : "r8", "r9", "r10", "r11", "rdi", "rsi", "rdx", "rcx", "rax", "xmm0", "xmm1", "xmm2",
                       "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm15", "memory");
    handler_ran = 1;
}

static volatile void *alt_local;
static volatile int alt_flags_in_handler, alt_change_errno;
static void alt_handler(int sig)
{
    volatile char here;
    stack_t ss, q;
    (void)sig;
    alt_local = &here;
    sigaltstack(NULL, &q);
    alt_flags_in_handler = q.ss_flags;
    memset(&ss, 0, sizeof(ss));
    ss.ss_flags = SS_DISABLE;
    errno = 0;
    alt_change_errno = sigaltstack(&ss, NULL) == -1 ? errno : 0;
}

int main(void)
{
    struct sigaction sa;
    long pid = getpid(), tid = syscall(SYS_gettid), sig = SIGUSR1;
    long nr = SYS_tgkill;
    unsigned mx_main = 0x3f80, mx_after, mx_default = 0x1f80;
    int ok;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    for (int i = 0; i < 16; i++) {
        conf_xmm_in[i][0] = 0x1111111111111111ULL * (i + 1);
        conf_xmm_in[i][1] = ~conf_xmm_in[i][0];
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = frame_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);

    __asm__ volatile("ldmxcsr %[mx]\n\t"
                     "movdqu conf_xmm_in+0(%%rip), %%xmm0\n\tmovdqu conf_xmm_in+16(%%rip), %%xmm1\n\t"
                     "movdqu conf_xmm_in+32(%%rip), %%xmm2\n\tmovdqu conf_xmm_in+48(%%rip), %%xmm3\n\t"
                     "movdqu conf_xmm_in+64(%%rip), %%xmm4\n\tmovdqu conf_xmm_in+80(%%rip), %%xmm5\n\t"
                     "movdqu conf_xmm_in+96(%%rip), %%xmm6\n\tmovdqu conf_xmm_in+112(%%rip), %%xmm7\n\t"
                     "movdqu conf_xmm_in+128(%%rip), %%xmm8\n\tmovdqu conf_xmm_in+240(%%rip), %%xmm15\n\t"
                     "movabsq $0x0808080808080808, %%r8\n\tmovabsq $0x0909090909090909, %%r9\n\t"
                     "movabsq $0x1010101010101010, %%r10\n\tmovabsq $0x1212121212121212, %%r12\n\t"
                     "movabsq $0x1313131313131313, %%r13\n\tmovabsq $0x1414141414141414, %%r14\n\t"
                     "movabsq $0x1515151515151515, %%r15\n\tmovabsq $0x0b0b0b0b0b0b0b0b, %%rbx\n\t"
                     /* Fill the 128-byte red zone below rsp with a pattern. */
                     "movq $0, %%rcx\n"
                     "1:\n\tmovq %%rcx, %%r11\n\tnotq %%r11\n\t"
                     "movq %%r11, -128(%%rsp,%%rcx,8)\n\tincq %%rcx\n\tcmpq $16, %%rcx\n\tjne 1b\n\t"
                     "syscall\n\t"
                     "movq %%r8, conf_gpr_out+0(%%rip)\n\tmovq %%r9, conf_gpr_out+8(%%rip)\n\t"
                     "movq %%r10, conf_gpr_out+16(%%rip)\n\tmovq %%r12, conf_gpr_out+24(%%rip)\n\t"
                     "movq %%r13, conf_gpr_out+32(%%rip)\n\tmovq %%r14, conf_gpr_out+40(%%rip)\n\t"
                     "movq %%r15, conf_gpr_out+48(%%rip)\n\tmovq %%rbx, conf_gpr_out+56(%%rip)\n\t"
                     "movdqu %%xmm0, conf_xmm_out+0(%%rip)\n\tmovdqu %%xmm1, conf_xmm_out+16(%%rip)\n\t"
                     "movdqu %%xmm2, conf_xmm_out+32(%%rip)\n\tmovdqu %%xmm3, conf_xmm_out+48(%%rip)\n\t"
                     "movdqu %%xmm4, conf_xmm_out+64(%%rip)\n\tmovdqu %%xmm5, conf_xmm_out+80(%%rip)\n\t"
                     "movdqu %%xmm6, conf_xmm_out+96(%%rip)\n\tmovdqu %%xmm7, conf_xmm_out+112(%%rip)\n\t"
                     "movdqu %%xmm8, conf_xmm_out+128(%%rip)\n\tmovdqu %%xmm15, conf_xmm_out+240(%%rip)\n\t"
                     "movq $0, %%rcx\n"
                     "2:\n\tmovq -128(%%rsp,%%rcx,8), %%r11\n\t"
                     "leaq conf_red_out(%%rip), %%r8\n\tmovq %%r11, (%%r8,%%rcx,8)\n\t"
                     "incq %%rcx\n\tcmpq $16, %%rcx\n\tjne 2b\n\t"
                     "stmxcsr %[mxa]\n\t"
                     : "+a"(nr), "+D"(pid), "+S"(tid), "+d"(sig), [mxa] "=m"(mx_after)
                     : [mx] "m"(mx_main)
                     : "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rbx", "memory", "xmm0",
                       "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm15");
    __asm__ volatile("ldmxcsr %0" : : "m"(mx_default));

    CHECK(handler_ran, "SA_SIGINFO handler ran at syscall exit");
    CHECK_EQ(nr, 0, "tgkill returned 0 in rax");
    CHECK(handler_aligned, "handler entered with a 16-byte aligned stack");
    CHECK_EQ(handler_mxcsr, 0x1f80, "handler starts with the default MXCSR");
    CHECK_EQ(seen_mxcsr_frame, 0x3f80, "ucontext fpregs->mxcsr holds the interrupted MXCSR");
    CHECK(seen_r12 == M12 && seen_rbx == MBX, "ucontext gregs hold interrupted r12/rbx");
    CHECK_EQ(seen_rdi, getpid(), "ucontext gregs[REG_RDI] holds syscall argument");
    CHECK_EQ(seen_rax, 0, "ucontext gregs[REG_RAX] holds syscall return value");
    CHECK(seen_xmm0 == conf_xmm_in[0][0], "ucontext fpregs hold interrupted xmm0");
    CHECK(!uc_mask_had_usr1, "uc_sigmask is the mask before delivery");
    CHECK(pid == getpid() && tid == syscall(SYS_gettid) && sig == SIGUSR1, "rdi/rsi/rdx restored");
    CHECK(conf_gpr_out[0] == M8 && conf_gpr_out[1] == M9 && conf_gpr_out[2] == M10, "r8/r9/r10 restored");
    CHECK(conf_gpr_out[3] == M12 && conf_gpr_out[5] == M14 && conf_gpr_out[6] == M15 && conf_gpr_out[7] == MBX,
          "r12/r14/r15/rbx restored");
    CHECK(conf_gpr_out[4] == NEW13, "r13 edited in ucontext is applied by sigreturn");
    ok = 1;
    for (int i = 0; i < 16; i++)
        if (i != 1 && (i <= 8 || i == 15))
            ok &= memcmp(conf_xmm_in[i], conf_xmm_out[i], 16) == 0;
    CHECK(ok, "xmm0,2-8,15 restored after handler clobbered them");
    CHECK(conf_xmm_out[1][0] == NEWX1, "xmm1 edited in ucontext fpregs is applied by sigreturn");
    CHECK_EQ(mx_after, 0x3f80, "MXCSR restored after handler changed it");
    ok = 1;
    for (int i = 0; i < 16; i++)
        ok &= conf_red_out[i] == ~(uint64_t)i;
    CHECK(ok, "128-byte red zone below rsp is not clobbered by the signal frame");
    {
        sigset_t cur;
        sigprocmask(SIG_SETMASK, NULL, &cur);
        CHECK(sigismember(&cur, SIGUSR2) && !sigismember(&cur, SIGUSR1),
              "uc_sigmask edited in handler becomes the mask after return");
        sigemptyset(&cur);
        sigprocmask(SIG_SETMASK, &cur, NULL);
    }

    /* sigaltstack. */
    {
        static char altstack[64 * 1024];
        stack_t ss, old;
        CHECK_OK(sigaltstack(NULL, &old), "sigaltstack query");
        CHECK_EQ(old.ss_flags, SS_DISABLE, "no alternate stack initially (SS_DISABLE)");
        ss.ss_sp = altstack;
        ss.ss_size = 1024;
        ss.ss_flags = 0;
        CHECK_ERR(sigaltstack(&ss, NULL), ENOMEM, "ss_size 1024 (< MINSIGSTKSZ) -> ENOMEM");
        ss.ss_size = sizeof(altstack);
        ss.ss_flags = 0x1234;
        CHECK_ERR(sigaltstack(&ss, NULL), EINVAL, "invalid ss_flags -> EINVAL");
        ss.ss_flags = 0;
        CHECK_OK(sigaltstack(&ss, NULL), "install 64KiB alternate stack");
        sigaltstack(NULL, &old);
        CHECK(old.ss_sp == altstack && old.ss_size == sizeof(altstack) && old.ss_flags == 0,
              "query returns the installed stack, flags 0 outside handler");

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = alt_handler;
        sa.sa_flags = SA_ONSTACK;
        sigaction(SIGUSR2, &sa, NULL);
        raise(SIGUSR2);
        CHECK((char *)alt_local >= altstack && (char *)alt_local < altstack + sizeof(altstack),
              "SA_ONSTACK handler runs on the alternate stack");
        CHECK_EQ(alt_flags_in_handler, SS_ONSTACK, "sigaltstack reports SS_ONSTACK inside handler");
        CHECK_EQ(alt_change_errno, EPERM, "changing the alt stack while on it -> EPERM");

        sa.sa_flags = 0;
        sigaction(SIGUSR2, &sa, NULL);
        raise(SIGUSR2);
        CHECK(!((char *)alt_local >= altstack && (char *)alt_local < altstack + sizeof(altstack)),
              "handler without SA_ONSTACK uses the normal stack");

        ss.ss_flags = SS_DISABLE;
        CHECK_OK(sigaltstack(&ss, NULL), "SS_DISABLE removes the alternate stack");
        sigaltstack(NULL, &old);
        CHECK_EQ(old.ss_flags, SS_DISABLE, "query after disable shows SS_DISABLE");
    }
    CHECK_DONE();
}
