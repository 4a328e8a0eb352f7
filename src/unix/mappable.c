/* What every mappable shares on Unix: its size and its closing. All kinds
 * but XSI segments are file descriptors. */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int ipcmem__os_mappable_size(const ipcmem_mappable *m, uint64_t *size) {
  struct stat st;

  if (m->kind == IPCMEM_KIND_XSI)
    return ipcmem__xsi_size(m->handle, size);
  if (fstat(m->handle, &st) != 0)
    return ipcmem__os_err(errno);
  *size = (uint64_t)st.st_size;
  return 0;
}

int ipcmem__os_mappable_close(ipcmem_mappable *m) {
  int fd = m->handle;

  /* Marked closed first: after close() the descriptor is gone even when it
   * reports an error (retrying could close another thread's new fd). */
  m->handle = IPCMEM_OS_HANDLE_INVALID;
  m->kind = IPCMEM_KIND_NONE;
  if (close(fd) != 0 && errno != EINTR)
    return ipcmem__os_err(errno);
  return 0;
}

int ipcmem__os_truncate(ipcmem_os_handle h, uint64_t size) {
  while (ipcmem__sys.ftruncate(h, (off_t)size) != 0)
    if (errno != EINTR)
      return ipcmem__os_err(errno);
  return 0;
}

#if defined(IPCMEM_HAVE_POSIX_FALLOCATE)
int ipcmem__os_reserve(ipcmem_os_handle h, uint64_t size) {
  int rc;

  /* posix_fallocate returns the error instead of setting errno. */
  do
    rc = ipcmem__sys.posix_fallocate(h, 0, (off_t)size);
  while (rc == EINTR);
  /* Some systems say "not for this kind of file" with EINVAL. */
  if (rc == EINVAL)
    rc = ENOTSUP;
  return rc == 0 ? 0 : ipcmem__os_err(rc);
}
#else
/* No posix_fallocate (macOS): space cannot be reserved up front. */
int ipcmem__os_reserve(ipcmem_os_handle h, uint64_t size) {
  (void)h;
  (void)size;
  ipcmem__set_os_error(ENOTSUP);
  return IPCMEM_ENOTSUP;
}
#endif
