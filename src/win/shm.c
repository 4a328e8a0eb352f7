/* The native backend of named shared memory objects on Windows: there is
 * none. Windows' own shared memory (ipcmem_winshm_*) dies with its last
 * handle, so it cannot give ipcmem_shm's persistence; named objects are
 * always the emulation's files (src/win/shm_emul.c), and asking for the
 * native backend explicitly fails with IPCMEM_ENOTSUP. */
#include "win.h"

static int ipcmem__native_none(void) {
  return ipcmem__os_err(ERROR_CALL_NOT_IMPLEMENTED);
}

static int ipcmem__native_create(ipcmem_os_handle *out, const char *cname,
                                 int access, unsigned perms) {
  (void)out;
  (void)cname;
  (void)access;
  (void)perms;
  return ipcmem__native_none();
}

static int ipcmem__native_open(ipcmem_os_handle *out, const char *cname,
                               int access) {
  (void)out;
  (void)cname;
  (void)access;
  return ipcmem__native_none();
}

static int ipcmem__native_remove(const char *cname) {
  (void)cname;
  return ipcmem__native_none();
}

/* Not const, as on Unix: the tests may replace the entries. */
ipcmem__shm_ops ipcmem__shm_native = {
    ipcmem__native_create, ipcmem__native_open, ipcmem__native_remove};
