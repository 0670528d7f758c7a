/*
 * check.h - tiny TAP-style check helpers for the syscall conformance programs.
 *
 * Every check prints one line:
 *     ok N - description
 *     not ok N - description: got X, want Y [errno ...]   (file:line)
 * CHECK_DONE() prints the plan line "1..N" and returns from main with a
 * non-zero status if any check failed.
 *
 * Only write(2) (through stdio) is used for output, so the helpers are safe
 * to use inside the sandbox.
 */
#ifndef CONF_CHECK_H
#define CONF_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Distinguishes the builds of one program (the runner passes -DCONF_TAG='".static"' and
 * '".dynamic"'), so the two may run at the same time without sharing fixed /tmp names. */
#ifndef CONF_TAG
#define CONF_TAG ""
#endif

static int check_count;
static int check_failures;

static const char *check_errno_name(int e)
{
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EOVERFLOW: return "EOVERFLOW";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EINPROGRESS: return "EINPROGRESS";
    case EALREADY: return "EALREADY";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENODATA: return "ENODATA";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case ENOTSOCK: return "ENOTSOCK";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EMSGSIZE: return "EMSGSIZE";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ECONNRESET: return "ECONNRESET";
    case EDEADLK: return "EDEADLK";
    case ENOLCK: return "ENOLCK";
    case ETXTBSY: return "ETXTBSY";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    default: return "E?";
    }
}

/* Core reporter. has_errno != 0 adds errno information to a failure line. */
static void check_report(int ok, const char *desc, long long got, long long want,
                         int has_errno, int got_errno, int want_errno,
                         const char *file, int line)
{
    check_count++;
    if (ok) {
        printf("ok %d - %s\n", check_count, desc);
        return;
    }
    check_failures++;
    printf("not ok %d - %s: got %lld, want %lld", check_count, desc, got, want);
    if (has_errno)
        printf(" (errno got %s/%d, want %s/%d)", check_errno_name(got_errno),
               got_errno, check_errno_name(want_errno), want_errno);
    printf("  [%s:%d]\n", file, line);
}

/* Prints the plan and returns the exit status for main. */
static int check_done(void)
{
    printf("1..%d\n", check_count);
    if (check_failures)
        printf("# %d of %d checks FAILED\n", check_failures, check_count);
    fflush(stdout);
    return check_failures ? 1 : 0;
}

/* cond must be true. */
#define CHECK(cond, desc)                                                       \
    do {                                                                        \
        int check_c_ = !!(cond);                                                \
        check_report(check_c_, (desc), check_c_, 1, 0, 0, 0, __FILE__, __LINE__); \
    } while (0)

/* got == want, both compared as long long. */
#define CHECK_EQ(got, want, desc)                                               \
    do {                                                                        \
        long long check_g_ = (long long)(got);                                  \
        long long check_w_ = (long long)(want);                                 \
        check_report(check_g_ == check_w_, (desc), check_g_, check_w_, 0, 0, 0, \
                     __FILE__, __LINE__);                                       \
    } while (0)

/* expr must return -1 and set errno to errno_want. */
#define CHECK_ERR(expr, errno_want, desc)                                       \
    do {                                                                        \
        errno = 0;                                                              \
        long long check_r_ = (long long)(expr);                                 \
        int check_e_ = errno;                                                   \
        int check_we_ = (errno_want);                                           \
        check_report(check_r_ == -1 && check_e_ == check_we_, (desc), check_r_, \
                     -1, 1, check_e_, check_we_, __FILE__, __LINE__);           \
    } while (0)

/* expr must return >= 0. */
#define CHECK_OK(expr, desc)                                                    \
    do {                                                                        \
        errno = 0;                                                              \
        long long check_r_ = (long long)(expr);                                 \
        int check_e_ = errno;                                                   \
        check_report(check_r_ >= 0, (desc), check_r_, 0, check_r_ < 0,          \
                     check_e_, 0, __FILE__, __LINE__);                          \
    } while (0)

/* Pointer-returning expr (e.g. mmap) must fail with MAP_FAILED/errno_want. */
#define CHECK_PTR_ERR(expr, errno_want, desc)                                   \
    do {                                                                        \
        errno = 0;                                                              \
        void *check_p_ = (void *)(expr);                                        \
        int check_e_ = errno;                                                   \
        int check_we_ = (errno_want);                                           \
        check_report(check_p_ == (void *)-1 && check_e_ == check_we_, (desc),   \
                     (long long)(long)check_p_, -1, 1, check_e_, check_we_,     \
                     __FILE__, __LINE__);                                       \
    } while (0)

/* Two NUL-terminated strings must be equal. */
#define CHECK_STREQ(got, want, desc)                                            \
    do {                                                                        \
        const char *check_gs_ = (got);                                          \
        const char *check_ws_ = (want);                                         \
        int check_ok_ = check_gs_ && check_ws_ && strcmp(check_gs_, check_ws_) == 0; \
        if (!check_ok_)                                                         \
            printf("# got \"%s\", want \"%s\"\n", check_gs_ ? check_gs_ : "(null)", \
                   check_ws_ ? check_ws_ : "(null)");                           \
        check_report(check_ok_, (desc), check_ok_, 1, 0, 0, 0, __FILE__, __LINE__); \
    } while (0)

/* A check that cannot be performed in this environment. */
#define CHECK_SKIP(desc, reason)                                                \
    do {                                                                        \
        check_count++;                                                          \
        printf("ok %d - %s # SKIP %s\n", check_count, (desc), (reason));        \
    } while (0)

/* Diagnostic line (TAP comment). */
#define NOTE(...)                                                               \
    do {                                                                        \
        printf("# " __VA_ARGS__);                                               \
        printf("\n");                                                           \
    } while (0)

/* End of main: print the plan, exit status 1 on any failure. */
#define CHECK_DONE() return check_done()

#endif /* CONF_CHECK_H */
