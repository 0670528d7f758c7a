/* getdents_large: getdents64 on a 500-entry directory with small buffers: EINVAL, exactly-once listing, d_type, d_off/lseek resume, rewind, changes while reading, errnos. */
/* syscalls: getdents64, getdents, lseek, openat, close, mkdir, mknodat, symlink, unlink, rmdir, dup,
   newfstatat, write, alarm */
/* area: dirs */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NFILES 480
#define NDIRS 10
#define NLINKS 5
#define NFIFOS 3
#define IDX_DOT 498
#define IDX_DOTDOT 499
#define NBASE 500 /* entries initially: 498 created + . + .. */
#define NNEW 20
#define NALL (NBASE + NNEW)

struct d64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static char dir[128];
static char longname[256];

/* Maps an entry name to its index, -1 if unexpected. */
static int idx_of(const char *n)
{
    size_t l = strlen(n);
    if (strcmp(n, ".") == 0)
        return IDX_DOT;
    if (strcmp(n, "..") == 0)
        return IDX_DOTDOT;
    if (n[0] == 'f' && l == 4)
        return atoi(n + 1) < NFILES ? atoi(n + 1) : -1;
    if (n[0] == 'd' && l == 3)
        return atoi(n + 1) < NDIRS ? NFILES + atoi(n + 1) : -1;
    if (n[0] == 'l' && l == 2)
        return atoi(n + 1) < NLINKS ? NFILES + NDIRS + atoi(n + 1) : -1;
    if (n[0] == 'p' && l == 2)
        return atoi(n + 1) < NFIFOS ? NFILES + NDIRS + NLINKS + atoi(n + 1) : -1;
    if (n[0] == 'n' && l == 3)
        return atoi(n + 1) < NNEW ? NBASE + atoi(n + 1) : -1;
    return -1;
}

static unsigned char want_type(int i)
{
    if (i < NFILES)
        return DT_REG;
    if (i < NFILES + NDIRS)
        return DT_DIR;
    if (i < NFILES + NDIRS + NLINKS)
        return DT_LNK;
    if (i < NFILES + NDIRS + NLINKS + NFIFOS)
        return DT_FIFO;
    if (i == IDX_DOT || i == IDX_DOTDOT)
        return DT_DIR;
    return DT_REG;
}

static void path_of(int i, char *out, size_t sz)
{
    if (i < NFILES)
        snprintf(out, sz, "%s/f%03d", dir, i);
    else if (i < NFILES + NDIRS)
        snprintf(out, sz, "%s/d%02d", dir, i - NFILES);
    else if (i < NFILES + NDIRS + NLINKS)
        snprintf(out, sz, "%s/l%d", dir, i - NFILES - NDIRS);
    else if (i < NFILES + NDIRS + NLINKS + NFIFOS)
        snprintf(out, sz, "%s/p%d", dir, i - NFILES - NDIRS - NLINKS);
    else
        snprintf(out, sz, "%s/n%02d", dir, i - NBASE);
}

/* Ordered listing from one full read. */
static int order[NALL + 8];
static int64_t offs[NALL + 8];
static uint64_t inos[NALL + 8];
static int norder;
static int gone[NALL];

/* Per-listing stats. */
struct listing {
    int seen[NALL];
    int unexpected, badrec, badtype, calls, maxper, total, err;
};

/* Reads fd to EOF with a buffer of bufsz bytes, at most maxcalls calls (0 = no limit). */
static void read_list(int fd, size_t bufsz, struct listing *L, int maxcalls, int record)
{
    static char buf[65536] __attribute__((aligned(8)));
    for (;;) {
        if (maxcalls && L->calls >= maxcalls)
            return;
        long n = syscall(SYS_getdents64, fd, buf, bufsz);
        if (n < 0) {
            L->err = errno;
            return;
        }
        if (n == 0)
            return;
        L->calls++;
        int per = 0;
        for (long p = 0; p < n;) {
            struct d64 *d = (struct d64 *)(buf + p);
            size_t nl = strnlen(d->d_name, d->d_reclen > 19 ? d->d_reclen - 19 : 0);
            if (d->d_reclen % 8 || d->d_reclen < 19 + nl + 1 || p + d->d_reclen > n || d->d_ino == 0)
                L->badrec++;
            if (d->d_reclen == 0)
                break;
            int i = idx_of(d->d_name);
            if (i < 0) {
                L->unexpected++;
            } else {
                L->seen[i]++;
                if (d->d_type != want_type(i))
                    L->badtype++;
                if (record && norder < NALL + 8) {
                    order[norder] = i;
                    inos[norder] = d->d_ino;
                    offs[norder++] = d->d_off;
                }
            }
            L->total++;
            per++;
            p += d->d_reclen;
        }
        if (per > L->maxper)
            L->maxper = per;
    }
}

