/* robust_futex: set/get_robust_list errnos, OWNER_DIED marking on thread/process death, exec and SIGKILL, list_op_pending, FUTEX_WAITERS and waking. */
/* syscalls: set_robust_list, get_robust_list, futex, gettid, getpid, getppid, mmap, munmap, clone, clone3,
   wait4, pipe2, read, write, close, kill, pause, execve, exit, exit_group, setgroups, setgid, setuid,
   getuid, alarm, clock_nanosleep, tgkill */
/* area: threads */
#include "check.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <unistd.h>

/* A lock as a robust-list entry: the list node followed by the futex word. */
struct rlock {
    struct robust_list node;
    int word;
};

/* Shared page layout (MAP_SHARED so a child process's death is visible here). */
struct shared {
    struct rlock l[4];
    struct robust_list_head head;
};

static struct shared *sh;

static long sys_set(struct robust_list_head *h, size_t len)
{
    return syscall(SYS_set_robust_list, h, len);
}

static long sys_get(int pid, struct robust_list_head **h, size_t *len)
{
    return syscall(SYS_get_robust_list, pid, h, len);
}

static long futex(void *uaddr, int op, unsigned val, const struct timespec *ts)
{
    return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static int gettid_(void)
{
    return (int)syscall(SYS_gettid);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int wait_status(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* Builds a circular robust list in head containing the given locks. */
static void build_list(struct robust_list_head *head, struct rlock **locks, int n)
{
    struct robust_list *prev = &head->list;
    for (int i = 0; i < n; i++) {
        prev->next = &locks[i]->node;
        prev = &locks[i]->node;
    }
    prev->next = &head->list;
    head->futex_offset = offsetof(struct rlock, word) - offsetof(struct rlock, node);
    head->list_op_pending = NULL;
}

/* ---- thread dying with locks on its list ---- */
static struct robust_list_head thr_head;
static struct rlock thr_locks[3];
static int thr_tid;
static volatile int thr_hold;
static struct robust_list_head *thr_seen_head;

static void *robust_thread(void *arg)
{
    (void)arg;
    struct rlock *ls[3] = {&thr_locks[0], &thr_locks[1], &thr_locks[2]};
    thr_tid = gettid_();
    thr_locks[0].word = thr_tid;                 /* held */
    thr_locks[1].word = thr_tid | FUTEX_WAITERS; /* held, with waiters flagged */
    thr_locks[2].word = 12345;                   /* owned by someone else */
    build_list(&thr_head, ls, 3);
    if (sys_set(&thr_head, sizeof(thr_head)) != 0)
        return (void *)1;
    __atomic_store_n(&thr_hold, 1, __ATOMIC_SEQ_CST);
    /* Wait until main has read our list with get_robust_list(tid). */
    while (__atomic_load_n(&thr_hold, __ATOMIC_SEQ_CST) == 1)
        sleep_ms(1);
    return NULL;
}

/* ---- thread with only list_op_pending ---- */
static struct robust_list_head pend_head;
static struct rlock pend_lock, pend_other;
static int pend_tid;

static void *pending_thread(void *arg)
{
    (void)arg;
    pend_tid = gettid_();
    pend_head.list.next = &pend_head.list; /* empty list */
    pend_head.futex_offset = offsetof(struct rlock, word) - offsetof(struct rlock, node);
    pend_lock.word = pend_tid;
    pend_head.list_op_pending = &pend_lock.node; /* acquired, not yet linked */
    sys_set(&pend_head, sizeof(pend_head));
    return NULL;
}

static void *pending_other_thread(void *arg)
{
    (void)arg;
    pend_head.list.next = &pend_head.list;
    pend_head.futex_offset = offsetof(struct rlock, word) - offsetof(struct rlock, node);
    pend_other.word = 777; /* pending op on a lock owned by another tid */
    pend_head.list_op_pending = &pend_other.node;
    sys_set(&pend_head, sizeof(pend_head));
    return NULL;
}

/* ---- child process helpers ---- */

/* Child: take sh->l[idx], register a list for it, report readiness on fd, then act. */
static void child_hold(int idx, int fd, int mode)
{
    struct rlock *ls[1] = {&sh->l[idx]};
    int tid = gettid_();
    __atomic_store_n(&sh->l[idx].word, tid, __ATOMIC_SEQ_CST);
    build_list(&sh->head, ls, 1);
    if (sys_set(&sh->head, sizeof(sh->head)) != 0)
        _exit(90);
    if (write(fd, &tid, sizeof(tid)) != sizeof(tid))
        _exit(91);
    if (mode == 0) {
        /* Wait until the parent has flagged FUTEX_WAITERS (it is about to wait), then die. */
        for (int i = 0; i < 2000; i++) {
            if (__atomic_load_n(&sh->l[idx].word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS)
                break;
            sleep_ms(1);
        }
        sleep_ms(30);
        _exit(0);
    }
    if (mode == 1) {
        for (;;)
            pause(); /* killed by the parent */
    }
    if (mode == 2) {
        char *argv[] = {"/proc/self/exe", "exec-helper", NULL};
        execv("/proc/self/exe", argv);
        _exit(92);
    }
    _exit(93);
}

static void *group_thread(void *arg)
{
    (void)arg;
    static struct robust_list_head th;
    struct rlock *ls[1] = {&sh->l[3]};
    __atomic_store_n(&sh->l[3].word, gettid_(), __ATOMIC_SEQ_CST);
    build_list(&th, ls, 1);
    sys_set(&th, sizeof(th));
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    struct robust_list_head own, *hp = NULL;
    size_t len = 0;
    int p[2];

    if (argc > 1 && strcmp(argv[1], "exec-helper") == 0)
        _exit(0);

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* set_robust_list length validation. */
    CHECK_EQ(sizeof(struct robust_list_head), 24, "struct robust_list_head is 24 bytes on amd64");
    CHECK_ERR(sys_set(&own, sizeof(own) - 1), EINVAL, "set_robust_list len 23 -> EINVAL");
    CHECK_ERR(sys_set(&own, sizeof(own) + 8), EINVAL, "set_robust_list len 32 -> EINVAL");
    CHECK_ERR(sys_set(&own, 0), EINVAL, "set_robust_list len 0 -> EINVAL");

    /* get_robust_list on ourselves. */
    struct robust_list_head *orig = NULL;
    CHECK_EQ(sys_get(0, &orig, &len), 0, "get_robust_list(0) on self succeeds");
    CHECK_EQ(len, sizeof(struct robust_list_head), "get_robust_list reports len 24");
    own.list.next = &own.list;
    own.futex_offset = 0;
    own.list_op_pending = NULL;
    CHECK_EQ(sys_set(&own, sizeof(own)), 0, "set_robust_list with an empty list");
    hp = NULL;
    CHECK(sys_get(0, &hp, &len) == 0 && hp == &own, "get_robust_list(0) returns the head just set");
    hp = NULL;
    CHECK(sys_get(gettid_(), &hp, &len) == 0 && hp == &own, "get_robust_list(own tid) returns the same head");
    /* set_robust_list accepts any pointer: it is only read at exit. */
    CHECK_EQ(sys_set((struct robust_list_head *)8, sizeof(own)), 0, "set_robust_list with a bogus head pointer succeeds");
    hp = NULL;
    CHECK(sys_get(0, &hp, &len) == 0 && hp == (struct robust_list_head *)8, "bogus head pointer is reported back");
    sys_set(orig, sizeof(own)); /* give glibc its list back */
    CHECK_ERR(sys_get(INT_MAX, &hp, &len), ESRCH, "get_robust_list(nonexistent pid) -> ESRCH");
    CHECK_ERR(sys_get(0, (struct robust_list_head **)8, &len), EFAULT, "get_robust_list bad head_ptr -> EFAULT");
    CHECK_ERR(sys_get(0, &hp, (size_t *)8), EFAULT, "get_robust_list bad len_ptr -> EFAULT");

    sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(sh != MAP_FAILED, "mmap shared page");
    if (sh == MAP_FAILED)
        CHECK_DONE();

    /* Another thread's list is readable by tid; at its exit the kernel walks it. */
    {
        pthread_t th;
        void *ret = (void *)-1;
        CHECK_EQ(pthread_create(&th, NULL, robust_thread, NULL), 0, "create lock-holding thread");
        for (int i = 0; i < 2000 && __atomic_load_n(&thr_hold, __ATOMIC_SEQ_CST) == 0; i++)
            sleep_ms(1);
        CHECK_EQ(thr_hold, 1, "thread registered its robust list");
        thr_seen_head = NULL;
        CHECK(sys_get(thr_tid, &thr_seen_head, &len) == 0 && thr_seen_head == &thr_head,
              "get_robust_list(thread tid) returns that thread's head");
        __atomic_store_n(&thr_hold, 2, __ATOMIC_SEQ_CST);
        pthread_join(th, &ret);
        CHECK(ret == NULL, "thread exited normally");
        CHECK_EQ((unsigned)thr_locks[0].word, (unsigned)FUTEX_OWNER_DIED,
                 "held lock: word becomes FUTEX_OWNER_DIED (tid cleared)");
        CHECK_EQ((unsigned)thr_locks[1].word, (unsigned)(FUTEX_OWNER_DIED | FUTEX_WAITERS),
                 "held lock with FUTEX_WAITERS: bit preserved alongside OWNER_DIED");
        CHECK_EQ(thr_locks[2].word, 12345, "lock owned by another tid is left alone");
        /* pthread_join returns once the kernel clears the tid word, which is before the
         * exiting thread is released: wait until the tid is gone for signals too. */
        for (int i = 0; i < 2000 && syscall(SYS_tgkill, getpid(), thr_tid, 0) == 0; i++)
            sleep_ms(1);
        CHECK_ERR(sys_get(thr_tid, &hp, &len), ESRCH, "get_robust_list(exited thread tid) -> ESRCH");
    }

    /* list_op_pending: an acquired-but-unlinked lock is also cleaned up. */
    {
        pthread_t th;
        pthread_create(&th, NULL, pending_thread, NULL);
        pthread_join(th, NULL);
        CHECK_EQ((unsigned)pend_lock.word, (unsigned)FUTEX_OWNER_DIED, "list_op_pending lock owned by the dead thread -> OWNER_DIED");
        pthread_create(&th, NULL, pending_other_thread, NULL);
        pthread_join(th, NULL);
        CHECK_EQ(pend_other.word, 777, "list_op_pending lock owned by another tid is untouched");
    }

    /* A child process dies holding a lock in shared memory while we wait on it. */
    {
        int tid = 0;
        pipe2(p, 0);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            child_hold(0, p[1], 0);
        }
        close(p[1]);
        CHECK(read(p[0], &tid, sizeof(tid)) == sizeof(tid) && tid == pid, "child holds the lock (word = its tid)");
        close(p[0]);
        unsigned expect = (unsigned)tid;
        int cas = __atomic_compare_exchange_n(&sh->l[0].word, (int *)&expect, tid | FUTEX_WAITERS, 0,
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        CHECK(cas, "set FUTEX_WAITERS on the held word");
        struct timespec to = {3, 0};
        errno = 0;
        long r = futex(&sh->l[0].word, FUTEX_WAIT, (unsigned)(tid | FUTEX_WAITERS), &to);
        int e = errno;
        /* 0: woken by the kernel at the owner's death; EAGAIN: the word changed before we slept. */
        CHECK(r == 0 || (r == -1 && e == EAGAIN), "waiter woken by the owner's death (no timeout)");
        int st = wait_status(pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exited 0");
        CHECK_EQ((unsigned)sh->l[0].word, (unsigned)(FUTEX_OWNER_DIED | FUTEX_WAITERS),
                 "shared word: OWNER_DIED | WAITERS after child exit");
    }

    /* Child killed by SIGKILL while holding a lock. */
    {
        int tid = 0;
        pipe2(p, 0);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            child_hold(1, p[1], 1);
        }
        close(p[1]);
        CHECK(read(p[0], &tid, sizeof(tid)) == sizeof(tid), "child holds lock 1");
        close(p[0]);
        kill(pid, SIGKILL);
        int st = wait_status(pid);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child killed by SIGKILL");
        CHECK_EQ((unsigned)sh->l[1].word, (unsigned)FUTEX_OWNER_DIED, "SIGKILLed owner: word is FUTEX_OWNER_DIED");
    }

    /* execve also releases the robust list (exec_mm_release). */
    {
        int tid = 0;
        pipe2(p, 0);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            child_hold(2, p[1], 2);
        }
        close(p[1]);
        CHECK(read(p[0], &tid, sizeof(tid)) == sizeof(tid), "child holds lock 2 before execve");
        close(p[0]);
        int st = wait_status(pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exec'd the helper which exited 0");
        CHECK_EQ((unsigned)sh->l[2].word, (unsigned)FUTEX_OWNER_DIED, "lock held across execve: OWNER_DIED");
    }

    /* exit_group from the main thread cleans up every thread's list. */
    {
        sh->l[0].word = 0;
        sh->l[3].word = 0;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            pthread_t th;
            struct rlock *ls[1] = {&sh->l[0]};
            static struct robust_list_head mh;
            __atomic_store_n(&sh->l[0].word, gettid_(), __ATOMIC_SEQ_CST);
            build_list(&mh, ls, 1);
            sys_set(&mh, sizeof(mh));
            pthread_create(&th, NULL, group_thread, NULL);
            for (int i = 0; i < 2000 && __atomic_load_n(&sh->l[3].word, __ATOMIC_SEQ_CST) == 0; i++)
                sleep_ms(1);
            syscall(SYS_exit_group, 4);
            _exit(99);
        }
        int st = wait_status(pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4, "two-thread child exit_group(4)");
        CHECK_EQ((unsigned)sh->l[0].word, (unsigned)FUTEX_OWNER_DIED, "main thread's lock: OWNER_DIED");
        CHECK_EQ((unsigned)sh->l[3].word, (unsigned)FUTEX_OWNER_DIED, "other thread's lock: OWNER_DIED on group exit");
    }

    /* get_robust_list of a child process (root: ptrace access). */
    {
        int cp[2], gp[2];
        pipe2(cp, 0);
        pipe2(gp, 0);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            static struct robust_list_head ch;
            struct robust_list_head *a = &ch;
            char c;
            ch.list.next = &ch.list;
            sys_set(&ch, sizeof(ch));
            write(cp[1], &a, sizeof(a));
            read(gp[0], &c, 1);
            _exit(0);
        }
        struct robust_list_head *a = NULL;
        read(cp[0], &a, sizeof(a));
        hp = NULL;
        /* needs root: ptrace read access to another process */
        CHECK(sys_get(pid, &hp, &len) == 0 && hp == a && a != NULL, "get_robust_list(child pid) returns the child's head");
        write(gp[1], "x", 1);
        wait_status(pid);
        close(cp[0]);
        close(cp[1]);
        close(gp[0]);
        close(gp[1]);
    }

    /* Unprivileged caller cannot read a root process's list. */
    if (getuid() == 0) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            struct robust_list_head *h2;
            size_t l2;
            if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
                _exit(10);
            if (sys_get(getppid(), &h2, &l2) != -1 || errno != EPERM)
                _exit(11);
            if (sys_get(0, &h2, &l2) != 0)
                _exit(12);
            _exit(0);
        }
        int st = wait_status(pid);
        /* needs root: drops to uid 65534 to be denied access to a root process */
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "uid 65534: get_robust_list(root parent) -> EPERM, own list ok");
    } else {
        CHECK_SKIP("uid 65534: get_robust_list(root parent) -> EPERM", "not root");
    }

    munmap(sh, 4096);
    CHECK_DONE();
}
