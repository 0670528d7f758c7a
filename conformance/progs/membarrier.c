/* membarrier: MEMBARRIER_CMD_QUERY, registration rules for the private expedited commands, fork/exec, errnos. */
/* syscalls: membarrier, fork, execve, wait4, clone3, futex, exit_group */
/* area: memory */
#include "check.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MEMBARRIER_CMD_GET_REGISTRATIONS
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9)
#endif
#ifndef MEMBARRIER_CMD_FLAG_CPU
#define MEMBARRIER_CMD_FLAG_CPU (1 << 0)
#endif

static int mb(int cmd, unsigned flags, int cpu) { return (int)syscall(SYS_membarrier, cmd, flags, cpu); }

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static volatile int stop;
static void *spinner(void *arg)
{
    (void)arg;
    while (!stop)
        __asm__ volatile("pause" ::: "memory");
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--after-exec") == 0) {
        alarm(5);
        /* A fresh mm after execve: no registrations. */
        return mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == -1 && errno == EPERM ? 0 : 1;
    }
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int mask = mb(MEMBARRIER_CMD_QUERY, 0, 0);
    CHECK(mask > 0, "MEMBARRIER_CMD_QUERY returns a non-empty bitmask");
    NOTE("query mask 0x%x", mask);
    int known = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED |
                MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED |
                MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE |
                MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ |
                MEMBARRIER_CMD_GET_REGISTRATIONS;
    CHECK_EQ(mask & ~known, 0, "no unknown bits in the QUERY mask");
    CHECK(mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED, "PRIVATE_EXPEDITED supported");
    CHECK(mask & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, "REGISTER_PRIVATE_EXPEDITED supported");
    CHECK(!(mask & MEMBARRIER_CMD_QUERY), "QUERY (0) itself is not a bit");
    CHECK_ERR(mb(MEMBARRIER_CMD_QUERY, 1, 0), EINVAL, "QUERY with flags 1 -> EINVAL");
    CHECK_ERR(mb(1 << 20, 0, 0), EINVAL, "unknown command -> EINVAL");
    CHECK_ERR(mb(MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), EINVAL,
              "two command bits at once -> EINVAL");

    /* GLOBAL (unavailable with nohz_full, then EINVAL). */
    if (mask & MEMBARRIER_CMD_GLOBAL)
        CHECK_OK(mb(MEMBARRIER_CMD_GLOBAL, 0, 0), "MEMBARRIER_CMD_GLOBAL succeeds (advertised)");
    else
        CHECK_ERR(mb(MEMBARRIER_CMD_GLOBAL, 0, 0), EINVAL, "MEMBARRIER_CMD_GLOBAL not advertised -> EINVAL");
    CHECK_ERR(mb(MEMBARRIER_CMD_GLOBAL, 1, 0), EINVAL, "GLOBAL with flags 1 -> EINVAL");
    CHECK_OK(mb(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0), "GLOBAL_EXPEDITED needs no registration");
    CHECK_OK(mb(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0), "REGISTER_GLOBAL_EXPEDITED");

    /* Private expedited: EPERM until registered. */
    int have_get = mask & MEMBARRIER_CMD_GET_REGISTRATIONS;
    if (have_get)
        CHECK_EQ(mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0) & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0,
                 "GET_REGISTRATIONS: not registered for PRIVATE_EXPEDITED yet");
    else
        CHECK_SKIP("GET_REGISTRATIONS before registering", "not supported by this kernel");
    CHECK_ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), EPERM, "PRIVATE_EXPEDITED before registering -> EPERM");
    CHECK_OK(mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0), "REGISTER_PRIVATE_EXPEDITED");
    CHECK_OK(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), "PRIVATE_EXPEDITED after registering");
    CHECK_OK(mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0), "registering twice is fine");
    CHECK_ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, MEMBARRIER_CMD_FLAG_CPU, 0), EINVAL,
              "PRIVATE_EXPEDITED with FLAG_CPU -> EINVAL");
    CHECK_ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 2, 0), EINVAL, "PRIVATE_EXPEDITED with flags 2 -> EINVAL");
    if (have_get) {
        int regs = mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0);
        CHECK(regs >= 0 && (regs & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) &&
                  (regs & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED),
              "GET_REGISTRATIONS reports both registrations");
    } else {
        CHECK_SKIP("GET_REGISTRATIONS after registering", "not supported by this kernel");
    }

    /* With another thread running. */
    {
        pthread_t t;
        int rc = pthread_create(&t, NULL, spinner, NULL);
        CHECK_EQ(rc, 0, "pthread_create a spinning thread");
        if (rc == 0) {
            int ok = 1;
            for (int i = 0; i < 100; i++)
                ok &= mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
            CHECK(ok, "100 PRIVATE_EXPEDITED barriers with a second thread running");
            stop = 1;
            pthread_join(t, NULL);
        }
    }

    /* SYNC_CORE variant. */
    if (mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) {
        CHECK_ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), EPERM,
                  "PRIVATE_EXPEDITED_SYNC_CORE before its own registration -> EPERM");
        CHECK_OK(mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), "REGISTER_..._SYNC_CORE");
        CHECK_OK(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), "PRIVATE_EXPEDITED_SYNC_CORE");
    } else {
        CHECK_ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), EINVAL, "SYNC_CORE not advertised -> EINVAL");
    }

    /* RSEQ variant (CONFIG_RSEQ). */
    if (mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) {
        CHECK_ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0), EPERM, "PRIVATE_EXPEDITED_RSEQ before registering -> EPERM");
        CHECK_OK(mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0), "REGISTER_..._RSEQ");
        CHECK_OK(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0), "PRIVATE_EXPEDITED_RSEQ");
        CHECK_OK(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, 0), "RSEQ with FLAG_CPU on cpu 0");
        CHECK_EQ(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, 1 << 20), 0,
                 "RSEQ with FLAG_CPU on a nonexistent cpu is a successful no-op");
        CHECK_ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 2, 0), EINVAL, "RSEQ with flags 2 -> EINVAL");
    } else {
        CHECK_ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0), EINVAL, "RSEQ not advertised -> EINVAL");
    }

    /* fork copies the mm (and its registration); exec starts a fresh one. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0 ? 0 : 1);
    CHECK_EQ(wait_code(pid), 0, "fork child inherits the PRIVATE_EXPEDITED registration");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "--after-exec", (char *)NULL);
        _exit(99);
    }
    CHECK_EQ(wait_code(pid), 0, "after execve the registration is gone (EPERM)");
    CHECK_DONE();
}
