/* netlink_route: NETLINK_ROUTE sockets: bind/getsockname port id, RTM_GETLINK/RTM_GETADDR dumps (lo, 127.0.0.1), NLMSG_DONE, NLMSG_ERROR, if_nametoindex, SIOCGIFINDEX/SIOCGIFFLAGS. */
/* syscalls: socket, bind, getsockname, sendto, recvfrom, ioctl, poll, close */
/* area: inet */
#include "check.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static char rbuf[65536];

static int send_req(int s, int type, int flags, int family, unsigned seq)
{
    struct {
        struct nlmsghdr nh;
        struct rtgenmsg g;
    } req;
    struct sockaddr_nl to;
    memset(&req, 0, sizeof(req));
    memset(&to, 0, sizeof(to));
    to.nl_family = AF_NETLINK;
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg));
    req.nh.nlmsg_type = type;
    req.nh.nlmsg_flags = flags;
    req.nh.nlmsg_seq = seq;
    req.g.rtgen_family = family;
    return sendto(s, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to));
}

/* Reads a dump; calls fn on each message; returns 1 if NLMSG_DONE seen, 0 on timeout/error, -errno on NLMSG_ERROR. */
static int read_dump(int s, unsigned seq, void (*fn)(struct nlmsghdr *), int *seq_ok)
{
    for (;;) {
        struct pollfd p = {s, POLLIN, 0};
        int n;
        struct nlmsghdr *nh;
        if (poll(&p, 1, 2000) != 1)
            return 0;
        n = recv(s, rbuf, sizeof(rbuf), 0);
        if (n <= 0)
            return 0;
        for (nh = (struct nlmsghdr *)rbuf; NLMSG_OK(nh, (unsigned)n); nh = NLMSG_NEXT(nh, n)) {
            if (nh->nlmsg_seq != seq)
                *seq_ok = 0;
            if (nh->nlmsg_type == NLMSG_DONE)
                return 1;
            if (nh->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(nh);
                return e->error;
            }
            fn(nh);
        }
    }
}

static int saw_lo, lo_index, lo_flags_ok, nlinks;
static void on_link(struct nlmsghdr *nh)
{
    struct ifinfomsg *ifi = NLMSG_DATA(nh);
    struct rtattr *a;
    int len = IFLA_PAYLOAD(nh);
    if (nh->nlmsg_type != RTM_NEWLINK)
        return;
    nlinks++;
    for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
        if (a->rta_type == IFLA_IFNAME && strcmp(RTA_DATA(a), "lo") == 0) {
            saw_lo = 1;
            lo_index = ifi->ifi_index;
            lo_flags_ok = (ifi->ifi_flags & IFF_LOOPBACK) != 0;
        }
}

static int saw_127, addr_index;
static void on_addr(struct nlmsghdr *nh)
{
    struct ifaddrmsg *ifa = NLMSG_DATA(nh);
    struct rtattr *a;
    int len = IFA_PAYLOAD(nh);
    if (nh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
        return;
    for (a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len))
        if (a->rta_type == IFA_LOCAL && RTA_PAYLOAD(a) == 4) {
            unsigned int v;
            memcpy(&v, RTA_DATA(a), 4);
            if (v == htonl(INADDR_LOOPBACK)) {
                saw_127 = 1;
                addr_index = ifa->ifa_index;
                if (ifa->ifa_prefixlen != 8)
                    saw_127 = 2;
            }
        }
}

