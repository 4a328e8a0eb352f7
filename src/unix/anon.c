/* Anonymous shared memory objects on Unix. */
#define _GNU_SOURCE /* memfd_create */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The portable way to an unnamed object: create a shm object under a name
 * nobody else will pick, and remove the name at once. Returns 0 or an errno
 * value. Kept separate (and reachable by the tests) so that the fallback is
 * exercised on systems that have memfd_create too. */
IPCMEM__HIDDEN int ipcmem__anon_fd_shm(int *out);
int ipcmem__anon_fd_shm(int *out) {
  static atomic_uint counter;
  char name[64];
  struct timespec ts;
  int fd, tries;

  for (tries = 0; tries < 64; tries++) {
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(name, sizeof(name), "/ipcmem-anon.%ld.%u.%ld", (long)getpid(),
             atomic_fetch_add(&counter, 1u), (long)ts.tv_nsec);
    fd = ipcmem__sys.shm_open(
        name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ipcmem__sys.shm_unlink(name);
      *out = fd;
      return 0;
    }
    if (errno != EEXIST && errno != EINTR)
      return errno;
  }
  return EEXIST;
}

#if defined(IPCMEM_HAVE_MEMFD_CREATE)
static int ipcmem__anon_fd(int *out) {
  int fd = ipcmem__sys.memfd_create("ipcmem-anon", MFD_CLOEXEC);

  /* ENOSYS: a kernel older than the C library (memfd_create is Linux 3.17);
   * EPERM: a seccomp filter that forbids it. The fallback still works. */
  if (fd < 0)
    return errno == ENOSYS || errno == EPERM ? ipcmem__anon_fd_shm(out) : errno;
  *out = fd;
  return 0;
}
#else
static int ipcmem__anon_fd(int *out) { return ipcmem__anon_fd_shm(out); }
#endif

int ipcmem_anon_open(ipcmem_anon *out, uint64_t size) {
  int fd, rc;

  if (out == NULL || size == 0 || size > IPCMEM__OFF_MAX)
    return ipcmem__err(IPCMEM_EINVAL);
  rc = ipcmem__anon_fd(&fd);
  if (rc != 0)
    return ipcmem__os_err(rc);
  while (ipcmem__sys.ftruncate(fd, (off_t)size) != 0) {
    if (errno != EINTR) {
      rc = ipcmem__os_err(errno);
      close(fd);
      return rc;
    }
  }
  out->base.handle = fd;
  out->base.kind = IPCMEM_KIND_ANON;
  out->base.access = IPCMEM_READ_WRITE;
  out->base.size_floor = size;
  return 0;
}

int ipcmem_anon_from_handle(ipcmem_anon *out, ipcmem_os_handle h,
                            uint64_t size) {
  struct stat st;
  int fl;

  if (out == NULL || h < 0 || size > IPCMEM__OFF_MAX)
    return ipcmem__err(IPCMEM_EINVAL);
  if (fstat(h, &st) != 0)
    return ipcmem__os_err(errno);
  /* memfd and shm objects are regular files to fstat on every system
   * ipcmem supports; a pipe or a socket cannot be mapped. */
  if (!S_ISREG(st.st_mode))
    return ipcmem__err(IPCMEM_EINVAL);
  fl = fcntl(h, F_GETFL);
  if (fl < 0)
    return ipcmem__os_err(errno);
  if ((fl & O_ACCMODE) != O_RDWR) {
    ipcmem__set_os_error(EACCES);
    return IPCMEM_EACCES;
  }
  if (size > (uint64_t)st.st_size)
    return ipcmem__err(IPCMEM_ERANGE);
  out->base.handle = h;
  out->base.kind = IPCMEM_KIND_ANON;
  out->base.access = IPCMEM_READ_WRITE;
  out->base.size_floor = size;
  return 0;
}

int ipcmem_anon_close(ipcmem_anon *anon) {
  if (anon == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (anon->base.kind == IPCMEM_KIND_NONE)
    return 0;
  return ipcmem__os_mappable_close(&anon->base);
}
