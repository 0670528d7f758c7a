/* proc_misc: /proc/self/{stat,statm,cmdline,environ,comm,limits,cwd,exe,root,task,mounts}, /proc/thread-self, /proc/{meminfo,cpuinfo,loadavg,uptime,stat,version}. */
/* syscalls: openat, read, write, close, readlink, newfstatat, getdents64, prctl, prlimit64, sysinfo, uname,
   clock_gettime, clock_nanosleep, chdir, mkdir, rmdir, pipe2, dup2, execve, clone, clone3, wait4, gettid, futex,
   getpid, getppid, getpgid, getsid */
/* area: proc-dev */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char buf[1 << 17];
static char buf2[1 << 17];

static long slurp_into(const char *path, char *b, long size)
{
    int fd = open(path, O_RDONLY);
    long n = 0, r;
    if (fd < 0)
        return -1;
    while (n < size - 1 && (r = read(fd, b + n, size - 1 - n)) > 0)
        n += r;
    b[n] = 0;
    close(fd);
    return n;
}

static long slurp(const char *path)
{
    return slurp_into(path, buf, sizeof(buf));
}

static const char *kv(const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof(pat), "%s:", key);
    if (strncmp(buf, pat, strlen(pat)) == 0)
        return buf + strlen(pat);
    snprintf(pat, sizeof(pat), "\n%s:", key);
    p = strstr(buf, pat);
    return p ? p + strlen(pat) : NULL;
}

