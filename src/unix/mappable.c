/* What every descriptor-backed mappable (shm object, anonymous object) shares
 * on Unix: its size and its closing. */
#include "../internal.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

int ipcmem__os_mappable_size(const ipcmem_mappable *m, uint64_t *size) {
  struct stat st;

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
