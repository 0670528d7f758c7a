/* clone_threads: pthreads, raw clone with CLONE_CHILD_SETTID/CLEARTID, tgkill. */
/* syscalls: clone, clone3, gettid, getpid, futex, set_tid_address, tgkill, exit, wait4, mmap */
/* area: threads */
#include "check.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 8

static __thread int tls_value = 1;
static int shared_counter;
static pid_t main_tid;

struct tinfo {
    int index;
    pid_t tid, pid;
    int tls_seen;
    int proc_task_exists;
};

static void *worker(void *arg)
{
    struct tinfo *t = arg;
    char path[64];
    struct stat st;
    t->tid = syscall(SYS_gettid);
    t->pid = getpid();
    t->tls_seen = tls_value;
    tls_value = 100 + t->index;
    snprintf(path, sizeof(path), "/proc/self/task/%d", (int)t->tid);
    t->proc_task_exists = stat(path, &st) == 0;
    __atomic_fetch_add(&shared_counter, 1, __ATOMIC_SEQ_CST);
    return (void *)(intptr_t)(t->index * 3);
}

static void *exiter(void *arg)
{
    (void)arg;
    pthread_exit((void *)(intptr_t)77);
}

static volatile pid_t handler_tid;
static void on_usr1(int sig)
{
    (void)sig;
    handler_tid = syscall(SYS_gettid);
}

static volatile int go_wait;
static void *sig_target(void *arg)
{
    pid_t *tid = arg;
    *tid = syscall(SYS_gettid);
    while (!handler_tid && go_wait < 2000000000)
        go_wait++;
    return NULL;
}

/* Raw clone child: runs on its own stack, shares TLS, so avoid libc state. */
static volatile pid_t raw_child_tid;
static volatile int raw_child_ran;
static int raw_thread(void *arg)
{
    (void)arg;
    raw_child_tid = syscall(SYS_gettid);
    raw_child_ran = 1;
    return 0;
}

static int proc_child(void *arg)
{
    *(int *)arg = 4242;
    return 3;
}

