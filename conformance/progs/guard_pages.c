/* guard_pages: PROT_NONE guard pages, SEGV_ACCERR/SEGV_MAPERR/BUS_ADRERR siginfo, exec faults, mprotect recovery. */
/* syscalls: mmap, munmap, mprotect, rt_sigaction, rt_sigprocmask, openat, ftruncate, fstat, unlink, close */
/* area: memory */
#include "check.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile int f_sig, f_code, f_signo, f_count;
static void *volatile f_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    f_sig = sig;
    f_signo = si->si_signo;
    f_code = si->si_code;
    f_addr = si->si_addr;
    f_count++;
    siglongjmp(jb, 1);
}

static void reset(void)
{
    f_sig = f_code = f_signo = f_count = 0;
    f_addr = NULL;
}

static int rd(volatile char *p)
{
    reset();
    if (sigsetjmp(jb, 1) == 0) {
        (void)*p;
        return 0;
    }
    return 1;
}

static int wr(volatile char *p, char v)
{
    reset();
    if (sigsetjmp(jb, 1) == 0) {
        *p = v;
        return 0;
    }
    return 1;
}

static int wr64(volatile uint64_t *p)
{
    reset();
    if (sigsetjmp(jb, 1) == 0) {
        *p = 0x1122334455667788ULL;
        return 0;
    }
    return 1;
}

/* Calls code at p; returns its result, or -1 if it faulted. */
static int run(void *p)
{
    reset();
    if (sigsetjmp(jb, 1) == 0)
        return ((int (*)(void))p)();
    return -1;
}

