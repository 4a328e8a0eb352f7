#include <ipcmem.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  ipcmem_shm shm;
  ipcmem_region region;
  int rc = ipcmem_shm_open(&shm, "MySharedMemory", IPCMEM_OPEN_OR_CREATE,
                           IPCMEM_READ_WRITE, 0 /* 0600 */);
  if (rc != 0) {
    fprintf(stderr, "open: %s\n", ipcmem_strerror(rc));
    return 1;
  }
  if ((rc = ipcmem_shm_truncate(&shm, 1000)) == 0 &&
      (rc = ipcmem_region_map(&region, &shm.base, IPCMEM_READ_WRITE,
                              0, 0, NULL, 0)) == 0) {
    memset(ipcmem_region_addr(&region), 1, ipcmem_region_size(&region));
    ipcmem_region_unmap(&region);
  }
  ipcmem_shm_close(&shm);  /* any region would stay valid after this */
  ipcmem_shm_remove("MySharedMemory");
  return rc != 0;
}
