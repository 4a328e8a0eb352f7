/* ipcmem: Windows-specific types. Included by <ipcmem.h>; do not include
 * directly. */
#ifndef IPCMEM_WIN_H
#define IPCMEM_WIN_H

/* A Win32 HANDLE, kept as void * so that <ipcmem.h> does not pull in
 * <windows.h>. NULL means "no handle". */
typedef void *ipcmem_os_handle;
#define IPCMEM_OS_HANDLE_INVALID ((void *)0)

#endif /* IPCMEM_WIN_H */
