/* random: getrandom(2) and /dev/urandom. */
/* area: random */
#include "check.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    static unsigned char a[65536], b[65536];
    int fd;

    CHECK_EQ(getrandom(a, 16, 0), 16, "getrandom 16 bytes");
    CHECK_EQ(getrandom(b, 16, 0), 16, "getrandom 16 more bytes");
    CHECK(memcmp(a, b, 16) != 0, "two 16-byte draws differ");
    CHECK_EQ(getrandom(a, 0, 0), 0, "getrandom 0 bytes returns 0");
    CHECK_EQ(getrandom(a, 1, 0), 1, "getrandom 1 byte");
    CHECK_EQ(getrandom(a, 256, 0), 256, "getrandom 256 bytes");

    memset(a, 0, sizeof(a));
    CHECK_EQ(getrandom(a, sizeof(a), 0), (long long)sizeof(a), "getrandom 64 KiB in one call");
    CHECK(!all_zero(a + 60000, 5000), "tail of 64 KiB draw was filled");
    {
        /* Crude sanity: roughly half the bits set. */
        long bits = 0;
        for (size_t i = 0; i < sizeof(a); i++)
            bits += __builtin_popcount(a[i]);
        long total = (long)sizeof(a) * 8;
        CHECK(bits > total * 45 / 100 && bits < total * 55 / 100, "bit balance within 45%..55%");
    }

    CHECK_EQ(getrandom(a, 32, GRND_NONBLOCK), 32, "GRND_NONBLOCK 32 bytes");
    CHECK_EQ(syscall(SYS_getrandom, a, 32, GRND_RANDOM | GRND_NONBLOCK) > 0, 1,
             "GRND_RANDOM|GRND_NONBLOCK returns data");
    CHECK_ERR(syscall(SYS_getrandom, a, 16, 0x1000), EINVAL, "invalid flags -> EINVAL");
    CHECK_ERR(syscall(SYS_getrandom, (void *)1, 16, 0), EFAULT, "bad buffer -> EFAULT");

    fd = open("/dev/urandom", O_RDONLY);
    CHECK_OK(fd, "open /dev/urandom");
    memset(a, 0, 4096);
    memset(b, 0, 4096);
    CHECK_EQ(read(fd, a, 4096), 4096, "read 4096 bytes from /dev/urandom");
    CHECK_EQ(read(fd, b, 4096), 4096, "read another 4096 bytes");
    CHECK(memcmp(a, b, 4096) != 0, "/dev/urandom reads differ");
    CHECK(!all_zero(a, 4096), "/dev/urandom data is not all zero");
    CHECK_EQ(read(fd, a, 0), 0, "zero-length read from /dev/urandom");
    close(fd);
    CHECK_DONE();
}
