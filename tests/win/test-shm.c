/* Named shared memory objects on Windows: the portable ipcmem_shm API,
 * emulated by files in a directory, with the semantics it has on POSIX
 * (open modes, truncate, remove while open, the name reusable at once). */
#include "wintest.h"

static void assert_absent(int k) {
  ipcmem_shm shm;

  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(k), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_FILE_NOT_FOUND);
}

/* --- backend ----------------------------------------------------------- */

/* Windows has one backend for named objects, the emulation; asking for the
 * native one (POSIX shm_open) is "not supported", by the API or by the
 * environment. */
TEST(shm_backend_is_emulated) {
  ipcmem_shm shm;
  int backend = -1;

  ASSERT_OK(ipcmem_shm_get_backend(&backend));
  ASSERT_EQ(backend, IPCMEM_BACKEND_EMULATED);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_backend(&shm), IPCMEM_BACKEND_EMULATED);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));

  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_NATIVE));
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(1), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_ENOTSUP);
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(1)), IPCMEM_ENOTSUP);
  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_DEFAULT));

  set_env("IPCMEM_SHM_BACKEND", "native");
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(1), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_ENOTSUP);
  set_env("IPCMEM_SHM_BACKEND", "emulated");
  ASSERT_OK(ipcmem_shm_get_backend(&backend));
  ASSERT_EQ(backend, IPCMEM_BACKEND_EMULATED);
  set_env("IPCMEM_SHM_BACKEND", "posix");
  ASSERT_ERR(ipcmem_shm_get_backend(&backend), IPCMEM_ECONFIG);
  set_env("IPCMEM_SHM_BACKEND", NULL);
  /* None of that created anything. */
  assert_absent(1);
}

/* --- open modes ------------------------------------------------------ */

TEST(shm_create_only) {
  ipcmem_shm shm, again;
  const char *name = test_shm_name(0);
  DWORD e;

  ASSERT_OK(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_created(&shm), 1);
  ASSERT_EQ(ipcmem_mappable_kind(&shm.base), IPCMEM_KIND_SHM);
  ASSERT(ipcmem_mappable_handle(&shm.base) != IPCMEM_OS_HANDLE_INVALID);
  ASSERT_STR_EQ(ipcmem_shm_name(&shm), name);
  ASSERT_U64_EQ(shm_size(&shm), 0);
  /* The object is a file in the emulation's directory. */
  ASSERT(path_exists(test_shm_path(name)));
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));

  memset(&again, JUNK, sizeof(again));
  ASSERT_ERR(
      ipcmem_shm_open(&again, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EEXIST);
  e = (DWORD)ipcmem_last_os_error();
  ASSERT(e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS);
  ASSERT_EQ(((unsigned char *)&again)[0], JUNK);
  ASSERT_ERR(
      ipcmem_shm_open(&again, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_ONLY, 0),
      IPCMEM_EEXIST);
  ASSERT_U64_EQ(shm_size(&shm), 4096);

  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
  ASSERT(!path_exists(test_shm_path(name)));
}

TEST(shm_open_only) {
  ipcmem_shm shm, other;
  ipcmem_region r, r2;
  char slashed[64];
  const char *name = test_shm_name(0);

  assert_absent(0);
  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);

  create_mapped(&shm, &r, 0, 4096);
  fill(ipcmem_region_addr(&r), 4096, 1);
  /* "x" and "/x" are the same object. */
  snprintf(slashed, sizeof(slashed), "/%s", name);
  ASSERT_OK(
      ipcmem_shm_open(&other, slashed, IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_created(&other), 0);
  ASSERT_STR_EQ(ipcmem_shm_name(&other), name);
  ASSERT_U64_EQ(shm_size(&other), 4096);
  ASSERT_OK(
      ipcmem_region_map(&r2, &other.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r2), 4096, 1), 4096);

  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&other));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(slashed));
  assert_absent(0);
}

/* shm_open_or_create, and the helper shm_open_or_create_report that the
 * next test runs, are in common/test-shm.c: the POSIX suite has them too. */

