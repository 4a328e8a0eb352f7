/* XSI (System V) shared memory on Unix: ftok(3), shmget(2), shmat(2),
 * shmdt(2), shmctl(2). */
#include "../internal.h"

#include <errno.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>

_Static_assert(sizeof(key_t) <= sizeof(int32_t), "key_t fits ipcmem_xsi_key");

/* See ipcmem__shm_open's loop: a bounded number of create/open rounds. */
#define IPCMEM__XSI_TRIES 128

int ipcmem_xsi_key_from_path(ipcmem_xsi_key *out, const char *path, int id) {
  key_t k;

  if (out == NULL || path == NULL || path[0] == '\0' || id < 1 || id > 255)
    return ipcmem__err(IPCMEM_EINVAL);
  k = ftok(path, id);
  if (k == (key_t)-1)
    return ipcmem__os_err(errno);
  out->value = (int32_t)k;
  return 0;
}

int ipcmem_xsi_key_from_value(ipcmem_xsi_key *out, int32_t value) {
  if (out == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  out->value = value;
  return 0;
}

ipcmem_xsi_key ipcmem_xsi_key_private(void) {
  ipcmem_xsi_key k;

  k.value = (int32_t)IPC_PRIVATE;
  return k;
}

int32_t ipcmem_xsi_key_value(ipcmem_xsi_key key) { return key.value; }

/* A segment id that no longer exists is EINVAL or EIDRM to the system; to
 * the caller it is "not found". */
static int ipcmem__xsi_err(int e) {
  return ipcmem__os_err(e == EINVAL || e == EIDRM ? ENOENT : e);
}

int ipcmem_xsi_open(ipcmem_xsi *out, ipcmem_xsi_key key, int open_mode,
                    int access, size_t size, unsigned perms) {
  int id = -1, created = 0, tries, want;
  key_t k = (key_t)key.value;

  if (out == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (open_mode < IPCMEM_CREATE_ONLY || open_mode > IPCMEM_OPEN_ONLY)
    return ipcmem__err(IPCMEM_EINVAL);
  if (access != IPCMEM_READ_ONLY && access != IPCMEM_READ_WRITE)
    return ipcmem__err(IPCMEM_EINVAL);
  if (perms > 0777 || (open_mode != IPCMEM_OPEN_ONLY && size == 0))
    return ipcmem__err(IPCMEM_EINVAL);
  if (k == IPC_PRIVATE && open_mode == IPCMEM_OPEN_ONLY)
    return ipcmem__err(IPCMEM_EINVAL);
  if (perms == 0)
    perms = IPCMEM_PERMS_DEFAULT;
  /* shmget checks these bits against the segment's permissions, so an
   * access the caller may not have fails now rather than at attach time. */
  want = access == IPCMEM_READ_WRITE ? (S_IRUSR | S_IWUSR) : S_IRUSR;

  if (k == IPC_PRIVATE) {
    id = shmget(k, size, IPC_CREAT | (int)perms);
    created = 1;
  } else if (open_mode == IPCMEM_CREATE_ONLY) {
    id = shmget(k, size, IPC_CREAT | IPC_EXCL | (int)perms);
    created = 1;
  } else if (open_mode == IPCMEM_OPEN_ONLY) {
    id = shmget(k, size, want);
  } else {
    for (tries = 0; tries < IPCMEM__XSI_TRIES; tries++) {
      id = shmget(k, size, IPC_CREAT | IPC_EXCL | (int)perms);
      if (id >= 0 || errno != EEXIST) {
        created = 1;
        break;
      }
      id = shmget(k, size, want);
      if (id >= 0 || errno != ENOENT)
        break;
    }
  }
  if (id < 0)
    return ipcmem__os_err(errno);

  out->base.handle = id;
  out->base.kind = IPCMEM_KIND_XSI;
  out->base.access = access;
  out->base.size_floor = 0;
  out->created = created;
  return 0;
}

int ipcmem_xsi_close(ipcmem_xsi *xsi) {
  if (xsi == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  xsi->base.handle = IPCMEM_OS_HANDLE_INVALID;
  xsi->base.kind = IPCMEM_KIND_NONE;
  return 0;
}

int ipcmem_xsi_id(const ipcmem_xsi *xsi) {
  return xsi != NULL && xsi->base.kind == IPCMEM_KIND_XSI ? xsi->base.handle
                                                          : -1;
}

int ipcmem_xsi_created(const ipcmem_xsi *xsi) {
  return xsi != NULL && xsi->base.kind == IPCMEM_KIND_XSI && xsi->created;
}

int ipcmem_xsi_size(const ipcmem_xsi *xsi, uint64_t *size) {
  if (xsi == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem_mappable_size(&xsi->base, size);
}

int ipcmem__xsi_size(int id, uint64_t *size) {
  struct shmid_ds ds;

  if (shmctl(id, IPC_STAT, &ds) != 0)
    return ipcmem__xsi_err(errno);
  *size = (uint64_t)ds.shm_segsz;
  return 0;
}

int ipcmem_xsi_remove(int shmid) {
  if (shmid < 0)
    return ipcmem__err(IPCMEM_EINVAL);
  if (shmctl(shmid, IPC_RMID, NULL) != 0)
    return ipcmem__xsi_err(errno);
  return 0;
}

int ipcmem__xsi_attach(ipcmem_region *out, int id, int mode,
                       const ipcmem__window *w, void *addr, unsigned flags) {
  void *p;

  /* Some architectures (32-bit ARM) attach only at multiples of SHMLBA,
   * which is larger than a page there; checking first keeps the EINVAL
   * below meaning "occupied". */
  if (addr != NULL && (uintptr_t)addr % (uintptr_t)SHMLBA != 0)
    return ipcmem__err(IPCMEM_EINVAL);
  p = shmat(id, addr, mode == IPCMEM_READ_ONLY ? SHM_RDONLY : 0);

  if (p == (void *)-1) {
    /* The address and its alignment were checked by the caller, so EINVAL
     * with an address means the range is occupied (shmat never replaces a
     * mapping unless asked with SHM_REMAP). */
    if (addr != NULL && errno == EINVAL) {
      ipcmem__set_os_error(EINVAL);
      return IPCMEM_EBUSY;
    }
    return ipcmem__xsi_err(errno);
  }
  return ipcmem__region_finish(out, p, w, mode, flags, IPCMEM__REGION_XSI);
}
