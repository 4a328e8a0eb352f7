/* XSI (System V) shared memory does not exist on Windows. The calls stay
 * declared so that portable code compiles unchanged; each one checks its
 * arguments as its contract promises, then reports IPCMEM_ENOTSUP with
 * ERROR_NOT_SUPPORTED as the system error. Keys are plain values and work
 * as everywhere. */
#include "win.h"

static int ipcmem__xsi_none(void) {
  return ipcmem__os_err(ERROR_NOT_SUPPORTED);
}

int ipcmem_xsi_key_from_path(ipcmem_xsi_key *out, const char *path, int id) {
  if (out == NULL || path == NULL || path[0] == '\0' || id < 1 || id > 255)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem__xsi_none();
}

int ipcmem_xsi_key_from_value(ipcmem_xsi_key *out, int32_t value) {
  if (out == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  out->value = value;
  return 0;
}

ipcmem_xsi_key ipcmem_xsi_key_private(void) {
  ipcmem_xsi_key k;

  k.value = 0;
  return k;
}

int32_t ipcmem_xsi_key_value(ipcmem_xsi_key key) { return key.value; }

int ipcmem_xsi_open(ipcmem_xsi *out, ipcmem_xsi_key key, int open_mode,
                    int access, size_t size, unsigned perms) {
  (void)key;
  (void)open_mode;
  (void)access;
  (void)size;
  (void)perms;
  if (out == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem__xsi_none();
}

int ipcmem_xsi_close(ipcmem_xsi *xsi) {
  if (xsi == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  xsi->base.handle = IPCMEM_OS_HANDLE_INVALID;
  xsi->base.kind = IPCMEM_KIND_NONE;
  return 0;
}

/* No segment can be open here, so there is never an id to return. */
int ipcmem_xsi_id(const ipcmem_xsi *xsi) {
  (void)xsi;
  return -1;
}

int ipcmem_xsi_created(const ipcmem_xsi *xsi) {
  (void)xsi;
  return 0;
}

int ipcmem_xsi_size(const ipcmem_xsi *xsi, uint64_t *size) {
  if (xsi == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem_mappable_size(&xsi->base, size);
}

int ipcmem__xsi_size(int id, uint64_t *size) {
  (void)id;
  (void)size;
  return ipcmem__xsi_none();
}

int ipcmem_xsi_remove(int shmid) {
  if (shmid < 0)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem__xsi_none();
}

int ipcmem__xsi_attach(ipcmem_region *out, int id, int mode,
                       const ipcmem__window *w, void *addr, unsigned flags) {
  (void)out;
  (void)id;
  (void)mode;
  (void)w;
  (void)addr;
  (void)flags;
  return ipcmem__xsi_none();
}
