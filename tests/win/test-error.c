/* The error conventions on Windows: the same IPCMEM_E* codes as on POSIX,
 * GetLastError() values behind them through ipcmem_last_os_error(), 0 after
 * a refusal by ipcmem's own checks, and one value per thread. */
#include "wintest.h"

static const struct {
  int code;
  const char *name;
} codes[] = {
#define ERR_ENTRY(name, value, msg) {IPCMEM_##name, "IPCMEM_" #name},
    IPCMEM_ERRNO_MAP(ERR_ENTRY)
#undef ERR_ENTRY
};

TEST(err_names_and_messages) {
  size_t i;

  for (i = 0; i < COUNT(codes); i++) {
    ASSERT(codes[i].code < 0);
    ASSERT_STR_EQ(ipcmem_err_name(codes[i].code), codes[i].name);
    ASSERT(strcmp(ipcmem_strerror(codes[i].code), "unknown error") != 0);
  }
  ASSERT_STR_EQ(ipcmem_err_name(0), "0");
  ASSERT_STR_EQ(ipcmem_strerror(0), "success");
  /* A Windows error number is not an ipcmem code. */
  ASSERT_STR_EQ(ipcmem_err_name(ERROR_FILE_NOT_FOUND), "IPCMEM_E?");
  ASSERT_STR_EQ(ipcmem_strerror(-(int)COUNT(codes) - 1), "unknown error");
}

/* Failures of the system are translated into the common codes, and the
 * Windows error stays available. */
TEST(err_last_os_error_from_system) {
  ipcmem_winshm w;
  ipcmem_file f;
  ipcmem_shm shm;

  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_FILE_NOT_FOUND);
  ASSERT_ERR(ipcmem_file_open(&f, test_tmp_dir(), IPCMEM_READ_ONLY),
             IPCMEM_EISDIR);
  ASSERT_ERR(ipcmem_winshm_open(&w, test_shm_name(0), IPCMEM_OPEN_ONLY,
                                IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_FILE_NOT_FOUND);
  ASSERT_OK(ipcmem_winshm_open(&w, test_shm_name(0), IPCMEM_CREATE_ONLY,
                               IPCMEM_READ_WRITE, 4096));
  {
    ipcmem_winshm again;

    ASSERT_ERR(ipcmem_winshm_open(&again, test_shm_name(0), IPCMEM_CREATE_ONLY,
                                  IPCMEM_READ_WRITE, 4096),
               IPCMEM_EEXIST);
    ASSERT_EQ(ipcmem_last_os_error(), ERROR_ALREADY_EXISTS);
  }
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* A refusal by ipcmem's own checks resets the value to 0, however recent
 * the system error before it; a success leaves it alone. */
TEST(err_last_os_error_zero_after_validation) {
  ipcmem_shm shm;
  ipcmem_region r;
  int i, rc;

  for (i = 0;; i++) {
    ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
    ASSERT_EQ(ipcmem_last_os_error(), ERROR_FILE_NOT_FOUND);
    switch (i) {
    case 0:
      rc = ipcmem_shm_open(&shm, "a\\b", IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0);
      ASSERT_ERR(rc, IPCMEM_ENAME);
      break;
    case 1:
      rc = ipcmem_winshm_open(NULL, "x", IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 2:
      rc = ipcmem_anon_map(&r, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 3:
      rc = ipcmem_file_open(NULL, "x", IPCMEM_READ_ONLY);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 4:
      rc = ipcmem_region_flush(NULL, 0, 0, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    default:
      goto done;
    }
    if (ipcmem_last_os_error() != 0)
      test_fail_(__FILE__, __LINE__, "case %d: %s left os error %d", i,
                 ipcmem_err_name(rc), ipcmem_last_os_error());
  }
done:
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
  ASSERT_OK(ipcmem_anon_map(&r, 4096));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_FILE_NOT_FOUND);
}

static DWORD WINAPI other_thread(void *arg) {
  ipcmem_file f;
  int *seen = arg;

  seen[0] = ipcmem_last_os_error();
  seen[1] = ipcmem_file_open(&f, test_tmp_dir(), IPCMEM_READ_ONLY);
  seen[2] = ipcmem_winshm_open(NULL, NULL, 0, 0, 0);
  seen[3] = ipcmem_last_os_error();
  return 0;
}

/* The value is per thread. */
TEST(err_last_os_error_per_thread) {
  HANDLE t;
  int seen[4];

  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
  t = CreateThread(NULL, 0, other_thread, seen, 0, NULL);
  ASSERT(t != NULL);
  ASSERT_EQ(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
  ASSERT(CloseHandle(t));
  ASSERT_EQ(seen[0], 0);
  ASSERT_ERR(seen[1], IPCMEM_EISDIR);
  ASSERT_ERR(seen[2], IPCMEM_EINVAL);
  ASSERT_EQ(seen[3], 0);
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_FILE_NOT_FOUND);
}
