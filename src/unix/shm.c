/* Named shared memory objects on Unix: shm_open(3) and friends. */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Attempts of the open-or-create loop. Each round loses only if another
 * process creates or removes the name between our two calls; a bounded
 * loop turns a pathological race into an error instead of a hang. */
#define IPCMEM__OPEN_OR_CREATE_TRIES 128

static int ipcmem__shm_open_fd(const char *cname, int oflag, mode_t perms) {
  int fd;

  do
    fd = shm_open(cname, oflag | O_NOFOLLOW | O_CLOEXEC, perms);
  while (fd < 0 && errno == EINTR);
  return fd;
}

int ipcmem_shm_open(ipcmem_shm *out, const char *name, int open_mode,
                    int access, unsigned perms) {
  ipcmem_shm shm;
  int oflag, fd = -1, created = 0, tries, rc;

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
  oflag = access == IPCMEM_READ_WRITE ? O_RDWR : O_RDONLY;

  switch (open_mode) {
  case IPCMEM_CREATE_ONLY:
    fd = ipcmem__shm_open_fd(shm.name, oflag | O_CREAT | O_EXCL, perms);
    created = 1;
    break;
  case IPCMEM_OPEN_ONLY:
    fd = ipcmem__shm_open_fd(shm.name, oflag, 0);
    break;
  default:
    /* O_CREAT alone cannot tell the caller whether it created the object;
     * exclusive creation first, then a plain open, can. */
    for (tries = 0; tries < IPCMEM__OPEN_OR_CREATE_TRIES; tries++) {
      fd = ipcmem__shm_open_fd(shm.name, oflag | O_CREAT | O_EXCL, perms);
      if (fd >= 0 || errno != EEXIST) {
        created = 1;
        break;
      }
      fd = ipcmem__shm_open_fd(shm.name, oflag, 0);
      if (fd >= 0 || errno != ENOENT)
        break;
    }
    break;
  }
  if (fd < 0)
    return ipcmem__os_err(errno);

  /* shm_open filters the mode through the umask; the caller asked for
   * exactly `perms`. */
  if (created && fchmod(fd, (mode_t)perms) != 0) {
    rc = ipcmem__os_err(errno);
    shm_unlink(shm.name);
    close(fd);
    return rc;
  }

  shm.base.handle = fd;
  shm.base.kind = IPCMEM_KIND_SHM;
  shm.base.access = access;
  shm.created = created;
  *out = shm;
  return 0;
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

int ipcmem_shm_truncate(ipcmem_shm *shm, uint64_t size) {
  int rc = ipcmem__shm_check_writable(shm, size);

  if (rc != 0)
    return rc;
  while (ftruncate(shm->base.handle, (off_t)size) != 0)
    if (errno != EINTR)
      return ipcmem__os_err(errno);
  return 0;
}

#if defined(IPCMEM_HAVE_POSIX_FALLOCATE)
/* Returns 0 or an errno value. posix_fallocate reports its error as the
 * return value instead of through errno. */
static int ipcmem__fd_reserve(int fd, off_t size) {
  int rc;

  do
    rc = posix_fallocate(fd, 0, size);
  while (rc == EINTR);
  /* Some systems say "not for this kind of file" with EINVAL. */
  return rc == EINVAL ? ENOTSUP : rc;
}
#else
/* No posix_fallocate (macOS): space cannot be reserved up front. */
static int ipcmem__fd_reserve(int fd, off_t size) {
  (void)fd;
  (void)size;
  return ENOTSUP;
}
#endif

int ipcmem_shm_reserve(ipcmem_shm *shm, uint64_t size) {
  int rc = ipcmem__shm_check_writable(shm, size);

  if (rc != 0)
    return rc;
  if (size == 0)
    return 0;
  rc = ipcmem__fd_reserve(shm->base.handle, (off_t)size);
  return rc == 0 ? 0 : ipcmem__os_err(rc);
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

int ipcmem_shm_remove(const char *name) {
  char cname[IPCMEM_NAME_MAX + 2];
  int rc = ipcmem__name_canon(cname, name);

  if (rc != 0)
    return rc;
  if (shm_unlink(cname) != 0)
    return ipcmem__os_err(errno);
  return 0;
}