int main(void)
{
    int s, r, seq_ok = 1, idx, fd;
    struct sockaddr_nl sa;
    socklen_t l;
    struct ifreq ifr;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    CHECK(s >= 0, "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)");
    if (s < 0)
        CHECK_DONE();
    CHECK_ERR(socket(AF_NETLINK, SOCK_RAW, 9999), EPROTONOSUPPORT, "unknown netlink protocol -> EPROTONOSUPPORT");
    memset(&sa, 0, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    CHECK_OK(bind(s, (struct sockaddr *)&sa, sizeof(sa)), "bind with nl_pid 0");
    memset(&sa, 0, sizeof(sa));
    l = sizeof(sa);
    r = getsockname(s, (struct sockaddr *)&sa, &l);
    CHECK(r == 0 && l == sizeof(sa) && sa.nl_family == AF_NETLINK, "getsockname returns a sockaddr_nl");
    CHECK(sa.nl_pid != 0, "kernel assigned a nonzero port id");
    CHECK_EQ(sa.nl_pid, getpid(), "first socket of the process gets nl_pid == pid");
    {
        int s2 = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
        struct sockaddr_nl b = sa;
        CHECK_ERR(bind(s2, (struct sockaddr *)&b, sizeof(b)), EADDRINUSE, "binding a port id in use -> EADDRINUSE");
        close(s2);
    }

    /* Link dump. */
    CHECK(send_req(s, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, AF_UNSPEC, 100) > 0, "send RTM_GETLINK dump request");
    r = read_dump(s, 100, on_link, &seq_ok);
    CHECK_EQ(r, 1, "link dump ends with NLMSG_DONE");
    CHECK(nlinks >= 1, "at least one RTM_NEWLINK");
    CHECK(saw_lo, "dump lists \"lo\"");
    CHECK(lo_flags_ok, "lo has IFF_LOOPBACK");
    CHECK(seq_ok, "replies carry the request's sequence number");

    /* Address dump. */
    seq_ok = 1;
    CHECK(send_req(s, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, AF_INET, 101) > 0, "send RTM_GETADDR dump request");
    r = read_dump(s, 101, on_addr, &seq_ok);
    CHECK_EQ(r, 1, "address dump ends with NLMSG_DONE");
    CHECK(saw_127 == 1, "127.0.0.1/8 listed");
    CHECK(addr_index == lo_index && lo_index > 0, "127.0.0.1 is on lo's index");

    /* Malformed / unsupported requests get NLMSG_ERROR. */
    {
        struct nlmsghdr bad;
        struct sockaddr_nl to;
        memset(&to, 0, sizeof(to));
        to.nl_family = AF_NETLINK;
        memset(&bad, 0, sizeof(bad));
        bad.nlmsg_len = sizeof(bad);
        bad.nlmsg_type = 0x7fff; /* no such message type */
        bad.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        bad.nlmsg_seq = 102;
        sendto(s, &bad, sizeof(bad), 0, (struct sockaddr *)&to, sizeof(to));
        seq_ok = 1;
        r = read_dump(s, 102, on_link, &seq_ok);
        CHECK(r < 0, "unknown message type answered with NLMSG_ERROR (negative errno)");
        CHECK(seq_ok, "error reply has the request's sequence number");
        r = send_req(s, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, AF_UNSPEC, 103);
        /* A non-dump GETLINK without an ifindex or name is rejected. */
        seq_ok = 1;
        r = read_dump(s, 103, on_link, &seq_ok);
        CHECK(r < 0, "RTM_GETLINK (no dump, no index/name) -> NLMSG_ERROR");
    }
    close(s);

    /* Interface lookups. */
    idx = if_nametoindex("lo");
    CHECK(idx > 0 && idx == lo_index, "if_nametoindex(\"lo\") matches the netlink index");
    CHECK_EQ(if_nametoindex("nosuchif0"), 0, "if_nametoindex unknown interface -> 0");
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    r = ioctl(fd, SIOCGIFINDEX, &ifr);
    CHECK(r == 0 && ifr.ifr_ifindex == idx, "SIOCGIFINDEX lo");
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    r = ioctl(fd, SIOCGIFFLAGS, &ifr);
    CHECK(r == 0 && (ifr.ifr_flags & IFF_LOOPBACK) && (ifr.ifr_flags & IFF_UP), "SIOCGIFFLAGS lo: LOOPBACK and UP");
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "nosuchif0");
    CHECK_ERR(ioctl(fd, SIOCGIFINDEX, &ifr), ENODEV, "SIOCGIFINDEX unknown interface -> ENODEV");
    {
        char name[IF_NAMESIZE];
        CHECK(if_indextoname(idx, name) && strcmp(name, "lo") == 0, "if_indextoname(lo index) == \"lo\"");
    }
    close(fd);
    CHECK_DONE();
}