/* Objects outlive the processes that made them (they are files). */
TEST(shm_open_or_create_across_processes) {
  ipcmem_shm shm;
  ipcmem_region r;
  test_proc p;

  test_spawn(&p, "shm_open_or_create_report", "2", (char *)NULL);
  ASSERT_EQ(test_proc_join(&p), 11);
  test_spawn(&p, "shm_open_or_create_report", "2", (char *)NULL);
  ASSERT_EQ(test_proc_join(&p), 10);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(2), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 5), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(2)));
}

TEST(shm_bad_arguments) {
  ipcmem_shm shm;
  const char *name = test_shm_name(0);
  uint64_t size = 77;

  memset(&shm, JUNK, sizeof(shm));
  ASSERT_ERR(
      ipcmem_shm_open(NULL, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_shm_open(&shm, NULL, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_open(&shm, name, 0, IPCMEM_READ_WRITE, 0),
             IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_COPY_ON_WRITE, 0),
      IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, 0, 0),
             IPCMEM_EINVAL);
  /* Permissions are ignored on Windows, but the range is still checked. */
  ASSERT_ERR(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 01000),
      IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_EQ(((unsigned char *)&shm)[0], JUNK);
  assert_absent(0);

  memset(&shm, 0, sizeof(shm));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_ERR(ipcmem_shm_close(NULL), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_size(&shm, &size), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_truncate(&shm, 4096), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_reserve(&shm, 4096), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 77);
  ASSERT_ERR(ipcmem_shm_remove(NULL), IPCMEM_EINVAL);
}

/* The portable name rule keeps Windows' path syntax out of names: no
 * separator, drive or stream colon, and nothing outside the alphabet. */
TEST(shm_bad_names) {
  static const char *const bad[] = {"",     "a\\b",
                                    "a/b",  "..",
                                    ".",    "a:b",
                                    "C:",   "a*b",
                                    "a?b",  "a\"b",
                                    "a<b",  "caf\xc3\xa9",
                                    "\xff", "abcdefghijklmnopqrstuvwxyz01234"};
  ipcmem_shm shm;
  size_t i;

  for (i = 0; i < COUNT(bad); i++) {
    int rc = ipcmem_shm_open(&shm, bad[i], IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_WRITE, 0);

    if (rc != IPCMEM_ENAME) {
      if (rc == 0)
        ipcmem_shm_close(&shm);
      test_fail_(__FILE__, __LINE__, "name \"%s\": %s, expected IPCMEM_ENAME",
                 bad[i], ipcmem_err_name(rc));
    }
    ASSERT_ERR(ipcmem_shm_remove(bad[i]), IPCMEM_ENAME);
  }
}

/* Names that Windows reserves for devices (CON, NUL, COM1...) are valid
 * object names by the portable rule, so they must be objects like any
 * other: data written survives a reopen, and no device is opened. */
