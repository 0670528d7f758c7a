/* proc_self: /proc/self/{stat,status,maps,fd,fdinfo,exe,cwd,cmdline,task}, zombie state, system files. */
/* syscalls: open, read, readlink, stat, getdents64, mmap, munmap, fork, waitid, wait4, getcwd */
/* area: proc-dev */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char file_buf[65536];

/* Reads a whole (proc) file into file_buf; returns its length or -1. */
static long slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    long n = 0, r;
    if (fd < 0)
        return -1;
    while (n < (long)sizeof(file_buf) - 1 && (r = read(fd, file_buf + n, sizeof(file_buf) - 1 - n)) > 0)
        n += r;
    file_buf[n] = 0;
    close(fd);
    return n;
}

/* Finds the maps line covering addr and copies its permission field. */
static int maps_perms(const void *addr, char perms[5], int *is_stack)
{
    uintptr_t a = (uintptr_t)addr;
    if (slurp("/proc/self/maps") <= 0)
        return 0;
    for (char *line = file_buf; *line;) {
        char *nl = strchr(line, '\n');
        unsigned long lo, hi;
        char p[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 && a >= lo && a < hi) {
            memcpy(perms, p, 5);
            if (is_stack)
                *is_stack = nl ? memmem(line, nl - line, "[stack]", 7) != NULL : strstr(line, "[stack]") != NULL;
            return 1;
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    char buf[PATH_MAX], want[PATH_MAX], perms[5], path[64];
    struct stat st, st2;
    int fd, stack = 0;

    (void)argc;
    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */

    CHECK(slurp("/proc/self/stat") > 0, "read /proc/self/stat");
    {
        int pid = 0, ppid = 0;
        char state = 0;
        char *rp = strrchr(file_buf, ')');
        CHECK(sscanf(file_buf, "%d", &pid) == 1 && pid == getpid(), "stat field 1 is our pid");
        CHECK(rp && sscanf(rp + 2, "%c %d", &state, &ppid) == 2 && ppid == getppid(), "stat ppid field == getppid()");
        CHECK_EQ(state, 'R', "we are running (state R)");
    }
    CHECK(slurp("/proc/self/status") > 0, "read /proc/self/status");
    snprintf(want, sizeof(want), "\nPid:\t%d\n", (int)getpid());
    CHECK(strstr(file_buf, want) != NULL, "status has Pid: line");
    CHECK(strstr(file_buf, "\nUid:\t0\t0\t0\t0\n") != NULL, "status Uid: 0 0 0 0");
    CHECK(strstr(file_buf, "\nThreads:\t1\n") != NULL, "status Threads: 1");
    CHECK(strncmp(file_buf, "Name:\t", 6) == 0, "status starts with Name:");

    {
        int local;
        CHECK(maps_perms(&local, perms, &stack) && perms[0] == 'r' && perms[1] == 'w' && stack,
              "maps: stack variable in an rw [stack] mapping");
        CHECK(maps_perms((void *)main, perms, NULL) && perms[0] == 'r' && perms[2] == 'x', "maps: main() is in r-x code");
        long pg = sysconf(_SC_PAGESIZE);
        char *m = mmap(NULL, 3 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        mprotect(m + pg, pg, PROT_READ | PROT_WRITE);
        CHECK(maps_perms(m, perms, NULL) && strcmp(perms, "r--p") == 0, "maps: new r--p mapping");
        CHECK(maps_perms(m + pg, perms, NULL) && strcmp(perms, "rw-p") == 0, "maps: mprotect split shows rw-p");
        munmap(m, 3 * pg);
        CHECK(!maps_perms(m, perms, NULL), "maps: unmapped range gone");
    }

    fd = open("/dev/null", O_RDONLY);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    memset(buf, 0, sizeof(buf));
    CHECK(readlink(path, buf, sizeof(buf) - 1) > 0 && strcmp(buf, "/dev/null") == 0, "/proc/self/fd/N -> /dev/null");
    {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int found = 0;
        while (d && (e = readdir(d)))
            found |= atoi(e->d_name) == fd;
        if (d)
            closedir(d);
        CHECK(found, "/proc/self/fd lists the descriptor");
    }
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    CHECK(slurp(path) > 0 && strncmp(file_buf, "pos:\t0\n", 7) == 0 && strstr(file_buf, "flags:\t"),
          "fdinfo has pos and flags");
    close(fd);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    CHECK_ERR(readlink(path, buf, sizeof(buf)), ENOENT, "closed fd vanishes from /proc/self/fd");

    memset(buf, 0, sizeof(buf));
    CHECK(readlink("/proc/self/exe", buf, sizeof(buf) - 1) > 0 && buf[0] == '/', "/proc/self/exe is an absolute path");
    if (strchr(argv[0], '/') && realpath(argv[0], want)) {
        CHECK(stat("/proc/self/exe", &st) == 0 && stat(argv[0], &st2) == 0 && st.st_ino == st2.st_ino &&
                  st.st_dev == st2.st_dev,
              "/proc/self/exe is the same file as argv[0]");
        CHECK_STREQ(buf, want, "/proc/self/exe == realpath(argv[0])");
    } else {
        CHECK_SKIP("/proc/self/exe is the same file as argv[0]", "argv[0] has no slash");
        CHECK_SKIP("/proc/self/exe == realpath(argv[0])", "argv[0] has no slash");
    }
    memset(buf, 0, sizeof(buf));
    CHECK(readlink("/proc/self/cwd", buf, sizeof(buf) - 1) > 0 && getcwd(want, sizeof(want)) && strcmp(buf, want) == 0,
          "/proc/self/cwd == getcwd()");
    {
        long n = slurp("/proc/self/cmdline");
        CHECK(n > 0 && strcmp(file_buf, argv[0]) == 0 && file_buf[n - 1] == 0, "cmdline starts with argv[0], NUL-terminated");
    }
    memset(buf, 0, sizeof(buf));
    snprintf(want, sizeof(want), "%d", (int)getpid());
    CHECK(readlink("/proc/self", buf, sizeof(buf) - 1) > 0 && strcmp(buf, want) == 0, "/proc/self -> our pid");
    snprintf(path, sizeof(path), "/proc/self/task/%d", (int)syscall(SYS_gettid));
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "/proc/self/task/<tid> is a directory");

    /* A zombie child shows state Z. */
    {
        siginfo_t si;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        char *rp = slurp(path) > 0 ? strrchr(file_buf, ')') : NULL;
        CHECK(rp && rp[2] == 'Z', "unreaped child is in state Z");
        waitpid(pid, NULL, 0);
        CHECK_ERR(open(path, O_RDONLY), ENOENT, "reaped child's /proc entry is gone");
    }

    CHECK(slurp("/proc/cpuinfo") > 0 && strstr(file_buf, "processor"), "/proc/cpuinfo has a processor line");
    CHECK(slurp("/proc/meminfo") > 0 && strncmp(file_buf, "MemTotal:", 9) == 0, "/proc/meminfo starts with MemTotal");
    CHECK(slurp("/proc/self/limits") > 0 && strstr(file_buf, "Max open files"), "/proc/self/limits has Max open files");
    CHECK(slurp("/proc/sys/kernel/ostype") > 0 && strcmp(file_buf, "Linux\n") == 0, "/proc/sys/kernel/ostype is Linux");
    {
        double up = -1;
        CHECK(slurp("/proc/uptime") > 0 && sscanf(file_buf, "%lf", &up) == 1 && up > 0, "/proc/uptime positive");
    }
    CHECK_ERR(open("/proc/self/no_such_entry", O_RDONLY), ENOENT, "missing /proc/self entry -> ENOENT");
    CHECK_DONE();
}
