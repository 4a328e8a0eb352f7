/* GetLastError() → IPCMEM_E* translation, in one switch. */
#include "win.h"

static int ipcmem__translate(DWORD e) {
  switch (e) {
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
  case ERROR_INVALID_DRIVE:
  case ERROR_BAD_NETPATH:
  case ERROR_BAD_NET_NAME:
    return IPCMEM_ENOENT;
  case ERROR_ALREADY_EXISTS:
  case ERROR_FILE_EXISTS:
    return IPCMEM_EEXIST;
  case ERROR_ACCESS_DENIED:
  case ERROR_PRIVILEGE_NOT_HELD:
  case ERROR_WRITE_PROTECT:
  case ERROR_NETWORK_ACCESS_DENIED:
    return IPCMEM_EACCES;
  case ERROR_INVALID_PARAMETER:
  case ERROR_INVALID_HANDLE:
  case ERROR_NEGATIVE_SEEK:
    return IPCMEM_EINVAL;
  case ERROR_INVALID_NAME:
  case ERROR_BAD_PATHNAME:
  case ERROR_FILENAME_EXCED_RANGE:
    return IPCMEM_ENAME;
  case ERROR_DISK_FULL:
  case ERROR_HANDLE_DISK_FULL:
    return IPCMEM_ENOSPC;
  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_OUTOFMEMORY:
  case ERROR_COMMITMENT_LIMIT:
  case ERROR_NO_SYSTEM_RESOURCES:
    return IPCMEM_ENOMEM;
  case ERROR_FILE_TOO_LARGE:
  case ERROR_ARITHMETIC_OVERFLOW:
    return IPCMEM_ERANGE;
  /* ERROR_INVALID_ADDRESS is what MapViewOfFileEx reports for a fixed
   * address that is already in use; ERROR_USER_MAPPED_FILE, a file that
   * cannot be shrunk or deleted while a view of it exists. */
  case ERROR_SHARING_VIOLATION:
  case ERROR_LOCK_VIOLATION:
  case ERROR_INVALID_ADDRESS:
  case ERROR_USER_MAPPED_FILE:
  case ERROR_BUSY:
    return IPCMEM_EBUSY;
  case ERROR_CALL_NOT_IMPLEMENTED:
  case ERROR_NOT_SUPPORTED:
  case ERROR_INVALID_FUNCTION:
    return IPCMEM_ENOTSUP;
  case ERROR_TOO_MANY_OPEN_FILES:
    return IPCMEM_EMFILE;
  case ERROR_DIRECTORY:
    return IPCMEM_EISDIR;
  /* What a reparse point (symbolic link, junction) that cannot or must not
   * be followed reports. */
  case ERROR_CANT_ACCESS_FILE:
  case ERROR_CANT_RESOLVE_FILENAME:
    return IPCMEM_ESYMLINK;
  case ERROR_CRC:
  case ERROR_IO_DEVICE:
  case ERROR_READ_FAULT:
  case ERROR_WRITE_FAULT:
    return IPCMEM_EIO;
  case ERROR_OPERATION_ABORTED:
    return IPCMEM_EINTR;
  default:
    return IPCMEM_EOS;
  }
}

int ipcmem__os_err(int oserr) {
  ipcmem__set_os_error(oserr);
  return ipcmem__translate((DWORD)oserr);
}

int ipcmem__win_err(void) { return ipcmem__os_err((int)GetLastError()); }

int ipcmem__os_enosys(void) { return ERROR_CALL_NOT_IMPLEMENTED; }
