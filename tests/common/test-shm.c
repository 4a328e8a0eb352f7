/* Named shared memory tests that hold the same on every system, compiled
 * into the POSIX suite (tests/test-*.c) and the Windows one
 * (tests/win/test-*.c) alike. Only runner.h, common/util.h and the C
 * library may be used here; a test whose assertions differ between the
 * systems belongs in its system's file. */
#include "util.h"

#include <stdlib.h>

/* --- open modes ------------------------------------------------------ */

TEST(shm_open_or_create) {
  ipcmem_shm a, b;
  const char *name = test_shm_name(0);

  ASSERT_OK(
      ipcmem_shm_open(&a, name, IPCMEM_OPEN_OR_CREATE, IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_created(&a), 1);
  ASSERT_U64_EQ(shm_size(&a), 0);
  ASSERT_OK(ipcmem_shm_truncate(&a, 8192));

  ASSERT_OK(
      ipcmem_shm_open(&b, name, IPCMEM_OPEN_OR_CREATE, IPCMEM_READ_ONLY, 0));
  ASSERT_EQ(ipcmem_shm_created(&b), 0);
  /* It opened the existing object rather than replacing it. */
  ASSERT_U64_EQ(shm_size(&b), 8192);

  ASSERT_OK(ipcmem_shm_close(&b));
  ASSERT_OK(ipcmem_shm_close(&a));
  ASSERT_OK(ipcmem_shm_remove(name));
}

/* Open-or-creates object argv[0] and exits with 10 + created, so the test
 * learns which happened; on creation it sizes the object to one page and
 * writes pattern 5 into it. Each system's shm_open_or_create_across_processes
 * runs it. */
HELPER(shm_open_or_create_report) {
  ipcmem_shm shm;
  ipcmem_region r;
  int created;

  ASSERT(argc == 1);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(atoi(argv[0])),
                            IPCMEM_OPEN_OR_CREATE, IPCMEM_READ_WRITE, 0));
  created = ipcmem_shm_created(&shm);
  if (created) {
    ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
    ASSERT_OK(
        ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
    fill(ipcmem_region_addr(&r), 4096, 5);
    ASSERT_OK(ipcmem_region_unmap(&r));
  }
  ASSERT_OK(ipcmem_shm_close(&shm));
  return 10 + created;
}
