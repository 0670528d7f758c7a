/* uname_ids: uname, process/thread ids, user/group ids, set_tid_address, arch_prctl. */
/* area: uname */
#include "check.h"

#include <asm/prctl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static volatile int tid_word;

int main(void)
{
    struct utsname u;

    memset(&u, 0, sizeof(u));
    CHECK_OK(uname(&u), "uname succeeds");
    CHECK_STREQ(u.sysname, "Linux", "sysname is Linux");
    CHECK_STREQ(u.machine, "x86_64", "machine is x86_64");
    CHECK(u.release[0] >= '2' && u.release[0] <= '9' && strchr(u.release, '.') != NULL,
          "release looks like a version number");
    CHECK(u.version[0] != '\0', "version is non-empty");
    CHECK(u.nodename[0] != '\0', "nodename is non-empty");
    CHECK(strnlen(u.sysname, sizeof(u.sysname)) < sizeof(u.sysname) &&
              strnlen(u.release, sizeof(u.release)) < sizeof(u.release),
          "uname strings are NUL-terminated");
    CHECK_ERR(syscall(SYS_uname, (void *)1), EFAULT, "uname with bad pointer -> EFAULT");

    pid_t pid = getpid();
    CHECK(pid > 0, "getpid > 0");
    CHECK_EQ(getpid(), pid, "getpid is stable");
    CHECK_EQ(syscall(SYS_getpid), pid, "raw SYS_getpid equals getpid()");
    CHECK_EQ(gettid(), pid, "gettid == getpid in a single-threaded process");
    CHECK(getppid() >= 0, "getppid >= 0");
    CHECK(getppid() != pid, "getppid != getpid");

    CHECK_EQ(getuid(), geteuid(), "getuid == geteuid (not setuid)");
    CHECK_EQ(getgid(), getegid(), "getgid == getegid (not setgid)");
    CHECK_EQ(syscall(SYS_getuid), getuid(), "raw SYS_getuid equals getuid()");
    CHECK_EQ(syscall(SYS_getegid), getegid(), "raw SYS_getegid equals getegid()");

    /* set_tid_address returns the caller's tid. */
    CHECK_EQ(syscall(SYS_set_tid_address, &tid_word), pid, "set_tid_address returns tid");

    /* arch_prctl: the FS base is the TLS pointer; glibc stores it at %fs:0. */
    unsigned long fsbase = 0, self = 0;
    CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase), "arch_prctl ARCH_GET_FS");
    __asm__ volatile("mov %%fs:0, %0" : "=r"(self));
    CHECK(fsbase != 0 && fsbase == self, "FS base equals the TCB self pointer at %fs:0");
    CHECK_OK(syscall(SYS_arch_prctl, ARCH_SET_FS, fsbase), "arch_prctl ARCH_SET_FS (same value)");
    CHECK_ERR(syscall(SYS_arch_prctl, 0x9999, &fsbase), EINVAL, "arch_prctl bad code -> EINVAL");
    CHECK_DONE();
}
