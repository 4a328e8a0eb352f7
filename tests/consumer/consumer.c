/* Built against an installed ipcmem: maps anonymous shared memory, writes
 * and reads it back, and checks an error code through the public API. */
#include <ipcmem.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  ipcmem_region r;
  char *p;

  if (ipcmem_anon_map(&r, 4096) != 0)
    return 1;
  p = ipcmem_region_addr(&r);
  strcpy(p, "consumer");
  if (strcmp(p, "consumer") != 0 || ipcmem_region_unmap(&r) != 0)
    return 1;
  if (ipcmem_shm_open(NULL, "x", IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0) !=
      IPCMEM_EINVAL)
    return 1;
  puts("consumer ok");
  return 0;
}
