/*
 * child_check.h - checks made in a forked child (one that drops privileges, changes its ids or
 * limits, or may be killed) and reported by the parent as its own checks.
 *
 * The child records each C_* check in a shared anonymous page; in_child() runs the child,
 * prints what it recorded, and adds one check that the child ran to completion. Call
 * child_check_init() first in main.
 */
#ifndef CONF_CHILD_CHECK_H
#define CONF_CHILD_CHECK_H

#include "check.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_CHECK_MAX 64

struct child_check {
    int ok, has_errno, err, want_err, line;
    long long got, want;
    char desc[110];
};

static struct child_check_shared {
    int n, dropped;
    struct child_check r[CHILD_CHECK_MAX];
} *child_checks;

static void child_check_record(int ok, long long got, long long want, int has_errno, int err, int want_err,
                               int line, const char *desc)
{
    if (child_checks->n >= CHILD_CHECK_MAX) {
        child_checks->dropped++;
        return;
    }
    struct child_check *c = &child_checks->r[child_checks->n++];
    c->ok = ok;
    c->got = got;
    c->want = want;
    c->has_errno = has_errno;
    c->err = err;
    c->want_err = want_err;
    c->line = line;
    snprintf(c->desc, sizeof(c->desc), "%s", desc);
}

#define C_CHECK(cond, desc)                                                     \
    do {                                                                        \
        int c_c_ = !!(cond);                                                    \
        child_check_record(c_c_, c_c_, 1, 0, 0, 0, __LINE__, (desc));           \
    } while (0)
#define C_SKIP(desc, reason) child_check_record(1, 1, 1, 0, 0, 0, __LINE__, desc " # SKIP " reason)
#define C_EQ(got, want, desc)                                                   \
    do {                                                                        \
        long long c_g_ = (long long)(got), c_w_ = (long long)(want);            \
        child_check_record(c_g_ == c_w_, c_g_, c_w_, 0, 0, 0, __LINE__, (desc)); \
    } while (0)
#define C_ERR(expr, we, desc)                                                   \
    do {                                                                        \
        errno = 0;                                                              \
        long long c_r_ = (long long)(expr);                                     \
        int c_e_ = errno;                                                       \
        child_check_record(c_r_ == -1 && c_e_ == (we), c_r_, -1, 1, c_e_, (we), __LINE__, (desc)); \
    } while (0)
#define C_OK(expr, desc)                                                        \
    do {                                                                        \
        errno = 0;                                                              \
        long long c_r_ = (long long)(expr);                                     \
        int c_e_ = errno;                                                       \
        child_check_record(c_r_ >= 0, c_r_, 0, c_r_ < 0, c_e_, 0, __LINE__, (desc)); \
    } while (0)

/* Runs fn in a forked child; every C_* check it made becomes a check here, named after the
 * calling program's file. */
static void child_check_run(void (*fn)(void), const char *what, const char *file)
{
    int st = -1;
    child_checks->n = 0;
    child_checks->dropped = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, &st, 0);
    for (int i = 0; i < child_checks->n; i++) {
        struct child_check *c = &child_checks->r[i];
        check_report(c->ok, c->desc, c->got, c->want, c->has_errno, c->err, c->want_err, file, c->line);
    }
    char d[160];
    snprintf(d, sizeof(d), "%s: child ran to completion, every check recorded", what);
    check_report(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && child_checks->dropped == 0, d,
                 child_checks->dropped, 0, 0, 0, 0, file, __LINE__);
}
#define in_child(fn, what) child_check_run((fn), (what), __FILE__)

/* Maps the shared result page; returns -1 if it cannot. */
static int child_check_init(void)
{
    child_checks = mmap(NULL, sizeof(*child_checks), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return child_checks == MAP_FAILED ? -1 : 0;
}

#endif