static pid_t gettid_(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* Fields of a stat line after the comm: fields[3] is field 3 (state) ... fields[52]. */
static int stat_fields(const char *line, char *comm, size_t commsz, long long *fields)
{
    const char *lp = strchr(line, '('), *rp = strrchr(line, ')');
    int n = 3;
    if (!lp || !rp || rp < lp)
        return 0;
    size_t cl = (size_t)(rp - lp - 1);
    if (cl >= commsz)
        cl = commsz - 1;
    memcpy(comm, lp + 1, cl);
    comm[cl] = 0;
    fields[1] = strtoll(line, NULL, 10);
    const char *p = rp + 2;
    fields[3] = *p;
    p++;
    while (*p == ' ' && n < 52) {
        char *end;
        long long v = strtoll(p + 1, &end, 10);
        if (end == p + 1)
            break;
        fields[++n] = v;
        p = end;
    }
    return n;
}

static int thr_pipe[2];
static pid_t thr_tid[2];
static char thr_name[2][32];
static char thr_self[2][64];
static volatile int thr_ready;

static void *thr(void *arg)
{
    int i = (int)(long)arg;
    char c;
    thr_tid[i] = gettid_();
    memset(thr_self[i], 0, sizeof(thr_self[i]));
    readlink("/proc/thread-self", thr_self[i], sizeof(thr_self[i]) - 1);
    __atomic_add_fetch(&thr_ready, 1, __ATOMIC_SEQ_CST);
    read(thr_pipe[0], &c, 1); /* released one byte per thread */
    prctl(PR_GET_NAME, thr_name[i], 0, 0, 0);
    return NULL;
}

static int task_count(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    if (d)
        closedir(d);
    return d ? n : -1;
}

/* Sleeper child: announce readiness on stdout, then wait for stdin EOF. */
static int sleeper(void)
{
    char c;
    write(1, "r", 1);
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}

int main(int argc, char **argv)
{
    char dir[96], path[128], l[512], want[512];
    long long f[60];
    char comm[64];
    struct stat st, st2;

    if (argc > 0 && strcmp(argv[0], "procmisc-sleeper") == 0)
        return sleeper();
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof(dir), "/tmp/proc_misc%s.%d", CONF_TAG, (int)getpid());

    /* environ and cmdline of ourselves, before anything changes them. */
    {
        long n = slurp("/proc/self/environ"), w = 0;
        int same = n >= 0;
        for (char **e = environ; *e && same; e++) {
            size_t len = strlen(*e) + 1;
            same = w + (long)len <= n && memcmp(buf + w, *e, len) == 0;
            w += len;
        }
        CHECK(same && w == n, "/proc/self/environ is the initial environment, NUL-separated");
        n = slurp("/proc/self/cmdline");
        w = 0;
        same = n > 0;
        for (int i = 0; i < argc && same; i++) {
            size_t len = strlen(argv[i]) + 1;
            same = w + (long)len <= n && memcmp(buf + w, argv[i], len) == 0;
            w += len;
        }
        CHECK(same && w == n, "/proc/self/cmdline is argv, each NUL-terminated");
    }

    /* stat fields. */
    prctl(PR_SET_NAME, "pm) x (y", 0, 0, 0);
    CHECK(slurp("/proc/self/stat") > 0, "read /proc/self/stat");
    {
        int n = stat_fields(buf, comm, sizeof(comm), f);
        CHECK_EQ(n, 52, "stat has 52 fields");
        CHECK_EQ(f[1], getpid(), "field 1: pid");
        CHECK_STREQ(comm, "pm) x (y", "field 2: comm in parentheses, even with ')' and spaces inside");
        CHECK_EQ(f[3], 'R', "field 3: state R");
        CHECK_EQ(f[4], getppid(), "field 4: ppid");
        CHECK(f[5] == getpgid(0) && f[6] == getsid(0), "fields 5, 6: pgrp and session");
        CHECK_EQ(f[20], 1, "field 20: num_threads 1");
        double up = 0;
        long hz = sysconf(_SC_CLK_TCK);
        slurp_into("/proc/uptime", buf2, sizeof(buf2));
        sscanf(buf2, "%lf", &up);
        CHECK(f[22] > 0 && f[22] <= (long long)((up + 2) * hz), "field 22: starttime in ticks since boot, not in the future");
        long long vsize = f[23];
        slurp("/proc/self/statm");
        long long sz = -1, res = -1, shr = -1;
        sscanf(buf, "%lld %lld %lld", &sz, &res, &shr);
        CHECK(sz > 0 && sz * sysconf(_SC_PAGESIZE) == vsize, "statm size (pages) matches stat vsize (bytes)");
        CHECK(res > 0 && res <= sz && shr <= res, "statm resident <= size, shared <= resident");
        /* rss counters are per-CPU approximations: stat and statm need not agree exactly. */
        CHECK(f[24] > 0 && f[24] <= sz, "stat field 24 rss positive and within the total size");
    }
    slurp("/proc/self/comm");
    CHECK_STREQ(buf, "pm) x (y\n", "comm reflects PR_SET_NAME");
    slurp("/proc/self/status");
    CHECK(kv("Name") && strncmp(kv("Name"), "\tpm) x (y\n", 10) == 0, "status Name: matches comm");

    /* Threads. */
    {
        pthread_t t[2];
        int ok = pipe2(thr_pipe, 0) == 0;
        ok = ok && pthread_create(&t[0], NULL, thr, (void *)0L) == 0;
        ok = ok && pthread_create(&t[1], NULL, thr, (void *)1L) == 0;
        CHECK(ok, "start two threads");
        if (!ok)
            CHECK_DONE();
        for (int i = 0; i < 2000 && __atomic_load_n(&thr_ready, __ATOMIC_SEQ_CST) < 2; i++)
            usleep(1000);
        CHECK_EQ(__atomic_load_n(&thr_ready, __ATOMIC_SEQ_CST), 2, "both threads running");
        slurp("/proc/self/stat");
        stat_fields(buf, comm, sizeof(comm), f);
        CHECK_EQ(f[20], 3, "stat num_threads 3");
        slurp("/proc/self/status");
        CHECK(kv("Threads") && strtol(kv("Threads"), NULL, 10) == 3, "status Threads: 3");
        CHECK_EQ(task_count(), 3, "/proc/self/task has 3 entries");
        snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)thr_tid[0]);
        CHECK(slurp(path) > 0 && strtol(buf, NULL, 10) == thr_tid[0], "task/<tid>/stat field 1 is the tid");
        snprintf(want, sizeof(want), "%d/task/%d", (int)getpid(), (int)thr_tid[1]);
        CHECK_STREQ(thr_self[1], want, "/proc/thread-self in a thread -> <pid>/task/<tid>");
        memset(l, 0, sizeof(l));
        snprintf(want, sizeof(want), "%d/task/%d", (int)getpid(), (int)getpid());
        CHECK(readlink("/proc/thread-self", l, sizeof(l) - 1) > 0 && strcmp(l, want) == 0,
              "/proc/thread-self in the main thread -> <pid>/task/<pid>");
        snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)thr_tid[0]);
        int cfd = open(path, O_WRONLY);
        CHECK(cfd >= 0 && write(cfd, "worker0", 7) == 7, "write task/<tid>/comm of a thread");
        if (cfd >= 0)
            close(cfd);
        write(thr_pipe[1], "gg", 2);
        pthread_join(t[0], NULL);
        pthread_join(t[1], NULL);
        CHECK_STREQ(thr_name[0], "worker0", "the thread's PR_GET_NAME sees the written comm");
        CHECK_STREQ(thr_name[1], "pm) x (y", "other thread keeps the inherited name");
        slurp("/proc/self/comm");
        CHECK_STREQ(buf, "pm) x (y\n", "main thread's comm unchanged");
        int n = -1;
        for (int i = 0; i < 200 && (n = task_count()) != 1; i++)
            usleep(5000);
        CHECK_EQ(n, 1, "joined threads leave /proc/self/task");
        close(thr_pipe[0]);
        close(thr_pipe[1]);
    }

    /* cmdline, environ and comm of an exec'd child. */
    {
        int in[2], out[2], stt;
        char c = 0;
        pipe2(in, O_CLOEXEC);
        pipe2(out, O_CLOEXEC);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            char *av[] = { "procmisc-sleeper", "a b", "", "c", NULL };
            char *ev[] = { "A=1", "B=two", NULL };
            dup2(in[0], 0);
            dup2(out[1], 1);
            execve("/proc/self/exe", av, ev);
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        CHECK(pid > 0 && read(out[0], &c, 1) == 1 && c == 'r', "exec'd child started");
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
        long n = slurp(path);
        CHECK(n == 24 && memcmp(buf, "procmisc-sleeper\0a b\0\0c\0", 24) == 0,
              "child cmdline: argv NUL-separated, empty argument as an empty string");
        snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
        n = slurp(path);
        CHECK(n == 10 && memcmp(buf, "A=1\0B=two\0", 10) == 0, "child environ is exactly the execve envp");
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        CHECK(slurp(path) > 0 && strcmp(buf, "exe\n") == 0, "comm after execve(\"/proc/self/exe\") is the basename \"exe\"");
        close(in[1]);
        CHECK(pid > 0 && waitpid(pid, &stt, 0) == pid && WIFEXITED(stt) && WEXITSTATUS(stt) == 0, "child exits 0");
        close(out[0]);
    }

    /* limits. */
    {
        static const struct {
            const char *name;
            int res;
            const char *unit;
        } rows[] = {
            { "Max cpu time", RLIMIT_CPU, "seconds" },       { "Max file size", RLIMIT_FSIZE, "bytes" },
            { "Max data size", RLIMIT_DATA, "bytes" },       { "Max stack size", RLIMIT_STACK, "bytes" },
            { "Max core file size", RLIMIT_CORE, "bytes" },  { "Max resident set", RLIMIT_RSS, "bytes" },
            { "Max processes", RLIMIT_NPROC, "processes" },  { "Max open files", RLIMIT_NOFILE, "files" },
            { "Max locked memory", RLIMIT_MEMLOCK, "bytes" }, { "Max address space", RLIMIT_AS, "bytes" },
            { "Max file locks", RLIMIT_LOCKS, "locks" },     { "Max pending signals", RLIMIT_SIGPENDING, "signals" },
            { "Max msgqueue size", RLIMIT_MSGQUEUE, "bytes" }, { "Max nice priority", RLIMIT_NICE, "" },
            { "Max realtime priority", RLIMIT_RTPRIO, "" },  { "Max realtime timeout", RLIMIT_RTTIME, "us" },
        };
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        struct rlimit nrl = { 123, rl.rlim_max };
        CHECK_OK(setrlimit(RLIMIT_NOFILE, &nrl), "setrlimit RLIMIT_NOFILE soft 123");
        CHECK(slurp("/proc/self/limits") > 0 && strncmp(buf, "Limit", 5) == 0 && strstr(buf, "Soft Limit") &&
                  strstr(buf, "Hard Limit") && strstr(buf, "Units"),
              "limits header: Limit, Soft Limit, Hard Limit, Units");
        int bad = 0, found = 0;
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
            char *p = strstr(buf, rows[i].name), s[32] = "", h[32] = "", u[32] = "";
            struct rlimit r;
            if (!p) {
                bad++;
                continue;
            }
            found++;
            getrlimit(rows[i].res, &r);
            int k = sscanf(p + 25, "%31s %31s %31[a-z]", s, h, u);
            char ws[32], wh[32];
            if (r.rlim_cur == RLIM_INFINITY)
                strcpy(ws, "unlimited");
            else
                snprintf(ws, sizeof(ws), "%llu", (unsigned long long)r.rlim_cur);
            if (r.rlim_max == RLIM_INFINITY)
                strcpy(wh, "unlimited");
            else
                snprintf(wh, sizeof(wh), "%llu", (unsigned long long)r.rlim_max);
            if (k < 2 || strcmp(s, ws) || strcmp(h, wh) || (rows[i].unit[0] && strcmp(u, rows[i].unit)))
                bad++;
        }
        CHECK(found == 16 && bad == 0, "all 16 limits rows match getrlimit (unlimited for RLIM_INFINITY) with units");
        char *p = strstr(buf, "Max open files");
        CHECK(p && strtol(p + 25, NULL, 10) == 123, "Max open files soft limit shows the new 123");
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    /* cwd, root, exe. */
    CHECK_OK(mkdir(dir, 0755), "mkdir temp dir");
    CHECK_OK(chdir(dir), "chdir into it");
    memset(l, 0, sizeof(l));
    CHECK(readlink("/proc/self/cwd", l, sizeof(l) - 1) > 0 && strcmp(l, dir) == 0, "/proc/self/cwd -> the directory");
    CHECK(stat("/proc/self/cwd", &st) == 0 && stat(dir, &st2) == 0 && st.st_ino == st2.st_ino, "stat through cwd link reaches it");
    rmdir(dir);
    memset(l, 0, sizeof(l));
    snprintf(want, sizeof(want), "%s (deleted)", dir);
    CHECK(readlink("/proc/self/cwd", l, sizeof(l) - 1) > 0 && strcmp(l, want) == 0, "removed cwd shows \" (deleted)\"");
    chdir("/");
    memset(l, 0, sizeof(l));
    CHECK(readlink("/proc/self/root", l, sizeof(l) - 1) == 1 && strcmp(l, "/") == 0, "/proc/self/root -> /");
    memset(l, 0, sizeof(l));
    CHECK(readlink("/proc/self/exe", l, sizeof(l) - 1) > 1 && l[0] == '/' && stat(l, &st) == 0 &&
              stat("/proc/self/exe", &st2) == 0 && st.st_ino == st2.st_ino && st.st_dev == st2.st_dev,
          "/proc/self/exe is an absolute path to the running binary");
    {
        int e = open("/proc/self/exe", O_RDONLY);
        char hdr[4] = "";
        CHECK(e >= 0 && read(e, hdr, 4) == 4 && memcmp(hdr, "\177ELF", 4) == 0, "open /proc/self/exe reads the ELF header");
        if (e >= 0)
            close(e);
    }

    /* System-wide files. */
    CHECK(slurp("/proc/meminfo") > 0 && strncmp(buf, "MemTotal:", 9) == 0, "meminfo starts with MemTotal:");
    {
        struct sysinfo si;
        long long total = kv("MemTotal") ? strtoll(kv("MemTotal"), NULL, 10) : -1;
        long long fr = kv("MemFree") ? strtoll(kv("MemFree"), NULL, 10) : -1;
        CHECK(sysinfo(&si) == 0 && total == (long long)si.totalram * si.mem_unit / 1024, "MemTotal equals sysinfo totalram (kB)");
        CHECK(fr >= 0 && fr <= total && kv("MemAvailable") && strstr(buf, " kB\n"), "MemFree <= MemTotal, MemAvailable present, kB units");
    }
    int ncpu = 0;
    {
        long n = slurp("/proc/cpuinfo");
        for (char *p = buf; n > 0 && (p = strstr(p, "processor\t:")) != NULL; p++)
            if (p == buf || p[-1] == '\n')
                ncpu++;
        CHECK_EQ(ncpu, sysconf(_SC_NPROCESSORS_ONLN), "cpuinfo processor count == sysconf(_SC_NPROCESSORS_ONLN)");
    }
    {
        double a = -1, b = -1, c = -1;
        int run = -1, tot = -1, last = -1;
        char nl = 0;
        CHECK(slurp("/proc/loadavg") > 0 && sscanf(buf, "%lf %lf %lf %d/%d %d%c", &a, &b, &c, &run, &tot, &last, &nl) == 7 &&
                  nl == '\n',
              "loadavg format: three averages, running/total, last pid");
        CHECK(a >= 0 && b >= 0 && c >= 0 && run >= 1 && run <= tot && last > 0, "loadavg values in range");
    }
    {
        double up1 = -1, idle = -1, up2 = -1;
        struct timespec bt;
        slurp("/proc/uptime");
        int k = sscanf(buf, "%lf %lf", &up1, &idle);
        clock_gettime(CLOCK_BOOTTIME, &bt);
        usleep(20000);
        slurp("/proc/uptime");
        sscanf(buf, "%lf", &up2);
        CHECK(k == 2 && up1 > 0 && idle >= 0, "uptime: two non-negative numbers");
        CHECK(up1 <= bt.tv_sec + bt.tv_nsec / 1e9 + 0.01 && up1 > bt.tv_sec - 1.0, "uptime agrees with CLOCK_BOOTTIME");
        CHECK(up2 >= up1, "uptime does not go backwards");
        long long btime = -1;
        slurp("/proc/stat");
        char *p = strstr(buf, "\nbtime ");
        if (p)
            btime = strtoll(p + 7, NULL, 10);
        CHECK(p && llabs(btime + (long long)up2 - (long long)time(NULL)) <= 3, "/proc/stat btime + uptime == now");
        int ncl = 0;
        for (char *q = buf; (q = strstr(q, "\ncpu")) != NULL; q++)
            if (q[4] >= '0' && q[4] <= '9')
                ncl++;
        CHECK(strncmp(buf, "cpu ", 4) == 0 && ncl == ncpu, "/proc/stat: aggregate cpu line then one cpuN line per cpu");
    }
    {
        struct utsname u;
        uname(&u);
        snprintf(want, sizeof(want), "Linux version %s ", u.release);
        CHECK(slurp("/proc/version") > 0 && strncmp(buf, want, strlen(want)) == 0, "/proc/version starts with Linux version <release>");
        CHECK(slurp("/proc/sys/kernel/pid_max") > 0 && strtol(buf, NULL, 10) > getpid(), "pid_max > our pid");
        CHECK(slurp("/proc/filesystems") > 0 && strstr(buf, "nodev\tproc\n"), "/proc/filesystems lists nodev proc");
    }
    {
        int root = 0, proc = 0, bad = 0;
        slurp("/proc/self/mounts");
        for (char *line = buf; *line;) {
            char *nl = strchr(line, '\n');
            char dev[256], mp[256], type[64], opts[512];
            int a, b;
            if (sscanf(line, "%255s %255s %63s %511s %d %d", dev, mp, type, opts, &a, &b) != 6)
                bad++;
            else {
                root |= strcmp(mp, "/") == 0;
                proc |= strcmp(mp, "/proc") == 0 && strcmp(type, "proc") == 0;
            }
            if (!nl)
                break;
            line = nl + 1;
        }
        CHECK(bad == 0 && root, "/proc/self/mounts: six fields per line, has a \"/\" entry");
        CHECK(proc, "/proc/self/mounts has proc on /proc");
        memset(l, 0, sizeof(l));
        CHECK(readlink("/proc/mounts", l, sizeof(l) - 1) > 0 && strcmp(l, "self/mounts") == 0, "/proc/mounts -> self/mounts");
    }
    CHECK_DONE();
}
