/*
 * getpid_loop: cost of a bare system call.
 *
 * Executes N raw `syscall` instructions for getpid (no libc wrapper, no
 * caching) after a short warm-up and prints the mean time per call:
 *
 *     getpid_ns=<float>
 *
 * Usage: getpid_loop [N]   (default N = 100000)
 * Build: gcc -static -O2 -o getpid_loop getpid_loop.c
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static inline long raw_getpid(void)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"((long)SYS_getpid)
                     : "rcx", "r11", "memory");
    return ret;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long n = 100000;
    if (argc > 1) {
        n = strtol(argv[1], NULL, 10);
        if (n <= 0) {
            fprintf(stderr, "usage: %s [iterations > 0]\n", argv[0]);
            return 2;
        }
    }

    long warm = n / 10 < 1000 ? 1000 : n / 10;
    long pid = raw_getpid();
    for (long i = 0; i < warm; i++)
        raw_getpid();

    long bad = 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        bad += raw_getpid() != pid;
    double t1 = now_ns();

    if (pid <= 0 || bad) {
        fprintf(stderr, "getpid returned inconsistent values (pid=%ld, mismatches=%ld)\n", pid, bad);
        return 1;
    }
    printf("getpid_ns=%.2f\n", (t1 - t0) / (double)n);
    return 0;
}
