/* Named shared memory objects: argument checking, the choice of backend and
 * the open-or-create protocol, shared by every platform and backend. The
 * backends (src/<platform>/shm*.c) provide three primitives: create
 * exclusively, open an existing object, remove a name. */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Rounds of the open-or-create loop. Each round loses only if another
 * process creates or removes the name between our two calls; a bounded
 * loop turns a pathological race into an error instead of a hang. */
#define IPCMEM__OPEN_OR_CREATE_TRIES 128

/* The backend chosen with ipcmem_shm_set_backend(); DEFAULT defers to the
 * environment and the build. */
static atomic_int ipcmem__backend_choice;

int ipcmem_shm_set_backend(int backend) {
  if (backend < IPCMEM_BACKEND_DEFAULT || backend > IPCMEM_BACKEND_EMULATED)
    return ipcmem__err(IPCMEM_EINVAL);
  atomic_store(&ipcmem__backend_choice, backend);
  return 0;
}

/* Resolves the backend to NATIVE or EMULATED. *fallback is set when the
 * choice is the automatic one, which may fall back to the emulation if the
 * system turns out to have no native shared memory. */
static int ipcmem__backend_resolve(int *backend, int *fallback) {
  int b = atomic_load(&ipcmem__backend_choice);
  const char *env;

  *backend = IPCMEM_BACKEND_NATIVE;
  *fallback = 0;
  if (b != IPCMEM_BACKEND_DEFAULT) {
    *backend = b;
    return 0;
  }
  env = getenv("IPCMEM_SHM_BACKEND");
  if (env != NULL && env[0] != '\0') {
    /* A typo must not silently pick the other backend: two programs that
     * disagree on the backend do not see each other's objects. */
    if (strcmp(env, "native") == 0)
      *backend = IPCMEM_BACKEND_NATIVE;
    else if (strcmp(env, "emulated") == 0)
      *backend = IPCMEM_BACKEND_EMULATED;
    else
      return ipcmem__err(IPCMEM_ECONFIG);
    return 0;
  }
  *backend = IPCMEM__SHM_EMULATED_DEFAULT ? IPCMEM_BACKEND_EMULATED
                                          : IPCMEM_BACKEND_NATIVE;
  *fallback = *backend == IPCMEM_BACKEND_NATIVE;
  return 0;
}

