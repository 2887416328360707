#include "mh-bench-kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

gboolean
mh_bench_kernel_create_tap (int control, const char *name, guint32 uid, int *ifindex, int *errsv,
                            const char **step)
{
  struct ifreq ifr;
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  *step = "open /dev/net/tun";
  if (fd < 0)
    goto fail;
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL | IFF_VNET_HDR;
  *step = "TUNSETIFF";
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    goto fail;
  *step = "TUNSETOWNER";
  if (ioctl (fd, TUNSETOWNER, (unsigned long) uid) < 0)
    goto fail;
  *step = "SIOCGIFINDEX";
  if (ioctl (control, SIOCGIFINDEX, &ifr) < 0)
    goto fail;
  *ifindex = ifr.ifr_ifindex;
  /* Up while the fd is open, as the helper does. */
  *step = "SIOCGIFFLAGS";
  if (ioctl (control, SIOCGIFFLAGS, &ifr) < 0)
    goto fail;
  ifr.ifr_flags |= IFF_UP;
  *step = "SIOCSIFFLAGS";
  if (ioctl (control, SIOCSIFFLAGS, &ifr) < 0)
    goto fail;
  *step = "TUNSETPERSIST";
  if (ioctl (fd, TUNSETPERSIST, 1UL) < 0)
    goto fail;
  close (fd);
  return TRUE;

fail:
  *errsv = errno;
  if (fd >= 0)
    close (fd);
  return FALSE;
}

gboolean
mh_bench_kernel_delete_link (int rtnl, int ifindex, const char *name, int *errsv)
{
  static guint32 sequence;
  struct {
    struct nlmsghdr header;
    struct ifinfomsg info;
    struct rtattr attribute;
    char name[IFNAMSIZ];
  } request;
  struct {
    struct nlmsghdr header;
    struct nlmsgerr error;
  } answer;
  ssize_t n;

  memset (&request, 0, sizeof request);
  request.header.nlmsg_type = RTM_DELLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  request.header.nlmsg_seq = ++sequence;
  request.info.ifi_family = AF_UNSPEC;
  if (ifindex > 0)
    {
      request.info.ifi_index = ifindex;
      request.header.nlmsg_len = NLMSG_LENGTH (sizeof request.info);
    }
  else
    {
      request.attribute.rta_type = IFLA_IFNAME;
      request.attribute.rta_len = RTA_LENGTH (IFNAMSIZ);
      g_strlcpy (request.name, name, IFNAMSIZ);
      request.header.nlmsg_len = sizeof request;
    }
  if (send (rtnl, &request, request.header.nlmsg_len, 0) < 0)
    {
      *errsv = errno;
      return FALSE;
    }
  n = recv (rtnl, &answer, sizeof answer, 0);
  if (n < (ssize_t) sizeof answer.header || answer.header.nlmsg_type != NLMSG_ERROR)
    {
      *errsv = n < 0 ? errno : EPROTO;
      return FALSE;
    }
  *errsv = -answer.error.error;
  return answer.error.error == 0;
}

int
mh_bench_kernel_rtnetlink_open (void)
{
  struct sockaddr_nl local = { .nl_family = AF_NETLINK };
  int sock = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

  if (sock >= 0 && bind (sock, (struct sockaddr *) &local, sizeof local) < 0)
    {
      int errsv = errno;

      close (sock);
      errno = errsv;
      return -1;
    }
  return sock;
}
