/* ipcmem: Unix-specific types. Included by <ipcmem.h>; do not include
 * directly. */
#ifndef IPCMEM_UNIX_H
#define IPCMEM_UNIX_H

/* A file descriptor (shm object, file, anonymous object) or an XSI segment
 * id. -1 means "no handle". */
typedef int ipcmem_os_handle;
#define IPCMEM_OS_HANDLE_INVALID (-1)

#endif /* IPCMEM_UNIX_H */