int ipcmem_shm_get_backend(int *backend) {
  int b, fallback, rc;

  if (backend == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  rc = ipcmem__backend_resolve(&b, &fallback);
  if (rc == 0)
    *backend = b;
  return rc;
}

static const ipcmem__shm_ops *ipcmem__ops(int backend) {
  return backend == IPCMEM_BACKEND_NATIVE ? &ipcmem__shm_native
                                          : &ipcmem__shm_emulated;
}

/* True when a native call failed because the system has no native shared
 * memory at all (shm_open is ENOSYS): the automatic choice then falls back
 * to the emulation. */
static int ipcmem__no_native(int rc) {
  return rc == IPCMEM_ENOTSUP && ipcmem_last_os_error() == ipcmem__os_enosys();
}

static int ipcmem__shm_open_with(const ipcmem__shm_ops *ops,
                                 ipcmem_os_handle *h, const char *cname,
                                 int open_mode, int access, unsigned perms,
                                 int *created) {
  int tries, rc;

  switch (open_mode) {
  case IPCMEM_CREATE_ONLY:
    *created = 1;
    return ops->create(h, cname, access, perms);
  case IPCMEM_OPEN_ONLY:
    *created = 0;
    return ops->open(h, cname, access);
  default:
    /* Creating with "create if absent" cannot tell the caller whether it
     * created the object; an exclusive create and then a plain open can. */
    for (tries = 0; tries < IPCMEM__OPEN_OR_CREATE_TRIES; tries++) {
      *created = 1;
      rc = ops->create(h, cname, access, perms);
      if (rc != IPCMEM_EEXIST)
        return rc;
      *created = 0;
      rc = ops->open(h, cname, access);
      if (rc != IPCMEM_ENOENT)
        return rc;
    }
    return rc;
  }
}

int ipcmem_shm_open(ipcmem_shm *out, const char *name, int open_mode,
                    int access, unsigned perms) {
  ipcmem_shm shm;
  ipcmem_os_handle h;
  int backend, fallback, created, rc;

  if (out == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  rc = ipcmem__name_canon(shm.name, name);
  if (rc != 0)
    return rc;
  if (open_mode < IPCMEM_CREATE_ONLY || open_mode > IPCMEM_OPEN_ONLY)
    return ipcmem__err(IPCMEM_EINVAL);
  if (access != IPCMEM_READ_ONLY && access != IPCMEM_READ_WRITE)
    return ipcmem__err(IPCMEM_EINVAL);
  if (perms > 0777)
    return ipcmem__err(IPCMEM_EINVAL);
  if (perms == 0)
    perms = IPCMEM_PERMS_DEFAULT;
  rc = ipcmem__backend_resolve(&backend, &fallback);
  if (rc != 0)
    return rc;

  rc = ipcmem__shm_open_with(ipcmem__ops(backend), &h, shm.name, open_mode,
                             access, perms, &created);
  if (fallback && ipcmem__no_native(rc)) {
    backend = IPCMEM_BACKEND_EMULATED;
    rc = ipcmem__shm_open_with(ipcmem__ops(backend), &h, shm.name, open_mode,
                               access, perms, &created);
  }
  if (rc != 0)
    return rc;

  shm.base.handle = h;
  shm.base.kind = IPCMEM_KIND_SHM;
  shm.base.access = access;
  shm.base.size_floor = 0;
  shm.created = created;
  shm.backend = backend;
  *out = shm;
  return 0;
}

int ipcmem_shm_remove(const char *name) {
  char cname[IPCMEM_NAME_MAX + 2];
  int backend, fallback, rc;

  rc = ipcmem__name_canon(cname, name);
  if (rc != 0)
    return rc;
  rc = ipcmem__backend_resolve(&backend, &fallback);
  if (rc != 0)
    return rc;
  rc = ipcmem__ops(backend)->remove(cname);
  if (fallback && ipcmem__no_native(rc))
    rc = ipcmem__shm_emulated.remove(cname);
  return rc;
}

int ipcmem_shm_close(ipcmem_shm *shm) {
  if (shm == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (shm->base.kind == IPCMEM_KIND_NONE)
    return 0;
  return ipcmem__os_mappable_close(&shm->base);
}

static int ipcmem__shm_check_writable(const ipcmem_shm *shm, uint64_t size) {
  if (shm == NULL || shm->base.kind != IPCMEM_KIND_SHM)
    return ipcmem__err(IPCMEM_EINVAL);
  if (size > IPCMEM__OFF_MAX)
    return ipcmem__err(IPCMEM_EINVAL);
  if (shm->base.access != IPCMEM_READ_WRITE)
    return ipcmem__err(IPCMEM_EMODE);
  return 0;
}

/* size_floor records what this handle knows of the object's size, so that
 * mapping a window inside it needs no system call (see region.c). */
int ipcmem_shm_truncate(ipcmem_shm *shm, uint64_t size) {
  int rc = ipcmem__shm_check_writable(shm, size);

  if (rc == 0)
    rc = ipcmem__os_truncate(shm->base.handle, size);
  if (rc == 0)
    shm->base.size_floor = size;
  return rc;
}

int ipcmem_shm_reserve(ipcmem_shm *shm, uint64_t size) {
  int rc = ipcmem__shm_check_writable(shm, size);

  if (rc != 0 || size == 0)
    return rc;
  rc = ipcmem__os_reserve(shm->base.handle, size);
  if (rc == 0 && size > shm->base.size_floor)
    shm->base.size_floor = size;
  return rc;
}

int ipcmem_shm_size(const ipcmem_shm *shm, uint64_t *size) {
  if (shm == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem_mappable_size(&shm->base, size);
}

const char *ipcmem_shm_name(const ipcmem_shm *shm) {
  if (shm == NULL || shm->base.kind != IPCMEM_KIND_SHM)
    return NULL;
  return shm->name + 1;
}

int ipcmem_shm_created(const ipcmem_shm *shm) {
  return shm != NULL && shm->base.kind == IPCMEM_KIND_SHM && shm->created;
}

int ipcmem_shm_backend(const ipcmem_shm *shm) {
  return shm != NULL && shm->base.kind == IPCMEM_KIND_SHM ? shm->backend : 0;
}

int ipcmem_shm_dir(char *buf, size_t len) {
  if (buf == NULL || len == 0)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem__emul_dir_path(buf, len);
}
