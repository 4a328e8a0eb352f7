/* The table of system calls (see sys.h), filled with the real functions. */
#define _GNU_SOURCE /* memfd_create */
#include "sys.h"

/* openat is variadic and, with _FORTIFY_SOURCE, an inline wrapper: a fixed
 * signature that forwards is both simpler to replace and safe to take the
 * address of. */
static int ipcmem__sys_openat(int dfd, const char *path, int oflag,
                              mode_t mode) {
  return openat(dfd, path, oflag, mode);
}

ipcmem__sys_table ipcmem__sys = {
    .shm_open = shm_open,
    .shm_unlink = shm_unlink,
    .fchmod = fchmod,
    .ftruncate = ftruncate,
#if defined(IPCMEM_HAVE_POSIX_FALLOCATE)
    .posix_fallocate = posix_fallocate,
#endif
    .mmap = mmap,
    .openat = ipcmem__sys_openat,
    .linkat = linkat,
#if defined(IPCMEM_HAVE_MEMFD_CREATE)
    .memfd_create = memfd_create,
#endif
};
