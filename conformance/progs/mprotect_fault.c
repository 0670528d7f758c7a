/* mprotect_fault: SIGSEGV/SIGBUS siginfo for protection and mapping faults, recovery, mprotect errnos. */
/* syscalls: mmap, mprotect, munmap, rt_sigaction, rt_sigprocmask, open, ftruncate */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR "/tmp/conf_mprotect_fault" CONF_TAG

static sigjmp_buf jb;
static volatile int fault_sig, fault_code, fault_count;
static void *volatile fault_addr;
static char *volatile fix_page;
static long pg;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_sig = sig;
    fault_code = si->si_code;
    fault_addr = si->si_addr;
    fault_count++;
    if (fix_page) {
        /* Repair the mapping and return: the faulting instruction is retried. */
        mprotect(fix_page, pg, PROT_READ | PROT_WRITE);
        fix_page = NULL;
        return;
    }
    siglongjmp(jb, 1);
}

/* Performs a write (or read) at p; returns 1 if it faulted. */
static int faults(volatile char *p, int do_write)
{
    fault_sig = 0;
    fault_addr = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        if (do_write)
            *p = 42;
        else
            (void)*p;
        return 0;
    }
    return 1;
}

static int call_code(void *p)
{
    fault_sig = 0;
    if (sigsetjmp(jb, 1) == 0)
        return ((int (*)(void))p)();
    return -1;
}

int main(void)
{
    struct sigaction sa;
    char *m, *g;
    sigset_t cur;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    pg = sysconf(_SC_PAGESIZE);
    mkdir(DIR, 0755);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(!faults(m, 1), "write to PROT_READ|PROT_WRITE page succeeds");
    CHECK_OK(mprotect(m, pg, PROT_READ), "mprotect first page PROT_READ");
    CHECK(!faults(m, 0) && m[0] == 42, "read of PROT_READ page succeeds");
    CHECK(faults(m, 1), "write to PROT_READ page faults");
    CHECK_EQ(fault_sig, SIGSEGV, "fault is SIGSEGV");
    CHECK_EQ(fault_code, SEGV_ACCERR, "si_code SEGV_ACCERR");
    CHECK(fault_addr == m, "si_addr is the faulting address");
    CHECK(faults(m + 100, 1) && fault_addr == m + 100, "si_addr exact within the page (+100)");
    CHECK(!faults(m + pg, 1), "second page of the mapping is still writable");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(!sigismember(&cur, SIGSEGV), "siglongjmp restored the signal mask");

    mprotect(m, pg, PROT_NONE);
    CHECK(faults(m, 0) && fault_code == SEGV_ACCERR, "read of PROT_NONE page: SEGV_ACCERR");
    mprotect(m, pg, PROT_READ | PROT_WRITE);
    CHECK(!faults(m, 1), "write works again after mprotect RW");

    /* Handler repairs the protection and returns: the write is retried. */
    mprotect(m, pg, PROT_READ);
    fault_count = 0;
    fix_page = m;
    *(volatile char *)(m + 7) = 'r';
    CHECK(fault_count == 1 && m[7] == 'r', "handler fixes protection and the store completes on return");

    /* Guard page: unmapped hole. */
    g = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(g + pg, pg);
    CHECK(faults(g + pg + 8, 0), "access to unmapped guard page faults");
    CHECK(fault_sig == SIGSEGV && fault_code == SEGV_MAPERR, "guard page: SIGSEGV with SEGV_MAPERR");
    CHECK(fault_addr == g + pg + 8, "guard page: si_addr");
    CHECK(!faults(g + 2 * pg, 1), "page after the guard still usable");
    CHECK(faults((char *)(uintptr_t)16, 0) && fault_code == SEGV_MAPERR && fault_addr == (void *)16,
          "near-NULL dereference: SEGV_MAPERR, si_addr 16");

    /* Execute permission. */
    {
        static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 }; /* mov $42,%eax; ret */
        char *x = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memcpy(x, code, sizeof(code));
        CHECK(call_code(x) == -1 && fault_code == SEGV_ACCERR && fault_addr == x,
              "jumping into a non-executable page: SEGV_ACCERR at the page");
        mprotect(x, pg, PROT_READ | PROT_EXEC);
        CHECK_EQ(call_code(x), 42, "PROT_EXEC page runs the code");
        munmap(x, pg);
    }

    /* SIGBUS beyond the end of a file mapping. */
    {
        int fd = open(DIR "/f", O_RDWR | O_CREAT | O_TRUNC, 0600);
        ftruncate(fd, pg);
        char *f = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        CHECK(!faults(f, 1), "file mapping inside EOF is accessible");
        CHECK(faults(f + pg, 0), "access past EOF of file mapping faults");
        CHECK(fault_sig == SIGBUS && fault_code == BUS_ADRERR && fault_addr == f + pg, "SIGBUS with BUS_ADRERR, si_addr");
        char *ro = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
        CHECK(faults(ro, 1) && fault_sig == SIGSEGV && fault_code == SEGV_ACCERR, "write to read-only file mapping");
        munmap(ro, pg);
        int rfd = open(DIR "/f", O_RDONLY);
        ro = mmap(NULL, pg, PROT_READ, MAP_SHARED, rfd, 0);
        CHECK_ERR(mprotect(ro, pg, PROT_READ | PROT_WRITE), EACCES,
                  "mprotect PROT_WRITE on MAP_SHARED mapping of an O_RDONLY fd -> EACCES");
        munmap(ro, pg);
        close(rfd);
        munmap(f, 2 * pg);
        close(fd);
    }

    CHECK_ERR(mprotect(m + 1, pg, PROT_READ), EINVAL, "mprotect unaligned -> EINVAL");
    CHECK_ERR(mprotect(m, pg, 0x1000), EINVAL, "mprotect invalid prot bits -> EINVAL");
    CHECK_ERR(mprotect(g + pg, pg, PROT_READ), ENOMEM, "mprotect on unmapped range -> ENOMEM");
    CHECK_ERR(mprotect(g, 2 * pg, PROT_READ), ENOMEM, "mprotect range spanning a hole -> ENOMEM");
    munmap(m, 2 * pg);
    munmap(g, 3 * pg);
    unlink(DIR "/f");
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