int main(void)
{
    pthread_t th[NTHREADS];
    struct tinfo info[NTHREADS];
    void *ret;
    int ok;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    main_tid = syscall(SYS_gettid);
    CHECK_EQ(main_tid, getpid(), "main thread tid == pid");
    CHECK_EQ(syscall(SYS_set_tid_address, NULL), main_tid, "set_tid_address returns the caller's tid");

    for (int i = 0; i < NTHREADS; i++) {
        info[i].index = i;
        ok = pthread_create(&th[i], NULL, worker, &info[i]);
        if (ok)
            break;
    }
    CHECK_EQ(ok, 0, "pthread_create x8");
    ok = 1;
    for (int i = 0; i < NTHREADS; i++)
        ok &= pthread_join(th[i], &ret) == 0 && (intptr_t)ret == i * 3;
    CHECK(ok, "pthread_join returns each thread's return value");
    CHECK_EQ(shared_counter, NTHREADS, "threads share memory (atomic counter)");
    ok = 1;
    for (int i = 0; i < NTHREADS; i++) {
        ok &= info[i].tid != main_tid && info[i].tid > 0;
        for (int j = 0; j < i; j++)
            ok &= info[i].tid != info[j].tid;
    }
    CHECK(ok, "gettid differs between all threads and main");
    ok = 1;
    for (int i = 0; i < NTHREADS; i++)
        ok &= info[i].pid == getpid();
    CHECK(ok, "getpid is the same in every thread");
    ok = 1;
    for (int i = 0; i < NTHREADS; i++)
        ok &= info[i].tls_seen == 1;
    CHECK(ok, "each thread starts with its own TLS initial value");
    CHECK_EQ(tls_value, 1, "threads' TLS writes do not affect main");
    ok = 1;
    for (int i = 0; i < NTHREADS; i++)
        ok &= info[i].proc_task_exists;
    CHECK(ok, "/proc/self/task/<tid> exists for a live thread");

    CHECK_EQ(pthread_create(&th[0], NULL, exiter, NULL), 0, "create thread calling pthread_exit");
    CHECK(pthread_join(th[0], &ret) == 0 && (intptr_t)ret == 77, "pthread_exit value seen by join");
    CHECK_EQ(pthread_join(pthread_self(), &ret), EDEADLK, "pthread_join(self) -> EDEADLK");

    /* tgkill targets a specific thread. */
    {
        pid_t target = 0;
        signal(SIGUSR1, on_usr1);
        pthread_create(&th[0], NULL, sig_target, &target);
        while (!__atomic_load_n(&target, __ATOMIC_SEQ_CST))
            sched_yield();
        CHECK_OK(syscall(SYS_tgkill, getpid(), target, SIGUSR1), "tgkill(pid, thread tid, SIGUSR1)");
        pthread_join(th[0], NULL);
        CHECK_EQ(handler_tid, target, "signal handler ran in the targeted thread");
        /* join returns when the tid word is cleared, slightly before the task is gone. */
        for (int i = 0; i < 1000 && syscall(SYS_tgkill, getpid(), target, 0) == 0; i++)
            usleep(1000);
        CHECK_ERR(syscall(SYS_tgkill, getpid(), target, 0), ESRCH, "tgkill exited thread -> ESRCH");
        CHECK_ERR(syscall(SYS_tgkill, getpid() + 100000, main_tid, 0), ESRCH, "tgkill wrong tgid -> ESRCH");
        CHECK_ERR(syscall(SYS_tgkill, getpid(), main_tid, 1000), EINVAL, "tgkill bad signal -> EINVAL");
    }

    /* Raw clone of a thread with CLONE_PARENT_SETTID / CHILD_SETTID / CHILD_CLEARTID. */
    {
        size_t sz = 64 * 1024;
        char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        static volatile pid_t ptid, ctid;
        int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                    CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
        ptid = ctid = -1;
        int tid = clone(raw_thread, stack + sz, flags, NULL, &ptid, NULL, &ctid);
        CHECK(tid > 0 && tid != main_tid, "clone(CLONE_THREAD) returns new tid");
        CHECK_EQ(ptid, tid, "CLONE_PARENT_SETTID stored tid in parent memory");
        /* Wait for the kernel to clear ctid and futex-wake us at thread exit. */
        for (int i = 0; i < 1000 && ctid != 0; i++) {
            pid_t v = ctid;
            if (v != 0) {
                struct timespec ts = { 0, 5000000 };
                syscall(SYS_futex, &ctid, FUTEX_WAIT, v, &ts, NULL, 0);
            }
        }
        CHECK_EQ(ctid, 0, "CLONE_CHILD_CLEARTID zeroed the tid word at thread exit");
        CHECK(raw_child_ran && raw_child_tid == tid, "raw thread ran with gettid == clone result");
        munmap(stack, sz);
    }

    /* clone without CLONE_THREAD but with CLONE_VM: a process sharing memory. */
    {
        size_t sz = 64 * 1024;
        char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        static int cell;
        int status;
        fflush(stdout);
        pid_t pid = clone(proc_child, stack + sz, CLONE_VM | SIGCHLD, &cell);
        CHECK(pid > 0, "clone(CLONE_VM|SIGCHLD) creates a child process");
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3,
              "waitpid collects the cloned child's return value 3");
        CHECK_EQ(cell, 4242, "CLONE_VM child's write visible to parent");
        munmap(stack, sz);
    }
    CHECK_ERR(syscall(SYS_clone, CLONE_THREAD, NULL, NULL, NULL, 0), EINVAL,
              "clone(CLONE_THREAD) without CLONE_SIGHAND -> EINVAL");
    CHECK_ERR(syscall(SYS_clone, CLONE_SIGHAND, NULL, NULL, NULL, 0), EINVAL,
              "clone(CLONE_SIGHAND) without CLONE_VM -> EINVAL");
    CHECK_DONE();
}
