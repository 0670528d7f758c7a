/* shebang_exec: "#!" script execution: interpreter argument, argv rewriting, nesting, long lines, errors. */
/* syscalls: execve, fork, wait4, pipe2, dup2, read, write, openat, close, fchmod, unlink, mkdir, rmdir */
/* area: process */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[128];
static char outbuf[8192];

/* Interpreter mode: print argv joined with '|'. */
static int args_mode(int argc, char **argv)
{
    alarm(5);
    for (int i = 0; i < argc; i++)
        printf("%s|", argv[i]);
    printf("\n");
    return 0;
}

/* Runs path with argv; stdout captured into outbuf. Returns exit status, 200+sig, or -errno of execve. */
static int run(const char *path, char *const argv[])
{
    int out[2], err[2];
    outbuf[0] = 0;
    if (pipe2(out, 0) != 0 || pipe2(err, O_CLOEXEC) != 0)
        return -1000;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *env[] = {"PATH=/bin:/usr/bin", "CONF_SHEBANG_ARGS=1", NULL};
        dup2(out[1], 1);
        close(out[0]);
        close(err[0]);
        execve(path, argv, env);
        int e = errno;
        write(err[1], &e, sizeof(e));
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        return -1001;
    }
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(outbuf) - 1 && (r = read(out[0], outbuf + n, sizeof(outbuf) - 1 - n)) > 0)
        n += r;
    outbuf[n] = 0;
    int e = 0;
    int got = read(err[0], &e, sizeof(e));
    close(out[0]);
    close(err[0]);
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1002;
    if (got == (int)sizeof(e))
        return -e;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + WTERMSIG(st);
}

