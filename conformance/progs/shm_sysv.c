/* shm_sysv: System V shared memory: shmget/shmat/shmdt/shmctl, sharing across fork, IPC_RMID, permissions and errnos. */
/* syscalls: shmget, shmat, shmdt, shmctl, fork, wait4, setuid, getpid */
/* area: ipc */
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static long nattch(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1;
}

static int unpriv_child(int id, key_t key)
{
    struct shmid_ds ds;
    int bad = 0;
    if (setuid(65534) != 0)
        return 100;
    if (shmat(id, NULL, 0) != (void *)-1 || errno != EACCES)
        bad |= 1;
    if (shmat(id, NULL, SHM_RDONLY) != (void *)-1 || errno != EACCES)
        bad |= 2;
    if (shmget(key, 0, 0600) != -1 || errno != EACCES)
        bad |= 4; /* asking for rw access */
    if (shmget(key, 0, 0) != id)
        bad |= 32; /* a lookup that requests no access bits is allowed */
    if (shmctl(id, IPC_STAT, &ds) != -1 || errno != EACCES)
        bad |= 8;
    if (shmctl(id, IPC_RMID, NULL) != -1 || errno != EPERM)
        bad |= 16;
    return bad;
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    struct shmid_ds ds;
    pid_t pid, me = getpid();
    /* Key unique to this process and build (the two builds never share a pid). */
    key_t key = (key_t)(0x53000000 | (me & 0xffffff));
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int id = shmget(IPC_PRIVATE, 5000, IPC_CREAT | 0600);
    CHECK(id >= 0, "shmget(IPC_PRIVATE, 5000, 0600)");
    if (id < 0)
        CHECK_DONE();
    CHECK(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT");
    CHECK_EQ(ds.shm_segsz, 5000, "shm_segsz is the requested (unrounded) size");
    CHECK_EQ(ds.shm_nattch, 0, "shm_nattch 0 before attaching");
    CHECK_EQ(ds.shm_perm.mode & 0777, 0600, "shm_perm.mode 0600");
    CHECK(ds.shm_cpid == me && ds.shm_perm.cuid == getuid() && ds.shm_perm.uid == getuid(), "cpid, cuid, uid");
    CHECK(ds.shm_atime == 0 && ds.shm_ctime > 0, "atime 0, ctime set");

    char *a = shmat(id, NULL, 0);
    CHECK(a != (void *)-1 && ((uintptr_t)a % pg) == 0, "shmat returns a page-aligned address");
    if (a == (void *)-1) {
        shmctl(id, IPC_RMID, NULL);
        CHECK_DONE();
    }
    CHECK(a[0] == 0 && a[4999] == 0 && a[2 * pg - 1] == 0, "segment is zero-filled (whole rounded pages mapped)");
    strcpy(a, "sysv");
    CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1 && ds.shm_lpid == me && ds.shm_atime > 0,
          "after shmat: nattch 1, lpid, atime");
    char *b = shmat(id, NULL, 0);
    CHECK(b != (void *)-1 && b != a && strcmp(b, "sysv") == 0, "second attach at another address shares data");
    CHECK_EQ(nattch(id), 2, "nattch 2");
    CHECK_OK(shmdt(b), "shmdt the second attachment");
    CHECK_EQ(nattch(id), 1, "nattch back to 1");
    CHECK_ERR(shmdt(b), EINVAL, "shmdt of a no longer attached address -> EINVAL");
    CHECK_ERR(shmdt(a + 1), EINVAL, "shmdt of an unaligned address -> EINVAL");

    /* Sharing across fork. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (strcmp(a, "sysv") != 0)
            _exit(1);
        if (nattch(id) != 2)
            _exit(2); /* the inherited attachment counts */
        strcpy(a + 100, "child");
        char *c = shmat(id, NULL, SHM_RDONLY);
        if (c == (void *)-1 || strcmp(c + 100, "child") != 0)
            _exit(3);
        signal(SIGSEGV, SIG_DFL);
        c[0] = 'X'; /* SHM_RDONLY: must fault */
        _exit(4);
    }
    CHECK_EQ(wait_code(pid), 200 + SIGSEGV,
             "child: inherited attachment counted, writes shared, SHM_RDONLY write -> SIGSEGV");
    CHECK_STREQ(a + 100, "child", "child's write visible to the parent");
    CHECK_EQ(nattch(id), 1, "child's attachments dropped at exit");

    /* Address selection. */
    b = shmat(id, a + 2 * SHMLBA + 1, 0);
    CHECK(b == (void *)-1 && errno == EINVAL, "shmat at an unaligned address without SHM_RND -> EINVAL");
    {
        char *hole = shmat(id, NULL, 0);
        CHECK_OK(shmdt(hole), "attach and detach to find a free address");
        b = shmat(id, hole + 123, SHM_RND);
        CHECK(b == hole && strcmp(b, "sysv") == 0, "SHM_RND rounds the address down to SHMLBA");
        if (b != (void *)-1)
            shmdt(b);
    }
    CHECK(shmdt(a) == 0 && nattch(id) == 0, "detach everything");
    a = shmat(id, NULL, 0);
    CHECK(a != (void *)-1 && strcmp(a, "sysv") == 0, "content persists while no one is attached");

    /* IPC_SET. */
    CHECK(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT again");
    ds.shm_perm.mode = 0640;
    CHECK(shmctl(id, IPC_SET, &ds) == 0 && shmctl(id, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & 0777) == 0640,
          "IPC_SET changes the mode to 0640");
    CHECK_ERR(shmctl(id, 12345, &ds), EINVAL, "shmctl unknown command -> EINVAL");

    /* IPC_RMID while attached. */
    CHECK_OK(shmctl(id, IPC_RMID, NULL), "IPC_RMID while attached");
    CHECK(shmctl(id, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & SHM_DEST) && ds.shm_perm.__key == IPC_PRIVATE,
          "removed segment still exists: SHM_DEST set");
    strcpy(a, "still");
    CHECK_STREQ(a, "still", "attached memory still usable after IPC_RMID");
    b = shmat(id, NULL, 0);
    CHECK(b != (void *)-1 && strcmp(b, "still") == 0, "Linux lets a new shmat attach a removed segment");
    if (b != (void *)-1)
        shmdt(b);
    CHECK_OK(shmdt(a), "last shmdt");
    CHECK_ERR(shmctl(id, IPC_STAT, &ds), EINVAL, "segment destroyed after the last detach: IPC_STAT -> EINVAL");
    CHECK(shmat(id, NULL, 0) == (void *)-1 && errno == EINVAL, "shmat on a destroyed id -> EINVAL");

    /* Keys. */
    shmctl(shmget(key, 0, 0), IPC_RMID, NULL); /* leftover from a killed earlier run with our pid */
    CHECK_ERR(shmget(key, pg, 0600), ENOENT, "shmget key without IPC_CREAT -> ENOENT");
    int kid = shmget(key, pg, IPC_CREAT | IPC_EXCL | 0600);
    CHECK(kid >= 0, "IPC_CREAT|IPC_EXCL creates the keyed segment");
    CHECK_ERR(shmget(key, pg, IPC_CREAT | IPC_EXCL | 0600), EEXIST, "IPC_CREAT|IPC_EXCL again -> EEXIST");
    CHECK_EQ(shmget(key, pg, IPC_CREAT | 0600), kid, "IPC_CREAT without IPC_EXCL returns the existing id");
    CHECK_EQ(shmget(key, 0, 0), kid, "size 0 lookup of an existing key");
    CHECK_ERR(shmget(key, 2 * pg, 0600), EINVAL, "existing key with a larger size -> EINVAL");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(unpriv_child(kid, key));
    CHECK_EQ(wait_code(pid), 0, "uid 65534 on a 0600 segment: shmat/shmget(0600)/IPC_STAT EACCES, IPC_RMID EPERM, shmget(0) ok"); /* needs root: setuid */
    CHECK_OK(shmctl(kid, IPC_RMID, NULL), "IPC_RMID the keyed segment");
    CHECK_ERR(shmget(key, pg, 0600), ENOENT, "key gone after IPC_RMID (no attachments)");

    /* Size limits. */
    CHECK_ERR(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL, "size 0 -> EINVAL");
    CHECK_ERR(shmget(IPC_PRIVATE, (size_t)-1, IPC_CREAT | 0600), EINVAL, "size SIZE_MAX (> SHMMAX) -> EINVAL");
    CHECK_DONE();
}
