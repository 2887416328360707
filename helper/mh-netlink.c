/* Small netlink helpers shared by the kinds' kernel files: a route
 * socket, and libnl's errors as GErrors carrying an errno and the
 * object's name. */
#include "mh-netlink.h"

#include <errno.h>
#include <netlink/errno.h>

#include "mh-error.h"

static int
errno_from_nl (int nl_error)
{
  switch (nl_error < 0 ? -nl_error : nl_error)
    {
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
      return ENODEV;
    case NLE_EXIST:
      return EEXIST;
    case NLE_BUSY:
      return EBUSY;
    case NLE_PERM:
    case NLE_NOACCESS:
      return EPERM;
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_INVAL:
      return EINVAL;
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    default:
      return EIO;
    }
}

gboolean
mh_nl_error (GError **error, int nl_error, const char *what, const char *name)
{
  g_set_error (error, MH_ERRNO_ERROR, errno_from_nl (nl_error), "%s %s: %s", what, name,
               nl_geterror (nl_error));
  return FALSE;
}

struct nl_sock *
mh_nl_route_socket (GError **error)
{
  g_autoptr (NlSock) sock = nl_socket_alloc ();
  int err;

  if (sock == NULL)
    {
      mh_set_errno_error (error, ENOMEM, "allocate a netlink socket");
      return NULL;
    }
  err = nl_connect (sock, NETLINK_ROUTE);
  if (err < 0)
    {
      mh_nl_error (error, err, "connect to", "rtnetlink");
      return NULL;
    }
  return g_steal_pointer (&sock);
}
