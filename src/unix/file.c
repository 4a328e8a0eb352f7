/* Memory-mapped files on Unix (Boost's file_mapping). */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int ipcmem_file_open(ipcmem_file *out, const char *path, int access) {
  struct stat st;
  int fd, oflag, rc;

  if (out == NULL || path == NULL || path[0] == '\0')
    return ipcmem__err(IPCMEM_EINVAL);
  if (access != IPCMEM_READ_ONLY && access != IPCMEM_READ_WRITE)
    return ipcmem__err(IPCMEM_EINVAL);
  /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer, and the
   * FIFO is refused below anyway. It means nothing for regular files. */
  oflag = (access == IPCMEM_READ_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC |
          O_NOFOLLOW | O_NONBLOCK;
  do
    fd = open(path, oflag);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return ipcmem__os_err(errno);
  if (fstat(fd, &st) != 0) {
    rc = ipcmem__os_err(errno);
    goto fail;
  }
  if (S_ISDIR(st.st_mode)) {
    ipcmem__set_os_error(EISDIR);
    rc = IPCMEM_EISDIR;
    goto fail;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = ipcmem__err(IPCMEM_ENOTSUP);
    goto fail;
  }
  out->base.handle = fd;
  out->base.kind = IPCMEM_KIND_FILE;
  out->base.access = access;
  out->base.size_floor = 0;
  return 0;

fail:
  close(fd);
  return rc;
}

int ipcmem_file_close(ipcmem_file *file) {
  if (file == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (file->base.kind == IPCMEM_KIND_NONE)
    return 0;
  return ipcmem__os_mappable_close(&file->base);
}

int ipcmem_file_size(const ipcmem_file *file, uint64_t *size) {
  if (file == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem_mappable_size(&file->base, size);
}

int ipcmem_file_remove(const char *path) {
  if (path == NULL || path[0] == '\0')
    return ipcmem__err(IPCMEM_EINVAL);
  if (unlink(path) != 0)
    return ipcmem__os_err(errno);
  return 0;
}