TEST(shm_reserved_device_names) {
  static const char *const names[] = {"CON",  "NUL",     "aux",  "COM1",
                                      "LPT1", "nul.txt", "PRN.x"};
  const char *dir = use_private_dir("dev");
  ipcmem_shm shm;
  ipcmem_region r;
  size_t i;

  for (i = 0; i < COUNT(names); i++) {
    ASSERT_OK(ipcmem_shm_open(&shm, names[i], IPCMEM_CREATE_ONLY,
                              IPCMEM_READ_WRITE, 0));
    ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
    ASSERT_U64_EQ(shm_size(&shm), 4096);
    ASSERT_OK(
        ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
    fill(ipcmem_region_addr(&r), 4096, (unsigned)i);
    ASSERT_OK(ipcmem_region_unmap(&r));
    ASSERT_OK(ipcmem_shm_close(&shm));

    ASSERT_OK(
        ipcmem_shm_open(&shm, names[i], IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
    ASSERT_U64_EQ(shm_size(&shm), 4096);
    ASSERT_OK(
        ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
    ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, (unsigned)i), 4096);
    ASSERT_OK(ipcmem_region_unmap(&r));
    ASSERT_OK(ipcmem_shm_close(&shm));
    ASSERT_OK(ipcmem_shm_remove(names[i]));
    ASSERT_ERR(ipcmem_shm_remove(names[i]), IPCMEM_ENOENT);
  }
  ASSERT_EQ(count_entries(dir, "left in the directory"), 0);
  ASSERT(RemoveDirectoryA(dir));
}

TEST(shm_handle_not_inheritable) {
  ipcmem_shm shm;
  DWORD flags;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT(GetHandleInformation(ipcmem_mappable_handle(&shm.base), &flags));
  ASSERT(!(flags & HANDLE_FLAG_INHERIT));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* --- size ------------------------------------------------------------ */

TEST(shm_truncate_grow_and_shrink) {
  ipcmem_shm shm;
  ipcmem_region r;
  const char *name = test_shm_name(0);

  create_mapped(&shm, &r, 0, 4096);
  fill(ipcmem_region_addr(&r), 4096, 2);
  ASSERT_OK(ipcmem_region_unmap(&r));

  /* Growing keeps the data and adds zeros. */
  ASSERT_OK(ipcmem_shm_truncate(&shm, 3 * 65536 + 5));
  ASSERT_U64_EQ(shm_size(&shm), 3 * 65536 + 5);
  ASSERT_U64_EQ(file_size_of(test_shm_path(name)), 3 * 65536 + 5);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_size(&r), 3 * 65536 + 5);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 2), 4096);
  ASSERT(all_zero((char *)ipcmem_region_addr(&r) + 4096, 3 * 65536 + 5 - 4096));
  ASSERT_OK(ipcmem_region_unmap(&r));

  /* Shrinking discards the tail (with no view open: Windows cannot cut a
   * file under a view). */
  ASSERT_OK(ipcmem_shm_truncate(&shm, 100));
  ASSERT_U64_EQ(shm_size(&shm), 100);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_size(&r), 100);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 100, 2), 100);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_ERR(
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 100, 0, NULL, 0),
      IPCMEM_ERANGE);

  /* Back to empty: nothing to map. */
  ASSERT_OK(ipcmem_shm_truncate(&shm, 0));
  ASSERT_U64_EQ(shm_size(&shm), 0);
  ASSERT_ERR(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0),
             IPCMEM_EEMPTY);
  ASSERT_ERR(ipcmem_shm_truncate(&shm, UINT64_MAX), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_truncate(&shm, (uint64_t)INT64_MAX + 1), IPCMEM_EINVAL);
  ASSERT_U64_EQ(shm_size(&shm), 0);

  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}

/* Growing while a view is open is allowed, and the view keeps working. */
TEST(shm_truncate_grow_while_mapped) {
  ipcmem_shm shm;
  ipcmem_region r, r2;

  create_mapped(&shm, &r, 0, 65536);
  fill(ipcmem_region_addr(&r), 65536, 3);
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4 * 65536));
  ASSERT_U64_EQ(shm_size(&shm), 4 * 65536);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 65536, 3), 65536);
  ASSERT_OK(
      ipcmem_region_map(&r2, &shm.base, IPCMEM_READ_WRITE, 65536, 0, NULL, 0));
  ASSERT(all_zero(ipcmem_region_addr(&r2), 3 * 65536));
  fill(ipcmem_region_addr(&r2), 3 * 65536, 4);
  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* Sizes and offsets past 4 GiB: the high halves of every 64-bit value
 * reach Windows. The file is sparse where the system allows it; the test
 * touches two pages only. */
TEST(shm_beyond_4gib) {
  const uint64_t big = ((uint64_t)5 << 30) + 12345;
  const uint64_t off = ((uint64_t)4 << 30) + 65536 + 17;
  ipcmem_shm shm;
  ipcmem_region r;
  const char *name = test_shm_name(0);

  ASSERT_OK(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&shm, big));
  ASSERT_U64_EQ(shm_size(&shm), big);
  ASSERT_U64_EQ(file_size_of(test_shm_path(name)), big);
  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, off, 8192, NULL, 0));
  ASSERT(all_zero(ipcmem_region_addr(&r), 8192));
  fill(ipcmem_region_addr(&r), 8192, 6);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, big - 3, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_size(&r), 3);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  {
    unsigned char buf[8192];

    read_file_at(test_shm_path(name), off, buf, sizeof(buf));
    ASSERT_U64_EQ(check(buf, sizeof(buf), 6), sizeof(buf));
  }
  ASSERT_OK(ipcmem_shm_remove(name));
}

