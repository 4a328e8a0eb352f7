/* XSI (System V) shared memory does not exist on Windows: every call that
 * would reach the system says "not supported", and the calls that only
 * handle values keep their contracts. */
#include "wintest.h"

TEST(xsi_not_supported) {
  ipcmem_xsi_key key, junk_key;
  ipcmem_xsi xsi, zero;
  uint64_t size = 77;

  memset(&junk_key, JUNK, sizeof(junk_key));
  memset(&xsi, JUNK, sizeof(xsi));
  memset(&zero, 0, sizeof(zero));
  write_pattern_file(test_tmp_path(0), 1, 0);
  ASSERT_ERR(ipcmem_xsi_key_from_path(&junk_key, test_tmp_path(0), 1),
             IPCMEM_ENOTSUP);
  ASSERT_EQ(((unsigned char *)&junk_key)[0], JUNK);
  ASSERT(DeleteFileA(test_tmp_path(0)));

  /* Keys are plain values and work everywhere. */
  ASSERT_OK(ipcmem_xsi_key_from_value(&key, 1234));
  ASSERT_EQ(ipcmem_xsi_key_value(key), 1234);
  ASSERT_EQ(ipcmem_xsi_key_value(ipcmem_xsi_key_private()), 0);
  ASSERT_ERR(ipcmem_xsi_key_from_value(NULL, 1), IPCMEM_EINVAL);

  ASSERT_ERR(ipcmem_xsi_open(&xsi, test_xsi_key(0), IPCMEM_CREATE_ONLY,
                             IPCMEM_READ_WRITE, 4096, 0),
             IPCMEM_ENOTSUP);
  ASSERT_ERR(ipcmem_xsi_open(&xsi, test_xsi_key(0), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_ONLY, 4096, 0600),
             IPCMEM_ENOTSUP);
  ASSERT_ERR(ipcmem_xsi_open(&xsi, ipcmem_xsi_key_private(), IPCMEM_CREATE_ONLY,
                             IPCMEM_READ_WRITE, 4096, 0),
             IPCMEM_ENOTSUP);
  ASSERT_EQ(((unsigned char *)&xsi)[0], JUNK);
  ASSERT_ERR(ipcmem_xsi_remove(1), IPCMEM_ENOTSUP);
  ASSERT_ERR(ipcmem_xsi_size(&zero, &size), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 77);
  ASSERT_EQ(ipcmem_xsi_id(&zero), -1);
  ASSERT_EQ(ipcmem_xsi_created(&zero), 0);
  ASSERT_OK(ipcmem_xsi_close(&zero));
  ASSERT_ERR(ipcmem_xsi_close(NULL), IPCMEM_EINVAL);
}
