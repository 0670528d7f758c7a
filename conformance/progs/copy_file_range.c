/* copy_file_range: whole-file and offset copies, file positions, EOF, holes, same-file overlap, errnos; sendfile file->file/pipe/socket. */
/* syscalls: copy_file_range, sendfile, openat, read, write, pread64, pwrite64, lseek, ftruncate, newfstatat, pipe2,
   socketpair, close, unlink, mkdir, rmdir, getpid */
/* area: splice */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SZ (200 * 1024)

static char src_data[SZ], got[SZ + 4096];
static char dir[96];

static char *pth(const char *name)
{
    static char p[4][160];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
    return p[i];
}

static long long fsize(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long long)st.st_size : -1;
}

static long long pos(int fd)
{
    return (long long)lseek(fd, 0, SEEK_CUR);
}

int main(void)
{
    int src, dst, fd;
    loff_t in, out;
    off_t off;
    ssize_t r;
    char b[256];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof(dir), "/tmp/copy_file_range%s.%d", CONF_TAG, (int)getpid());
    mkdir(dir, 0755);
    for (int i = 0; i < SZ; i++)
        src_data[i] = (char)('a' + (i * 7 + i / 251) % 26);
    src = open(pth("src"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(src >= 0 && write(src, src_data, SZ) == SZ, "create a 200 KiB source file");
    if (src < 0)
        CHECK_DONE();
    dst = open(pth("dst"), O_RDWR | O_CREAT | O_TRUNC, 0644);

    /* Whole file with NULL offsets. */
    lseek(src, 0, SEEK_SET);
    {
        long long total = 0;
        int calls = 0;
        while (calls++ < 1000 && (r = copy_file_range(src, NULL, dst, NULL, SZ, 0)) > 0)
            total += r;
        CHECK(r == 0 && total == SZ, "copy_file_range with NULL offsets copies the whole file, then returns 0");
    }
    CHECK(pos(src) == SZ && pos(dst) == SZ, "NULL offsets advance both file positions");
    CHECK(fsize(dst) == SZ && pread(dst, got, SZ, 0) == SZ && memcmp(got, src_data, SZ) == 0, "destination identical");

    /* Explicit offsets leave positions alone. */
    lseek(src, 5, SEEK_SET);
    lseek(dst, 7, SEEK_SET);
    in = 1000;
    out = 50000;
    CHECK_EQ(copy_file_range(src, &in, dst, &out, 300, 0), 300, "copy 300 bytes with both offsets");
    CHECK(in == 1300 && out == 50300, "both offsets advanced by 300");
    CHECK(pos(src) == 5 && pos(dst) == 7, "file positions unchanged when offsets are given");
    CHECK(pread(dst, got, 300, 50000) == 300 && memcmp(got, src_data + 1000, 300) == 0, "bytes landed at the out offset");
    in = 10;
    CHECK_EQ(copy_file_range(src, &in, dst, NULL, 20, 0), 20, "in offset given, out NULL");
    CHECK(in == 30 && pos(src) == 5 && pos(dst) == 27, "in offset advanced; out position advanced from 7 to 27");
    CHECK(pread(dst, got, 20, 7) == 20 && memcmp(got, src_data + 10, 20) == 0, "written at the out position");
    out = 60000;
    CHECK_EQ(copy_file_range(src, NULL, dst, &out, 20, 0), 20, "in NULL, out offset given");
    CHECK(pos(src) == 25 && out == 60020 && pos(dst) == 27, "in position advanced from 5 to 25; out offset advanced");
    CHECK(pread(dst, got, 20, 60000) == 20 && memcmp(got, src_data + 5, 20) == 0, "read from the in position");

    /* EOF and zero length. */
    in = SZ;
    out = 0;
    CHECK_EQ(copy_file_range(src, &in, dst, &out, 100, 0), 0, "in offset at EOF -> 0");
    in = SZ + 5000;
    CHECK_EQ(copy_file_range(src, &in, dst, &out, 100, 0), 0, "in offset past EOF -> 0");
    CHECK(in == SZ + 5000 && out == 0, "offsets unchanged when nothing was copied");
    in = SZ - 10;
    CHECK_EQ(copy_file_range(src, &in, dst, &out, 100, 0), 10, "count past EOF copies only the 10 remaining bytes");
    in = 0;
    out = 0;
    CHECK(copy_file_range(src, &in, dst, &out, 0, 0) == 0 && in == 0 && out == 0, "len 0 -> 0, offsets unchanged");

    /* Out offset beyond EOF leaves a hole. */
    fd = open(pth("hole"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    in = 0;
    out = 10000;
    CHECK_EQ(copy_file_range(src, &in, fd, &out, 100, 0), 100, "copy to offset 10000 of an empty file");
    memset(got, 'x', 10000);
    CHECK(fsize(fd) == 10100 && pread(fd, got, 10000, 0) == 10000 && got[0] == 0 && got[9999] == 0,
          "file grew to 10100 with a zero-filled hole");
    close(fd);

    /* Same file. */
    in = 0;
    out = SZ;
    CHECK_EQ(copy_file_range(src, &in, src, &out, 1000, 0), 1000, "same file, non-overlapping range appends");
    CHECK(fsize(src) == SZ + 1000 && pread(src, got, 1000, SZ) == 1000 && memcmp(got, src_data, 1000) == 0,
          "same-file copy content");
    in = 0;
    out = 500;
    CHECK_ERR(copy_file_range(src, &in, src, &out, 1000, 0), EINVAL, "overlapping range in the same file -> EINVAL");
    in = 500;
    out = 0;
    CHECK_ERR(copy_file_range(src, &in, src, &out, 1000, 0), EINVAL, "overlap with out before in -> EINVAL");
    in = 0;
    out = 1000;
    CHECK_EQ(copy_file_range(src, &in, src, &out, 1000, 0), 1000, "adjacent (touching) ranges are allowed");
    ftruncate(src, SZ);
    pwrite(src, src_data, 2000, 0);

    /* Errors. */
    {
        int wo = open(pth("src"), O_WRONLY), ro = open(pth("dst"), O_RDONLY), ap = open(pth("dst"), O_WRONLY | O_APPEND);
        int op = open(pth("src"), O_PATH), d = open(dir, O_RDONLY | O_DIRECTORY);
        int pp[2], sv[2], nul = open("/dev/null", O_WRONLY);
        pipe2(pp, O_NONBLOCK);
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
        in = 0;
        out = 0;
        CHECK_ERR(copy_file_range(wo, &in, dst, &out, 10, 0), EBADF, "O_WRONLY source -> EBADF");
        CHECK_ERR(copy_file_range(src, &in, ro, &out, 10, 0), EBADF, "O_RDONLY destination -> EBADF");
        CHECK_ERR(copy_file_range(src, &in, ap, NULL, 10, 0), EBADF, "O_APPEND destination -> EBADF");
        CHECK_ERR(copy_file_range(op, &in, dst, &out, 10, 0), EBADF, "O_PATH source -> EBADF");
        CHECK_ERR(copy_file_range(9999, &in, dst, &out, 10, 0), EBADF, "bad fd -> EBADF");
        CHECK_ERR(copy_file_range(d, &in, dst, &out, 10, 0), EISDIR, "directory source -> EISDIR");
        CHECK_ERR(copy_file_range(src, &in, d, &out, 10, 0), EISDIR, "directory destination -> EISDIR");
        CHECK_ERR(copy_file_range(src, &in, dst, &out, 10, 1), EINVAL, "flags != 0 -> EINVAL");
        CHECK_ERR(copy_file_range(src, &in, pp[1], NULL, 10, 0), EINVAL, "pipe destination -> EINVAL");
        write(pp[1], "x", 1);
        CHECK_ERR(copy_file_range(pp[0], NULL, dst, &out, 10, 0), EINVAL, "pipe source -> EINVAL");
        CHECK_ERR(copy_file_range(src, &in, nul, NULL, 10, 0), EINVAL, "character device destination -> EINVAL");
        CHECK_ERR(copy_file_range(src, &in, sv[0], NULL, 10, 0), EINVAL, "socket destination -> EINVAL");
        out = LLONG_MAX - 2;
        CHECK_ERR(copy_file_range(src, &in, dst, &out, 10, 0), EFBIG, "out offset beyond the maximum file size -> EFBIG");
        {
            /* Kernel 6.18: no cross-filesystem copy between different filesystem types (ext4 /tmp -> tmpfs). */
            struct stat a, c;
            char shm[128];
            snprintf(shm, sizeof(shm), "/dev/shm/copy_file_range%s.%d", CONF_TAG, (int)getpid());
            int t = open(shm, O_RDWR | O_CREAT | O_TRUNC, 0600);
            if (t >= 0 && fstat(t, &a) == 0 && fstat(src, &c) == 0 && a.st_dev != c.st_dev) {
                in = 0;
                out = 0;
                CHECK_ERR(copy_file_range(src, &in, t, &out, 10, 0), EXDEV, "copy to a different filesystem type -> EXDEV");
            } else {
                CHECK_SKIP("copy to a different filesystem type -> EXDEV", "/dev/shm not a separate filesystem");
            }
            if (t >= 0)
                close(t);
            unlink(shm);
        }

        /* sendfile errors. */
        CHECK_ERR(sendfile(dst, wo, NULL, 5), EBADF, "sendfile from an O_WRONLY fd -> EBADF");
        CHECK_ERR(sendfile(ro, src, NULL, 5), EBADF, "sendfile to an O_RDONLY fd -> EBADF");
        write(sv[1], "sock", 4);
        CHECK_ERR(sendfile(dst, sv[0], NULL, 4), EINVAL, "sendfile from a socket to a file -> EINVAL");
        {
            char fill[4096];
            memset(fill, 'p', sizeof(fill));
            while (write(pp[1], fill, sizeof(fill)) > 0)
                ;
            off = 0;
            CHECK_ERR(sendfile(pp[1], src, &off, 100), EAGAIN, "sendfile into a full non-blocking pipe -> EAGAIN");
            CHECK_EQ(off, 0, "offset unchanged on EAGAIN");
        }
        close(wo);
        close(ro);
        close(ap);
        close(op);
        close(d);
        close(nul);
        close(pp[0]);
        close(pp[1]);
        close(sv[0]);
        close(sv[1]);
    }

    /* sendfile file -> file. */
    fd = open(pth("sf"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    lseek(src, 3, SEEK_SET);
    off = SZ - 1000;
    CHECK_EQ(sendfile(fd, src, &off, 5000), 1000, "sendfile file->file with count > remaining returns 1000");
    CHECK(off == SZ && pos(src) == 3, "offset advanced to EOF, input position untouched");
    CHECK(pos(fd) == 1000 && pread(fd, got, 1000, 0) == 1000 && memcmp(got, src_data + SZ - 1000, 1000) == 0,
          "output position advanced, content matches");
    CHECK_EQ(sendfile(fd, src, &off, 5000), 0, "sendfile at EOF -> 0");
    off = 0;
    CHECK_EQ(sendfile(fd, src, &off, 0), 0, "sendfile count 0 -> 0");
    CHECK_EQ(sendfile(fd, src, NULL, 97), 97, "sendfile with NULL offset");
    CHECK(pos(src) == 100 && pread(fd, got, 97, 1000) == 97 && memcmp(got, src_data + 3, 97) == 0,
          "NULL offset reads from and advances the input position");
    {
        long long total = 0;
        int calls = 0;
        ftruncate(fd, 0);
        lseek(fd, 0, SEEK_SET);
        off = 0;
        while (calls++ < 1000 && (r = sendfile(fd, src, &off, SZ)) > 0)
            total += r;
        CHECK(total == SZ && off == SZ && pread(fd, got, SZ, 0) == SZ && memcmp(got, src_data, SZ) == 0,
              "sendfile of the whole 200 KiB file");
    }
    close(fd);

    /* sendfile to a pipe and a socket. */
    {
        int pp[2], sv[2];
        pipe2(pp, 0);
        off = 40;
        CHECK_EQ(sendfile(pp[1], src, &off, 60), 60, "sendfile file->pipe");
        CHECK(read(pp[0], b, sizeof(b)) == 60 && memcmp(b, src_data + 40, 60) == 0 && off == 100, "pipe got bytes 40..99");
        close(pp[0]);
        close(pp[1]);
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
        off = 123;
        CHECK_EQ(sendfile(sv[0], src, &off, 77), 77, "sendfile file->unix stream socket");
        CHECK(read(sv[1], b, sizeof(b)) == 77 && memcmp(b, src_data + 123, 77) == 0, "peer received bytes 123..199");
        close(sv[0]);
        close(sv[1]);
    }

    close(src);
    close(dst);
    unlink(pth("src"));
    unlink(pth("dst"));
    unlink(pth("hole"));
    unlink(pth("sf"));
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