TEST(shm_reserve_grows_never_shrinks) {
  ipcmem_shm shm, ro;
  ipcmem_region r;
  const char *name = test_shm_name(0);

  int rc;

  ASSERT_OK(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  rc = ipcmem_shm_reserve(&shm, 3 * 65536);
  if (rc == IPCMEM_ENOTSUP) {
    /* Allowed where the system cannot allocate a file's space (Wine has no
     * FileAllocationInformation); the object must then be unchanged. */
    int oserr = ipcmem_last_os_error();

    ASSERT_U64_EQ(shm_size(&shm), 0);
    ASSERT_OK(ipcmem_shm_close(&shm));
    ASSERT_OK(ipcmem_shm_remove(name));
    test_skip("the system cannot reserve space (os error %d)", oserr);
  }
  ASSERT_OK(rc);
  ASSERT_U64_EQ(shm_size(&shm), 3 * 65536);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT(all_zero(ipcmem_region_addr(&r), 3 * 65536));
  fill(ipcmem_region_addr(&r), 3 * 65536, 7);
  ASSERT_OK(ipcmem_region_unmap(&r));
  /* A smaller reservation changes nothing. */
  ASSERT_OK(ipcmem_shm_reserve(&shm, 4096));
  ASSERT_U64_EQ(shm_size(&shm), 3 * 65536);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 3 * 65536, 7), 3 * 65536);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_ERR(ipcmem_shm_reserve(&shm, UINT64_MAX), IPCMEM_EINVAL);
  ASSERT_U64_EQ(shm_size(&shm), 3 * 65536);

  ASSERT_OK(ipcmem_shm_open(&ro, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_ERR(ipcmem_shm_reserve(&ro, 1 << 20), IPCMEM_EMODE);
  ASSERT_OK(ipcmem_shm_close(&ro));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}

TEST(shm_read_only_object) {
  ipcmem_shm rw, ro;
  ipcmem_region r, view;
  const char *name = test_shm_name(0);
  unsigned char *c;

  create_mapped(&rw, &r, 0, 4096);
  fill(ipcmem_region_addr(&r), 4096, 8);
  ASSERT_OK(ipcmem_shm_open(&ro, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_ERR(ipcmem_shm_truncate(&ro, 8192), IPCMEM_EMODE);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_U64_EQ(shm_size(&ro), 4096);
  memset(&view, JUNK, sizeof(view));
  ASSERT_ERR(
      ipcmem_region_map(&view, &ro.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0),
      IPCMEM_EMODE);
  ASSERT_EQ(((unsigned char *)&view)[0], JUNK);
  ASSERT_OK(
      ipcmem_region_map(&view, &ro.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&view), 4096, 8), 4096);
  ASSERT_OK(ipcmem_region_unmap(&view));
  ASSERT_OK(
      ipcmem_region_map(&view, &ro.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  c = ipcmem_region_addr(&view);
  c[1] = (unsigned char)~c[1];
  ASSERT_EQ(((unsigned char *)ipcmem_region_addr(&r))[1], pattern(1, 8));
  ASSERT_OK(ipcmem_region_unmap(&view));
  ASSERT_OK(
      ipcmem_region_map(&view, &ro.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&view), 4096, 8), 4096);
  ASSERT_OK(ipcmem_region_unmap(&view));

  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&ro));
  ASSERT_OK(ipcmem_shm_close(&rw));
  ASSERT_OK(ipcmem_shm_remove(name));
}

/* --- remove ----------------------------------------------------------- */

TEST(shm_remove_absent_and_twice) {
  ipcmem_shm shm;

  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_FILE_NOT_FOUND);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
}

