/* Native Windows shared memory is declared on every system; on Unix it is
 * "not supported", and its other calls keep their NULL/zeroed contracts. */
#include "runner.h"

#include <errno.h>
#include <string.h>

TEST(winshm_not_supported_on_unix) {
  ipcmem_winshm shm, zero;
  uint64_t size = 77;

  memset(&shm, 0xA5, sizeof(shm));
  memset(&zero, 0, sizeof(zero));
  ASSERT_ERR(ipcmem_winshm_open(&shm, "Local\\x", IPCMEM_CREATE_ONLY,
                                IPCMEM_READ_WRITE, 4096),
             IPCMEM_ENOTSUP);
  ASSERT_EQ(ipcmem_last_os_error(), ENOSYS);
  ASSERT_ERR(ipcmem_winshm_open(&shm, NULL, IPCMEM_CREATE_ONLY,
                                IPCMEM_READ_WRITE, 4096),
             IPCMEM_ENOTSUP);
  ASSERT_ERR(
      ipcmem_winshm_open(NULL, "x", IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0),
      IPCMEM_EINVAL);
  ASSERT_EQ(((unsigned char *)&shm)[0], 0xA5);
  ASSERT_OK(ipcmem_winshm_close(&zero));
  ASSERT_ERR(ipcmem_winshm_close(NULL), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_winshm_size(&zero, &size), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_winshm_size(NULL, &size), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 77);
  ASSERT_EQ(ipcmem_winshm_created(&zero), 0);
  ASSERT_EQ(ipcmem_winshm_created(NULL), 0);
}
