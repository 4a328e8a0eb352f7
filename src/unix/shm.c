/* The native backend of named shared memory objects on Unix: shm_open(3),
 * and the descriptor operations every fd-backed object shares. */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int ipcmem__native_open_fd(ipcmem_os_handle *out, const char *cname,
                                  int oflag, mode_t perms) {
  int fd;

  do
    fd = ipcmem__sys.shm_open(cname, oflag | O_NOFOLLOW | O_CLOEXEC, perms);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return ipcmem__os_err(errno);
  *out = fd;
  return 0;
}

static int ipcmem__native_create(ipcmem_os_handle *out, const char *cname,
                                 int access, unsigned perms) {
  int oflag =
      (access == IPCMEM_READ_WRITE ? O_RDWR : O_RDONLY) | O_CREAT | O_EXCL;
  int fd = -1, rc;

  rc = ipcmem__native_open_fd(&fd, cname, oflag, (mode_t)perms);
  if (rc != 0)
    return rc;
  /* shm_open filters the mode through the umask; the caller asked for
   * exactly `perms`. If they cannot be set, nothing is left created. */
  if (ipcmem__sys.fchmod(fd, (mode_t)perms) != 0) {
    rc = ipcmem__os_err(errno);
    ipcmem__sys.shm_unlink(cname);
    close(fd);
    return rc;
  }
  *out = fd;
  return 0;
}

static int ipcmem__native_open(ipcmem_os_handle *out, const char *cname,
                               int access) {
  return ipcmem__native_open_fd(
      out, cname, access == IPCMEM_READ_WRITE ? O_RDWR : O_RDONLY, 0);
}

static int ipcmem__native_remove(const char *cname) {
  return ipcmem__sys.shm_unlink(cname) == 0 ? 0 : ipcmem__os_err(errno);
}

/* Not const: the tests replace the entries to simulate a system without
 * shm_open and check the automatic fallback to the emulation. */
ipcmem__shm_ops ipcmem__shm_native = {
    ipcmem__native_create, ipcmem__native_open, ipcmem__native_remove};
