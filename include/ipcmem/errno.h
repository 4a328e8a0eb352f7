/* ipcmem: the one list of error codes. Included by <ipcmem.h>.
 *
 * Each entry is XX(NAME, value, "message"). The list generates the
 * IPCMEM_E* enumeration, ipcmem_err_name() and ipcmem_strerror(), so a code
 * cannot exist without its name and message. Values are fixed and the same
 * on every platform; new codes are only ever appended. */
#ifndef IPCMEM_ERRNO_H
#define IPCMEM_ERRNO_H

#define IPCMEM_ERRNO_MAP(XX)                                                   \
  XX(EINVAL, -1, "invalid argument")                                           \
  XX(ENAME, -2, "invalid name")                                                \
  XX(ENOENT, -3, "not found")                                                  \
  XX(EEXIST, -4, "already exists")                                             \
  XX(EACCES, -5, "permission denied")                                          \
  XX(EMODE, -6, "not allowed by the object's access mode")                     \
  XX(ENOSPC, -7, "no space left for the object")                               \
  XX(ENOMEM, -8, "out of memory or address space")                             \
  XX(ERANGE, -9, "offset or size out of range")                                \
  XX(EEMPTY, -10, "object is empty")                                           \
  XX(EBUSY, -11, "address or resource busy")                                   \
  XX(ENOTSUP, -12, "not supported on this system")                             \
  XX(EMFILE, -13, "too many open objects or mappings")                         \
  XX(EIO, -14, "input/output error")                                           \
  XX(EINTR, -15, "interrupted")                                                \
  XX(EOS, -16, "unexpected system error (see ipcmem_last_os_error)")           \
  XX(EISDIR, -17, "is a directory")                                            \
  XX(ESYMLINK, -18, "refusing to follow a symbolic link")                      \
  XX(ECONFIG, -19, "invalid configuration in the environment")                 \
  XX(EINSECURE, -20, "directory or file is not safe to use")

#endif /* IPCMEM_ERRNO_H */
