/* Native Windows shared memory does not exist on Unix. The call is declared
 * everywhere, so that portable code compiles unchanged and finds out at run
 * time. */
#include "../internal.h"

#include <errno.h>

int ipcmem_winshm_open(ipcmem_winshm *out, const char *name, int open_mode,
                       int access, uint64_t size) {
  (void)name;
  (void)open_mode;
  (void)access;
  (void)size;
  if (out == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  ipcmem__set_os_error(ENOSYS);
  return IPCMEM_ENOTSUP;
}