/* Reads exactly one getdents64 batch with a buffer that fits one entry; returns index or -1. */
static int read_one(int fd, int64_t *off)
{
    char buf[40] __attribute__((aligned(8)));
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0)
        return -2;
    struct d64 *d = (struct d64 *)buf;
    if (off)
        *off = d->d_off;
    return idx_of(d->d_name);
}

static int all_once(const struct listing *L, int from, int to)
{
    for (int i = from; i < to; i++)
        if (L->seen[i] != 1)
            return 0;
    return 1;
}

int main(void)
{
    char p[512];
    int fd, ok;
    static struct listing L1, L2, L3;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(longname, 'L', 255);
    snprintf(dir, sizeof dir, "/tmp/getdents_large%s.%d", CONF_TAG, (int)getpid());
    if (mkdir(dir, 0755) != 0) {
        CHECK(0, "mkdir test directory");
        CHECK_DONE();
    }
    ok = 1;
    for (int i = 0; i < NFILES; i++) {
        path_of(i, p, sizeof p);
        int f = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (f < 0)
            ok = 0;
        else
            close(f);
    }
    CHECK(ok, "create 480 regular files");
    ok = 1;
    for (int i = NFILES; i < NFILES + NDIRS; i++) {
        path_of(i, p, sizeof p);
        ok &= mkdir(p, 0755) == 0;
    }
    for (int i = NFILES + NDIRS; i < NFILES + NDIRS + NLINKS; i++) {
        path_of(i, p, sizeof p);
        ok &= symlink("f000", p) == 0;
    }
    for (int i = NFILES + NDIRS + NLINKS; i < NFILES + NDIRS + NLINKS + NFIFOS; i++) {
        path_of(i, p, sizeof p);
        ok &= mknod(p, S_IFIFO | 0644, 0) == 0;
    }
    CHECK(ok, "create 10 dirs, 5 symlinks and 3 fifos");

    fd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0, "open the directory");
    if (fd < 0)
        goto out;

    /* Buffers too small for any entry. */
    {
        char b[64] __attribute__((aligned(8)));
        CHECK_ERR(syscall(SYS_getdents64, fd, b, 0), EINVAL, "getdents64 count 0 -> EINVAL");
        CHECK_ERR(syscall(SYS_getdents64, fd, b, 1), EINVAL, "getdents64 count 1 -> EINVAL");
        CHECK_ERR(syscall(SYS_getdents64, fd, b, 23), EINVAL, "count 23 (< smallest 24-byte record) -> EINVAL");
        CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0, "failed calls do not move the position");
        CHECK_ERR(syscall(SYS_getdents64, fd, (void *)16, 4096), EFAULT, "bad buffer -> EFAULT");
        lseek(fd, 0, SEEK_SET);
    }

    /* Full listing with a large buffer, recording order and offsets. */
    read_list(fd, 4096, &L1, 0, 1);
    CHECK_EQ(L1.err, 0, "4 KiB-buffer listing reaches the end without error");
    CHECK_EQ(L1.total, NBASE, "500 entries listed");
    CHECK(all_once(&L1, 0, NBASE) && L1.unexpected == 0, "every name exactly once, nothing unexpected");
    CHECK_EQ(L1.badrec, 0, "d_reclen multiple of 8, fits name+NUL, d_ino non-zero");
    CHECK_EQ(L1.badtype, 0, "d_type: DT_REG/DT_DIR/DT_LNK/DT_FIFO as created, DT_DIR for . and ..");
    CHECK(L1.calls >= 3 && L1.maxper <= 4096 / 24, "4 KiB buffer: several calls, at most 170 records each");
    {
        char b[64];
        CHECK_EQ(syscall(SYS_getdents64, fd, b, sizeof b), 0, "at end: getdents64 returns 0");
        CHECK_EQ(syscall(SYS_getdents64, fd, b, sizeof b), 0, "and again 0");
    }
    {
        struct stat st;
        int k, good = 1;
        for (k = 0; k < norder && order[k] != 0; k++)
            ;
        path_of(0, p, sizeof p);
        CHECK(k < norder && lstat(p, &st) == 0 && inos[k] == st.st_ino, "d_ino of f000 matches lstat");
        for (k = 0; k < norder && order[k] != NFILES; k++)
            ;
        path_of(NFILES, p, sizeof p);
        CHECK(k < norder && lstat(p, &st) == 0 && inos[k] == st.st_ino, "d_ino of directory d00 matches lstat");
        for (k = 0; k < norder && order[k] != IDX_DOT; k++)
            ;
        CHECK(k < norder && stat(dir, &st) == 0 && inos[k] == st.st_ino, "d_ino of . is the directory's inode");
        CHECK_EQ(lseek(fd, 0, SEEK_SET), 0, "lseek(0, SEEK_SET) on the directory");
        int64_t o;
        for (k = 0; k < 3; k++)
            if (read_one(fd, &o) != order[k] || o != offs[k])
                good = 0;
        CHECK(good, "after rewind: the same first three entries and d_off values");
    }

    /* One entry per call with a 40-byte buffer (every short name has a 24-byte record). */
    lseek(fd, 0, SEEK_SET);
    read_list(fd, 40, &L2, 0, 0);
    CHECK(L2.err == 0 && L2.total == NBASE && all_once(&L2, 0, NBASE), "40-byte buffer: every name exactly once");
    CHECK(L2.maxper == 1 && L2.calls == NBASE, "40-byte buffer: one entry per call");
    lseek(fd, 0, SEEK_SET);
    read_list(fd, 64, &L3, 0, 0);
    CHECK(L3.err == 0 && L3.total == NBASE && all_once(&L3, 0, NBASE) && L3.maxper == 2 && L3.calls <= 260,
          "64-byte buffer: two 24-byte records per call, all names once");

    /* A 255-byte name needs a 280-byte record (in subdirectory d00 with . and ..). */
    {
        char b[300] __attribute__((aligned(8)));
        int sf, before = 0, r = -1, e = 0, rest = 0;
        snprintf(p, sizeof p, "%s/d00/%s", dir, longname);
        sf = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
        CHECK(sf >= 0, "create a file with a 255-byte name");
        if (sf >= 0)
            close(sf);
        snprintf(p, sizeof p, "%s/d00", dir);
        sf = open(p, O_RDONLY | O_DIRECTORY);
        for (int j = 0; j < 5; j++) {
            errno = 0;
            r = syscall(SYS_getdents64, sf, b, 40);
            e = errno;
            if (r <= 0)
                break;
            before++;
        }
        CHECK(r == -1 && e == EINVAL && before < 3, "40-byte buffer reaching the 280-byte record -> EINVAL");
        CHECK_ERR(syscall(SYS_getdents64, sf, b, 279), EINVAL, "279-byte buffer at the 280-byte record -> EINVAL");
        long n = syscall(SYS_getdents64, sf, b, 280);
        struct d64 *d = (struct d64 *)b;
        CHECK(n == 280 && d->d_reclen == 280 && strcmp(d->d_name, longname) == 0 && d->d_type == DT_REG,
              "280-byte buffer returns exactly the 280-byte record");
        while (syscall(SYS_getdents64, sf, b, 40) > 0)
            rest++;
        CHECK_EQ(before + 1 + rest, 3, "then the rest: 3 entries in total");
        if (sf >= 0)
            close(sf);
        snprintf(p, sizeof p, "%s/d00/%s", dir, longname);
        unlink(p);
    }

    /* d_off resume and the file position. */
    {
        int good = 1;
        int ks[3] = {100, 250, 400};
        for (int j = 0; j < 3; j++) {
            int k = ks[j];
            int64_t o;
            if (lseek(fd, offs[k], SEEK_SET) != offs[k])
                good = 0;
            if (read_one(fd, &o) != order[k + 1] || o != offs[k + 1])
                good = 0;
        }
        CHECK(good, "lseek to an entry's d_off resumes at the following entry (3 positions)");
        lseek(fd, 0, SEEK_SET);
        for (int j = 0; j < 37; j++)
            read_one(fd, NULL);
        CHECK_EQ(lseek(fd, 0, SEEK_CUR), offs[36], "position after 37 entries equals the 37th d_off");
        lseek(fd, offs[norder - 1], SEEK_SET);
        char b[64];
        CHECK_EQ(syscall(SYS_getdents64, fd, b, sizeof b), 0, "lseek to the last d_off: end of directory");
    }

    /* dup shares the position, a new open does not. */
    {
        lseek(fd, 0, SEEK_SET);
        for (int j = 0; j < 10; j++)
            read_one(fd, NULL);
        int fd2 = dup(fd);
        CHECK(fd2 >= 0 && read_one(fd2, NULL) == order[10] && read_one(fd, NULL) == order[11],
              "dup'd fd continues where the original stopped, and vice versa");
        int fd3 = open(dir, O_RDONLY | O_DIRECTORY);
        CHECK(fd3 >= 0 && read_one(fd3, NULL) == order[0], "separate open starts at the beginning");
        if (fd2 >= 0)
            close(fd2);
        if (fd3 >= 0)
            close(fd3);
    }

    /* Old getdents(2) with d_type in the last byte. */
    {
        static char b[32768] __attribute__((aligned(8)));
        int cnt = 0, bad = 0;
        lseek(fd, 0, SEEK_SET);
        for (;;) {
            long n = syscall(SYS_getdents, fd, b, sizeof b);
            if (n <= 0) {
                if (n < 0)
                    bad++;
                break;
            }
            for (long q = 0; q < n;) {
                unsigned short rl = *(unsigned short *)(b + q + 16);
                const char *nm = b + q + 18;
                int i = idx_of(nm);
                if (i < 0 || (unsigned char)b[q + rl - 1] != want_type(i))
                    bad++;
                cnt++;
                if (rl == 0)
                    break;
                q += rl;
            }
        }
        CHECK(cnt == NBASE && bad == 0, "legacy getdents: 500 entries, d_type in the record's last byte");
    }

    /* Entries removed and added while a listing is in progress. */
    {
        static struct listing M, F;
        int fd4 = open(dir, O_RDONLY | O_DIRECTORY);
        CHECK(fd4 >= 0, "open for the modification test");
        if (fd4 >= 0) {
            read_list(fd4, 40, &M, 200, 0);
            int rs = 0, ru = 0;
            for (int i = 0; i < NFILES; i++) {
                if (M.seen[i] && rs < 20) {
                    path_of(i, p, sizeof p);
                    if (unlink(p) == 0)
                        gone[i] = 1, rs++;
                } else if (!M.seen[i] && ru < 20) {
                    path_of(i, p, sizeof p);
                    if (unlink(p) == 0)
                        gone[i] = 1, ru++;
                }
            }
            int cr = 0;
            for (int i = NBASE; i < NALL; i++) {
                path_of(i, p, sizeof p);
                int f = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
                if (f >= 0)
                    close(f), cr++;
            }
            CHECK(rs == 20 && ru == 20 && cr == 20, "removed 20 seen and 20 unseen files, created 20 new ones");
            read_list(fd4, 40, &M, 0, 0);
            int dup = 0, miss = 0;
            for (int i = 0; i < NALL; i++) {
                if (M.seen[i] > 1)
                    dup++;
                if (i < NBASE && !gone[i] && M.seen[i] != 1)
                    miss++;
            }
            CHECK(M.err == 0 && M.unexpected == 0, "listing continues to the end without error");
            CHECK_EQ(dup, 0, "no name returned twice");
            CHECK_EQ(miss, 0, "every untouched name returned exactly once");
            close(fd4);
        }
        int fd5 = open(dir, O_RDONLY | O_DIRECTORY);
        read_list(fd5, 4096, &F, 0, 0);
        int bad = 0;
        for (int i = 0; i < NALL; i++)
            if (F.seen[i] != (gone[i] ? 0 : 1))
                bad++;
        CHECK(F.total == NBASE - 40 + NNEW && bad == 0 && F.unexpected == 0,
              "fresh listing: 460 old + 20 new entries, removed names absent");
        if (fd5 >= 0)
            close(fd5);
    }

    /* Errors. */
    {
        char b[4096];
        int k = 0;
        while (gone[k])
            k++;
        path_of(k, p, sizeof p);
        int ff = open(p, O_RDONLY);
        CHECK_ERR(syscall(SYS_getdents64, ff, b, sizeof b), ENOTDIR, "getdents64 on a regular file -> ENOTDIR");
        if (ff >= 0)
            close(ff);
        int pf = open(dir, O_PATH | O_DIRECTORY);
        CHECK_ERR(syscall(SYS_getdents64, pf, b, sizeof b), EBADF, "getdents64 on an O_PATH dir fd -> EBADF");
        if (pf >= 0)
            close(pf);
        int cf = open(dir, O_RDONLY | O_DIRECTORY);
        close(cf);
        CHECK_ERR(syscall(SYS_getdents64, cf, b, sizeof b), EBADF, "getdents64 on a closed fd -> EBADF");
        CHECK_ERR(syscall(SYS_getdents64, -1, b, sizeof b), EBADF, "getdents64 fd -1 -> EBADF");
        snprintf(p, sizeof p, "%s/dead", dir);
        mkdir(p, 0755);
        int df = open(p, O_RDONLY | O_DIRECTORY);
        rmdir(p);
        /* Linux: iterate_dir() on a removed directory fails with ENOENT. */
        CHECK_ERR(syscall(SYS_getdents64, df, b, sizeof b), ENOENT, "getdents64 on a removed directory -> ENOENT");
        if (df >= 0)
            close(df);
    }
    close(fd);

out:
    ok = 1;
    for (int i = 0; i < NALL; i++) {
        path_of(i, p, sizeof p);
        if (i >= NFILES && i < NFILES + NDIRS)
            rmdir(p);
        else if (i != IDX_DOT && i != IDX_DOTDOT)
            unlink(p);
    }
    CHECK_OK(rmdir(dir), "cleanup: directory empty and removed");
    CHECK_DONE();
}