/* Removing emulates unlink(): the name goes at once and can be created
 * again as a different object, while the old handle and view keep the old
 * object; once they close, no file is left in the directory. */
TEST(shm_remove_while_mapped) {
  const char *dir = use_private_dir("rm");
  const char *name = test_shm_name(0);
  ipcmem_shm old, fresh;
  ipcmem_region r, r2;
  uint64_t size;

  create_mapped(&old, &r, 0, 65536);
  fill(ipcmem_region_addr(&r), 65536, 9);
  ASSERT_OK(ipcmem_shm_remove(name));
  assert_absent(0);
  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);

  /* The name is free again, for a new and empty object. */
  ASSERT_OK(
      ipcmem_shm_open(&fresh, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_created(&fresh), 1);
  ASSERT_U64_EQ(shm_size(&fresh), 0);
  ASSERT_OK(ipcmem_shm_truncate(&fresh, 4096));
  ASSERT_OK(
      ipcmem_region_map(&r2, &fresh.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT(all_zero(ipcmem_region_addr(&r2), 4096));

  /* The old object works through its handle and its view, apart from the
   * new one. */
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 65536, 9), 65536);
  fill(ipcmem_region_addr(&r), 65536, 10);
  ASSERT(all_zero(ipcmem_region_addr(&r2), 4096));
  ASSERT_OK(ipcmem_shm_size(&old, &size));
  ASSERT_U64_EQ(size, 65536);

  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&old));
  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_shm_close(&fresh));
  ASSERT_OK(ipcmem_shm_remove(name));
  /* No renamed file outlives its last handle and view. */
  ASSERT_EQ(count_entries(dir, "left in the directory"), 0);
  ASSERT(RemoveDirectoryA(dir));
}

/* Removing an object that is not open at all leaves nothing either. */
TEST(shm_remove_closed_leaves_no_file) {
  const char *dir = use_private_dir("rmc");
  ipcmem_shm shm;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_EQ(count_entries(dir, NULL), 1);
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  ASSERT_EQ(count_entries(dir, "left in the directory"), 0);
  ASSERT(RemoveDirectoryA(dir));
}

/* Maps object argv[0] (pattern 11 expected), says ready, waits, then checks
 * that the removed object still holds the pattern and that writes work. */
HELPER(shm_removed_but_mapped) {
  ipcmem_shm shm;
  ipcmem_region r;

  ASSERT(argc == 1);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(atoi(argv[0])),
                            IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_shm_close(&shm));
  helper_ready();
  helper_wait_go();
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 11), 4096);
  fill(ipcmem_region_addr(&r), 4096, 12);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 12), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));
  return 0;
}

TEST(shm_remove_while_helper_maps) {
  ipcmem_shm shm;
  ipcmem_region r;
  test_proc p;

  create_mapped(&shm, &r, 3, 4096);
  fill(ipcmem_region_addr(&r), 4096, 11);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  test_spawn(&p, "shm_removed_but_mapped", "3", (char *)NULL);
  test_proc_wait_ready(&p);
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(3)));
  assert_absent(3);
  /* Recreated while the helper still maps the old one. */
  create_mapped(&shm, &r, 3, 4096);
  test_proc_go(&p);
  ASSERT_EQ(test_proc_join(&p), 0);
  ASSERT(all_zero(ipcmem_region_addr(&r), 4096));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(3)));
}

/* Opens object argv[0], checks pattern 13, writes pattern 14. */
HELPER(shm_verify_then_write) {
  ipcmem_shm shm;
  ipcmem_region r;

  ASSERT(argc == 1);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(atoi(argv[0])),
                            IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 8192, 13), 8192);
  fill(ipcmem_region_addr(&r), 8192, 14);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  return 0;
}

TEST(shm_cross_process_data) {
  ipcmem_shm shm;
  ipcmem_region r;
  test_proc p;

  create_mapped(&shm, &r, 4, 8192);
  fill(ipcmem_region_addr(&r), 8192, 13);
  test_spawn(&p, "shm_verify_then_write", "4", (char *)NULL);
  ASSERT_EQ(test_proc_join(&p), 0);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 8192, 14), 8192);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(4)));
}

