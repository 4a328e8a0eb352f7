// <ipcmem.h> must compile as C++ (with -Wall -Wextra -Wpedantic -Werror) and
// its functions must link with C linkage.
#include <ipcmem.h>

#include <cstdio>
#include <cstring>

int main() {
  ipcmem_region r;
  std::memset(&r, 0, sizeof(r));
  // A zeroed region unmaps as a no-op; a C++ caller sees the C contract.
  if (ipcmem_region_unmap(&r) != 0)
    return 1;
  if (std::strcmp(ipcmem_err_name(IPCMEM_ENOENT), "IPCMEM_ENOENT") != 0)
    return 1;
  if (ipcmem_shm_remove("a/b") != IPCMEM_ENAME)
    return 1;
  std::puts("ok");
  return 0;
}
