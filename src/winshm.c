/* Native Windows shared memory: what every platform shares. Opening is
 * platform code (src/win/winshm.c; src/unix/winshm.c says "not
 * supported"). */
#include "internal.h"

int ipcmem_winshm_close(ipcmem_winshm *shm) {
  if (shm == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (shm->base.kind == IPCMEM_KIND_NONE)
    return 0;
  return ipcmem__os_mappable_close(&shm->base);
}

int ipcmem_winshm_size(const ipcmem_winshm *shm, uint64_t *size) {
  if (shm == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem_mappable_size(&shm->base, size);
}

int ipcmem_winshm_created(const ipcmem_winshm *shm) {
  return shm != NULL && shm->base.kind == IPCMEM_KIND_WINSHM && shm->created;
}
