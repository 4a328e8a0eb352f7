/* errno → IPCMEM_E* translation, in one switch. */
#include "../internal.h"

#include <errno.h>

static int ipcmem__translate(int e) {
  switch (e) {
  case ENOENT:
  case ENOTDIR:
    return IPCMEM_ENOENT;
  case EEXIST:
    return IPCMEM_EEXIST;
  case EACCES:
  case EPERM:
  case EROFS:
    return IPCMEM_EACCES;
  case EINVAL:
  case EBADF:
    return IPCMEM_EINVAL;
  case ENAMETOOLONG:
    return IPCMEM_ENAME;
  case ENOSPC:
#ifdef EDQUOT
  case EDQUOT:
#endif
    return IPCMEM_ENOSPC;
  case ENOMEM:
  case EAGAIN:
    return IPCMEM_ENOMEM;
  case EFBIG:
  case EOVERFLOW:
    return IPCMEM_ERANGE;
  case EBUSY:
    return IPCMEM_EBUSY;
  case EMFILE:
  case ENFILE:
    return IPCMEM_EMFILE;
  case EIO:
    return IPCMEM_EIO;
  case EINTR:
    return IPCMEM_EINTR;
  case ENOSYS:
  case ENODEV:
  case ENOTSUP:
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
  case EOPNOTSUPP:
#endif
    return IPCMEM_ENOTSUP;
  case EISDIR:
    return IPCMEM_EISDIR;
  case ELOOP: /* what O_NOFOLLOW reports for a symbolic link */
    return IPCMEM_ESYMLINK;
  default:
    return IPCMEM_EOS;
  }
}

int ipcmem__os_err(int oserr) {
  ipcmem__set_os_error(oserr);
  return ipcmem__translate(oserr);
}

int ipcmem__os_enosys(void) { return ENOSYS; }