TEST(shm_close_twice_and_region_outlives) {
  ipcmem_shm shm;
  ipcmem_region r;

  create_mapped(&shm, &r, 0, 4096);
  fill(ipcmem_region_addr(&r), 4096, 15);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_EQ(ipcmem_mappable_kind(&shm.base), IPCMEM_KIND_NONE);
  ASSERT(ipcmem_shm_name(&shm) == NULL);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 15), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* --- the directory ------------------------------------------------------ */

/* IPCMEM_SHARED_DIR, else %LOCALAPPDATA%\ipcmem, else %TEMP%\ipcmem. Only
 * the first is used for objects here: the others are the user's. */
TEST(shm_dir_resolution) {
  char dir[1100], want[1100], saved_lad[1100], saved_tmp[1100];
  const char *mine = use_private_dir("dir");
  char tiny[4];
  DWORD n;

  ASSERT_OK(ipcmem_shm_dir(dir, sizeof(dir)));
  ASSERT_STR_EQ(dir, mine);
  memset(tiny, JUNK, sizeof(tiny));
  ASSERT_ERR(ipcmem_shm_dir(tiny, sizeof(tiny)), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_shm_dir(NULL, 10), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_dir(dir, 0), IPCMEM_EINVAL);

  n = GetEnvironmentVariableA("LOCALAPPDATA", saved_lad, sizeof(saved_lad));
  ASSERT(n > 0 && n < sizeof(saved_lad));
  n = GetEnvironmentVariableA("TEMP", saved_tmp, sizeof(saved_tmp));
  ASSERT(n > 0 && n < sizeof(saved_tmp));

  set_env("IPCMEM_SHARED_DIR", NULL);
  ASSERT_OK(ipcmem_shm_dir(dir, sizeof(dir)));
  snprintf(want, sizeof(want), "%s\\ipcmem", saved_lad);
  ASSERT_STR_EQ(dir, want);

  set_env("LOCALAPPDATA", NULL);
  ASSERT_OK(ipcmem_shm_dir(dir, sizeof(dir)));
  snprintf(want, sizeof(want), "%s\\ipcmem", saved_tmp);
  ASSERT_STR_EQ(dir, want);
  set_env("LOCALAPPDATA", saved_lad);

  /* A relative directory would depend on the current one: refused. */
  set_env("IPCMEM_SHARED_DIR", "relative\\dir");
  ASSERT_ERR(ipcmem_shm_dir(dir, sizeof(dir)), IPCMEM_ECONFIG);
  {
    ipcmem_shm shm;

    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                               IPCMEM_READ_WRITE, 0),
               IPCMEM_ECONFIG);
  }
}

/* Objects go where IPCMEM_SHARED_DIR says, which is created on first use;
 * two processes that agree on it share objects. */
TEST(shm_dir_holds_objects) {
  char dir[1100], path[1200];
  ipcmem_shm shm;
  ipcmem_region r;
  test_proc p;

  snprintf(dir, sizeof(dir), "%s", use_private_dir("objs"));
  ASSERT(!path_exists(dir));
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(4), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT(GetFileAttributesA(dir) & FILE_ATTRIBUTE_DIRECTORY);
  snprintf(path, sizeof(path), "%s\\%s", dir, test_shm_name(4));
  ASSERT(path_exists(path));
  ASSERT_STR_EQ(test_shm_path(test_shm_name(4)), path);
  ASSERT_OK(ipcmem_shm_truncate(&shm, 8192));
  ASSERT_U64_EQ(file_size_of(path), 8192);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 8192, 13);
  /* The helper inherits the environment, so it looks in the same place. */
  test_spawn(&p, "shm_verify_then_write", "4", (char *)NULL);
  ASSERT_EQ(test_proc_join(&p), 0);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 8192, 14), 8192);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));

  /* In another directory the name does not exist. */
  use_private_dir("other");
  assert_absent(4);
  set_env("IPCMEM_SHARED_DIR", dir);
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(4)));
  ASSERT(!path_exists(path));
  ASSERT_EQ(count_entries(dir, "left in the directory"), 0);
  ASSERT(RemoveDirectoryA(dir));
  /* The failed open-only made the other directory (first use); that is
   * the emulation's business, but it must be empty. */
  {
    char other[1100];

    snprintf(other, sizeof(other), "%s\\other", test_tmp_dir());
    if (path_exists(other)) {
      ASSERT_EQ(count_entries(other, "left in the directory"), 0);
      ASSERT(RemoveDirectoryA(other));
    }
  }
}