static int make_file(const char *path, const char *content, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    if (write(fd, content, n) != (ssize_t)n || fchmod(fd, mode) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

static int make_script(const char *path, const char *content, mode_t mode)
{
    return make_file(path, content, strlen(content), mode);
}

static int copy_self(const char *dst)
{
    int in = open("/proc/self/exe", O_RDONLY), out;
    char buf[65536];
    ssize_t r;
    if (in < 0)
        return -1;
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((r = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, r) != r) {
            r = -1;
            break;
        }
    close(in);
    close(out);
    return r == 0 ? 0 : -1;
}

#define P(name) (snprintf(name, sizeof(name), "%s.%s", base, #name), name)

int main(int argc, char **argv)
{
    /* Every program run() starts has this variable: as an interpreter, print argv. */
    if (getenv("CONF_SHEBANG_ARGS"))
        return args_mode(argc, argv);
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(base, sizeof(base), "/tmp/shebang_exec%s.%d", CONF_TAG, (int)getpid());
    char interp[200], s_sh[200], s_arg[200], s_noarg[200], s_missing[200], s_nox[200], s_long[200],
        s_longarg[200], s_spaces[200], s_empty[200], s_dirint[200], s_noxint[200], noxint[200], chain[8][200],
        text[1024], want[1024];
    int rc;

    CHECK_OK(copy_self(P(interp)), "copy own binary to /tmp as an interpreter");

    /* Basic busybox sh script, user arguments as $1.. */
    CHECK_OK(make_script(P(s_sh), "#!/bin/busybox sh\necho \"hello $# [$1] [$2]\"\nexit 7\n", 0755), "create sh script");
    {
        char *av[] = {"ignored-argv0", "a b", "c", NULL};
        rc = run(s_sh, av);
        CHECK_EQ(rc, 7, "#!/bin/busybox sh script runs and its exit status is returned");
        CHECK_STREQ(outbuf, "hello 2 [a b] [c]\n", "script sees user arguments as $1 $2");
    }

    /* Optional interpreter argument: rest of line (trimmed) as one argument; argv[0] replaced by the path. */
    snprintf(text, sizeof(text), "#!%s   --args  one two \t\n", interp);
    CHECK_OK(make_script(P(s_arg), text, 0755), "create script with interpreter argument");
    {
        char *av[] = {"ignored-argv0", "u1", "", NULL};
        rc = run(s_arg, av);
        CHECK_EQ(rc, 0, "script with own binary as interpreter ran");
        snprintf(want, sizeof(want), "%s|--args  one two|%s|u1||\n", interp, s_arg);
        CHECK_STREQ(outbuf, want, "argv = interp, single optional arg (inner spaces kept), script path, user args");
        char *av0[] = {NULL};
        snprintf(want, sizeof(want), "%s|--args  one two|%s|\n", interp, s_arg);
        rc = run(s_arg, av0);
        CHECK(rc == 0 && strcmp(outbuf, want) == 0, "empty argv: interpreter still gets the script path");
    }
    snprintf(text, sizeof(text), "#!%s\n", interp);
    CHECK_OK(make_script(P(s_noarg), text, 0755), "create script without interpreter argument");
    {
        char *av[] = {"x", "--args-from-user", NULL};
        rc = run(s_noarg, av);
        snprintf(want, sizeof(want), "%s|%s|--args-from-user|\n", interp, s_noarg);
        CHECK(rc == 0 && strcmp(outbuf, want) == 0, "no optional arg: argv = interp, script path, user args");
        if (strcmp(outbuf, want) != 0)
            NOTE("got %s", outbuf);
    }

    /* Errors. */
    char *av1[] = {"x", NULL};
    snprintf(text, sizeof(text), "#!%s.nonexistent-interp\n", base);
    CHECK_OK(make_script(P(s_missing), text, 0755), "create script with missing interpreter");
    CHECK_EQ(run(s_missing, av1), -ENOENT, "missing interpreter -> ENOENT");
    CHECK_OK(make_script(P(s_nox), "#!/bin/busybox sh\necho no\n", 0644), "create script without x bit");
    CHECK_EQ(run(s_nox, av1), -EACCES, "script without x bit -> EACCES");
    CHECK_OK(make_script(P(noxint), "\x7f" "ELF-not-really", 0644), "create interpreter without x bit");
    snprintf(text, sizeof(text), "#!%s\n", noxint);
    CHECK_OK(make_script(P(s_noxint), text, 0755), "create script using non-executable interpreter");
    CHECK_EQ(run(s_noxint, av1), -EACCES, "interpreter without x bit -> EACCES");
    CHECK_OK(make_script(P(s_dirint), "#!/tmp\n", 0755), "create script using a directory as interpreter");
    CHECK_EQ(run(s_dirint, av1), -EACCES, "directory as interpreter -> EACCES");
    CHECK_OK(make_script(P(s_spaces), "#!    \t  \n", 0755), "create script with blank #! line");
    CHECK_EQ(run(s_spaces, av1), -ENOEXEC, "#! followed only by blanks -> ENOEXEC");
    CHECK_OK(make_script(P(s_empty), "#!\n", 0755), "create script that is just #! and a newline");
    CHECK_EQ(run(s_empty, av1), -ENOEXEC, "bare #! line -> ENOEXEC");

    /* Line longer than the 256-byte buffer. */
    {
        char lng[600];
        memset(lng, 0, sizeof(lng));
        strcpy(lng, "#!/");
        memset(lng + 3, 'a', 400);
        strcat(lng, "\n");
        CHECK_OK(make_script(P(s_long), lng, 0755), "create script with 400-char interpreter path");
        CHECK_EQ(run(s_long, av1), -ENOEXEC, "interpreter path truncated by the 256-byte limit -> ENOEXEC");
        snprintf(lng, sizeof(lng), "#!%s --args", interp);
        size_t hdr = strlen(lng);
        memset(lng + hdr, 'z', 400);
        lng[hdr + 400] = '\n';
        lng[hdr + 401] = 0;
        CHECK_OK(make_script(P(s_longarg), lng, 0755), "create script with 400-char interpreter argument");
        rc = run(s_longarg, av1);
        CHECK_EQ(rc, 0, "long interpreter argument is truncated, not an error");
        char *bar1 = strchr(outbuf, '|');
        char *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
        /* Argument runs up to byte 254 of the buffer (last byte is the terminator). */
        CHECK_EQ(bar2 ? (long)(bar2 - bar1 - 1) : -1, (long)(255 - (2 + strlen(interp) + 1)),
                 "truncated argument fills the 256-byte buffer (minus terminator)");
    }

    /* Nested interpreters: chain[0] -> chain[1] -> ... -> chain[k-1] -> busybox sh. */
    for (int i = 0; i < 8; i++)
        snprintf(chain[i], sizeof(chain[i]), "%s.chain%d", base, i);
    {
        int ok = 1;
        for (int i = 0; i < 8; i++) {
            if (i == 7)
                snprintf(text, sizeof(text), "#!/bin/busybox sh\necho \"depth $#\"\n");
            else
                snprintf(text, sizeof(text), "#!%s\n", chain[i + 1]);
            ok &= make_script(chain[i], text, 0755) == 0;
        }
        CHECK(ok, "create 8-script interpreter chain");
        rc = run(chain[6], av1); /* 2 scripts */
        CHECK(rc == 0 && strcmp(outbuf, "depth 1\n") == 0, "script whose interpreter is a script runs (2 levels)");
        snprintf(want, sizeof(want), "depth 3\n");
        rc = run(chain[4], av1); /* 4 scripts */
        CHECK(rc == 0 && strcmp(outbuf, want) == 0, "4 nested script levels run, each path passed on");
        rc = run(chain[0], av1); /* 8 scripts */
        CHECK_EQ(rc, -ELOOP, "8 nested script levels -> ELOOP");
    }

    unlink(interp);
    unlink(s_sh);
    unlink(s_arg);
    unlink(s_noarg);
    unlink(s_missing);
    unlink(s_nox);
    unlink(noxint);
    unlink(s_noxint);
    unlink(s_dirint);
    unlink(s_spaces);
    unlink(s_empty);
    unlink(s_long);
    unlink(s_longarg);
    for (int i = 0; i < 8; i++)
        unlink(chain[i]);
    CHECK_DONE();
}