#define SEGV_AT(code, addr) (f_sig == SIGSEGV && f_signo == SIGSEGV && f_code == (code) && f_addr == (void *)(addr) && f_count == 1)

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    struct sigaction sa;
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    CHECK_OK(sigaction(SIGSEGV, &sa, NULL), "install SIGSEGV handler");
    CHECK_OK(sigaction(SIGBUS, &sa, NULL), "install SIGBUS handler");

    char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED, "mmap 3 RW pages");
    if (m == MAP_FAILED)
        CHECK_DONE();
    char *guard = m + pg;
    memset(m, 'a', 3 * pg);
    CHECK_OK(mprotect(guard, pg, PROT_NONE), "mprotect middle page PROT_NONE");

    CHECK(rd(guard + 123) && SEGV_AT(SEGV_ACCERR, guard + 123), "read of guard page: SIGSEGV SEGV_ACCERR, exact si_addr");
    CHECK(wr(guard + pg - 1, 1) && SEGV_AT(SEGV_ACCERR, guard + pg - 1), "write to last guard byte: SEGV_ACCERR, exact si_addr");
    CHECK(rd(guard) && SEGV_AT(SEGV_ACCERR, guard), "read of first guard byte faults");
    CHECK(!rd(guard - 1) && !wr(guard - 1, 'b') && !rd(guard + pg) && !wr(guard + pg, 'c'),
          "bytes just below and just above the guard page are accessible");
    CHECK(wr64((volatile uint64_t *)(guard - 4)) && SEGV_AT(SEGV_ACCERR, guard),
          "8-byte write straddling into the guard faults at the guard page start");
    CHECK(m[0] == 'a' && guard[-1] == 'b' && guard[pg] == 'c', "neighbour contents intact after the faults");

    CHECK_OK(mprotect(guard, pg, PROT_READ | PROT_WRITE), "mprotect guard back to RW");
    CHECK(!rd(guard + 123) && guard[123] == 'a' && guard[pg - 1] == 'a', "restored page keeps its old content");
    CHECK(!wr(guard + 5, 'z') && guard[5] == 'z', "restored page is writable");

    /* PROT_READ page. */
    CHECK_OK(mprotect(guard, pg, PROT_READ), "mprotect middle page PROT_READ");
    CHECK(!rd(guard + 5) && guard[5] == 'z', "PROT_READ page is readable");
    CHECK(wr(guard + 77, 1) && SEGV_AT(SEGV_ACCERR, guard + 77), "write to PROT_READ page: SEGV_ACCERR, exact si_addr");
    CHECK_EQ(guard[77], 'a', "the faulting write had no effect");

    /* Unmapped page. */
    CHECK_OK(munmap(m + 2 * pg, pg), "munmap the third page");
    CHECK(rd(m + 2 * pg + 9) && SEGV_AT(SEGV_MAPERR, m + 2 * pg + 9), "read of unmapped page: SEGV_MAPERR, exact si_addr");
    CHECK(wr(m + 3 * pg - 1, 1) && SEGV_AT(SEGV_MAPERR, m + 3 * pg - 1), "write to unmapped page: SEGV_MAPERR");

    /* Execute permission. */
    {
        static const unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* mov $42,%eax; ret */
        CHECK_OK(mprotect(m, pg, PROT_READ | PROT_WRITE), "first page RW");
        memcpy(m + 64, code, sizeof(code));
        CHECK(run(m + 64) == -1 && SEGV_AT(SEGV_ACCERR, m + 64), "executing a non-exec page: SEGV_ACCERR at the pc");
        CHECK_OK(mprotect(m, pg, PROT_READ | PROT_EXEC), "mprotect to PROT_READ|PROT_EXEC");
        CHECK_EQ(run(m + 64), 42, "code runs once the page is executable");
        CHECK(wr(m + 64, 0) && SEGV_AT(SEGV_ACCERR, m + 64), "R-X page is not writable");
        CHECK_OK(mprotect(m, pg, PROT_NONE), "mprotect to PROT_NONE");
        CHECK(run(m + 64) == -1 && SEGV_AT(SEGV_ACCERR, m + 64), "executing a PROT_NONE page faults");
        CHECK(run(m + 2 * pg) == -1 && SEGV_AT(SEGV_MAPERR, m + 2 * pg), "jumping to an unmapped page: SEGV_MAPERR");
    }

    /* mprotect errors. */
    CHECK_ERR(mprotect(m + 1, pg, PROT_READ), EINVAL, "mprotect unaligned address -> EINVAL");
    CHECK_ERR(mprotect(m, pg, 0x100), EINVAL, "mprotect unknown prot bit -> EINVAL");
    CHECK_ERR(mprotect(m + 2 * pg, pg, PROT_READ), ENOMEM, "mprotect unmapped range -> ENOMEM");
    CHECK_ERR(mprotect(m, 3 * pg, PROT_READ), ENOMEM, "mprotect range ending in a hole -> ENOMEM");
    munmap(m, 2 * pg);

    /* SIGBUS beyond the end of a file mapping. */
    {
        char path[64];
        struct stat st;
        snprintf(path, sizeof(path), "/tmp/guard_pages.%d%s", (int)getpid(), CONF_TAG);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        CHECK(fd >= 0 && ftruncate(fd, 3 * pg) == 0, "temp file of 3 pages");
        char *f = fd >= 0 ? mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
        CHECK(f != MAP_FAILED, "MAP_SHARED file mapping");
        if (f != MAP_FAILED) {
            f[2 * pg] = 'q';
            CHECK(!rd(f + 2 * pg) && f[2 * pg] == 'q', "page 3 accessible while the file is large enough");
            CHECK_OK(ftruncate(fd, pg + 100), "truncate the file to 1 page + 100 bytes");
            CHECK(rd(f + 2 * pg + 5) && f_sig == SIGBUS && f_code == BUS_ADRERR && f_addr == f + 2 * pg + 5,
                  "read past EOF page: SIGBUS BUS_ADRERR, exact si_addr");
            CHECK(wr(f + 2 * pg, 1) && f_sig == SIGBUS, "write past EOF page: SIGBUS");
            CHECK(!rd(f + pg + 200) && f[pg + 200] == 0, "bytes past EOF inside the last partial page read 0");
            CHECK(!wr(f + pg + 300, 'w'), "write inside the last partial page beyond EOF does not fault");
            CHECK(fstat(fd, &st) == 0 && st.st_size == pg + 100, "and does not extend the file");
            CHECK_OK(ftruncate(fd, 3 * pg), "grow the file again");
            CHECK(!rd(f + 2 * pg) && f[2 * pg] == 0, "page 3 accessible again and zero (truncated data gone)");
            munmap(f, 3 * pg);
        }
        /* Mapping longer than the file from the start. */
        f = fd >= 0 ? mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE, fd, 2 * pg) : MAP_FAILED;
        CHECK(f != MAP_FAILED, "MAP_PRIVATE mapping extending past EOF is allowed");
        if (f != MAP_FAILED) {
            CHECK(!rd(f) && rd(f + pg) && f_sig == SIGBUS && f_addr == f + pg,
                  "private mapping: page inside the file ok, page past EOF SIGBUS");
            munmap(f, 2 * pg);
        }
        close(fd);
        unlink(path);
    }
    CHECK_DONE();
}