/* --- links and other things under a name -------------------------------- */

/* A symbolic link (a reparse point) planted under an object's name is never
 * followed, and the file it points to is untouched. */
TEST(shm_planted_symlink) {
  const char *dir = use_private_dir("lnk");
  char victim[1100], link[1200];
  wchar_t wvictim[1100], wlink[1200];
  static const int modes[] = {IPCMEM_CREATE_ONLY, IPCMEM_OPEN_OR_CREATE,
                              IPCMEM_OPEN_ONLY};
  static const int codes[] = {IPCMEM_EEXIST, IPCMEM_ESYMLINK, IPCMEM_ESYMLINK};
  unsigned char buf[8];
  ipcmem_shm shm;
  DWORD attr;
  size_t i;

  snprintf(victim, sizeof(victim), "%s", test_tmp_path(0));
  write_pattern_file(victim, 8, 1);
  ASSERT(CreateDirectoryA(dir, NULL));
  snprintf(link, sizeof(link), "%s\\%s", dir, test_shm_name(0));
  ASSERT(MultiByteToWideChar(CP_UTF8, 0, victim, -1, wvictim, 1100) > 0);
  ASSERT(MultiByteToWideChar(CP_UTF8, 0, link, -1, wlink, 1200) > 0);
  /* 2 is SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE (developer mode). */
  if (!CreateSymbolicLinkW(wlink, wvictim, 0) &&
      !CreateSymbolicLinkW(wlink, wvictim, 2)) {
    DWORD e = GetLastError();

    DeleteFileA(victim);
    RemoveDirectoryA(dir);
    test_skip("cannot create a symbolic link here (error %lu)", e);
  }
  attr = GetFileAttributesA(link);
  if (attr == INVALID_FILE_ATTRIBUTES ||
      !(attr & FILE_ATTRIBUTE_REPARSE_POINT)) {
    /* Wine 8 reports success and creates nothing. */
    DeleteFileA(link);
    DeleteFileA(victim);
    RemoveDirectoryA(dir);
    test_skip("the system's symbolic links are not reparse points");
  }
  for (i = 0; i < COUNT(modes); i++)
    ASSERT_ERR(
        ipcmem_shm_open(&shm, test_shm_name(0), modes[i], IPCMEM_READ_WRITE, 0),
        codes[i]);
  ASSERT_U64_EQ(file_size_of(victim), 8);
  read_file_at(victim, 0, buf, 8);
  ASSERT_U64_EQ(check(buf, 8, 1), 8);
  /* Removing the name removes the link only. */
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  ASSERT(!path_exists(link));
  ASSERT(path_exists(victim));
  ASSERT(DeleteFileA(victim));
  ASSERT(RemoveDirectoryA(dir));
}

/* A directory under an object's name is not an object: refused as on
 * POSIX, where the emulation says the same of a FIFO or a directory. */
TEST(shm_planted_directory) {
  const char *dir = use_private_dir("pdir");
  char path[1200];
  ipcmem_shm shm;

  ASSERT(CreateDirectoryA(dir, NULL));
  snprintf(path, sizeof(path), "%s\\%s", dir, test_shm_name(0));
  ASSERT(CreateDirectoryA(path, NULL));
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_EINSECURE);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_EINSECURE);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_EEXIST);
  ASSERT(GetFileAttributesA(path) & FILE_ATTRIBUTE_DIRECTORY);
  ASSERT(RemoveDirectoryA(path));
  ASSERT(RemoveDirectoryA(dir));
}
