/*
 * sysemu_floor: lower bound for a ptrace(PTRACE_SYSEMU)-based platform.
 *
 * A child stops itself under ptrace and then spins on raw getpid syscalls.
 * The parent emulates every one of them: PTRACE_SYSEMU, waitpid for the
 * syscall-entry stop, PTRACE_GETREGS, write a return value into rax,
 * PTRACE_SETREGS.  Both processes are pinned to the CPU the parent is on, so
 * each round trip costs two context switches on one core, the same as a
 * single-threaded sandbox.  The mean time per round trip is printed as:
 *
 *     sysemu_floor_ns=<float>
 *
 * Usage: sysemu_floor [N]   (default N = 100000)
 * Build: gcc -static -O2 -o sysemu_floor sysemu_floor.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU 31
#endif

#define FAKE_RESULT 4242L

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "sysemu_floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Child: become a tracee, stop, then issue getpid forever. */
static void tracee(void)
{
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
        _exit(10);
    raise(SIGSTOP);
    for (;;) {
        long ret;
        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "0"((long)SYS_getpid)
                         : "rcx", "r11", "memory");
        /* Every call is emulated; a real result means tracing is broken. */
        if (ret != FAKE_RESULT)
            __builtin_trap();
    }
}

/* One emulated syscall: resume to next entry stop, answer it. */
static void round_trip(pid_t pid)
{
    struct user_regs_struct regs;
    int status;

    if (ptrace(PTRACE_SYSEMU, pid, NULL, NULL) != 0)
        die("PTRACE_SYSEMU");
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
    if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
        fprintf(stderr, "sysemu_floor: unexpected tracee status 0x%x\n", status);
        exit(1);
    }
    if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0)
        die("PTRACE_GETREGS");
    if (regs.orig_rax != SYS_getpid) {
        fprintf(stderr, "sysemu_floor: unexpected syscall %lld\n", (long long)regs.orig_rax);
        exit(1);
    }
    regs.rax = FAKE_RESULT;
    if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) != 0)
        die("PTRACE_SETREGS");
}

int main(int argc, char **argv)
{
    long n = 100000;
    int status;

    if (argc > 1) {
        n = strtol(argv[1], NULL, 10);
        if (n <= 0) {
            fprintf(stderr, "usage: %s [iterations > 0]\n", argv[0]);
            return 2;
        }
    }

    /* Pin to the current CPU before fork so the child inherits the mask. */
    int cpu = sched_getcpu();
    if (cpu < 0)
        die("sched_getcpu");
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
        die("sched_setaffinity");

    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0)
        tracee();

    if (waitpid(pid, &status, 0) != pid)
        die("waitpid (initial stop)");
    if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
        fprintf(stderr, "sysemu_floor: tracee did not stop (status 0x%x)\n", status);
        return 1;
    }
    /* Kill the tracee if we die. */
    ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)PTRACE_O_EXITKILL);

    long warm = n / 10 < 1000 ? 1000 : n / 10;
    for (long i = 0; i < warm; i++)
        round_trip(pid);

    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        round_trip(pid);
    double t1 = now_ns();

    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);

    printf("sysemu_floor_ns=%.2f\n", (t1 - t0) / (double)n);
    return 0;
}
