/* Error codes: names and messages generated from IPCMEM_ERRNO_MAP, and the
 * per-thread record of the platform error behind the last failure. */
#include "internal.h"

/* Thread-local so that concurrent failures in different threads do not
 * overwrite each other's diagnosis, as errno does. */
static _Thread_local int ipcmem__last_os_error;

int ipcmem__err(int code) {
  ipcmem__last_os_error = 0;
  return code;
}

void ipcmem__set_os_error(int oserr) { ipcmem__last_os_error = oserr; }

int ipcmem_last_os_error(void) { return ipcmem__last_os_error; }

const char *ipcmem_strerror(int err) {
  switch (err) {
  case 0:
    return "success";
#define IPCMEM__STRERROR_CASE(name, value, msg)                                \
  case IPCMEM_##name:                                                          \
    return msg;
    IPCMEM_ERRNO_MAP(IPCMEM__STRERROR_CASE)
#undef IPCMEM__STRERROR_CASE
  default:
    return "unknown error";
  }
}

const char *ipcmem_err_name(int err) {
  switch (err) {
  case 0:
    return "0";
#define IPCMEM__ERR_NAME_CASE(name, value, msg)                                \
  case IPCMEM_##name:                                                          \
    return "IPCMEM_" #name;
    IPCMEM_ERRNO_MAP(IPCMEM__ERR_NAME_CASE)
#undef IPCMEM__ERR_NAME_CASE
  default:
    return "IPCMEM_E?";
  }
}
