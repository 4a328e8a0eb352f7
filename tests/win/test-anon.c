/* Anonymous shared memory on Windows: unnamed pagefile sections. There is
 * no fork, so a child gets one by inheriting its handle and wrapping it
 * with ipcmem_anon_from_handle(). */
#include "wintest.h"

TEST(anon_map_basic) {
  ipcmem_region r, zero;

  memset(&zero, JUNK, sizeof(zero));
  ASSERT_ERR(ipcmem_anon_map(NULL, 4096), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_map(&zero, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_map(&zero, (size_t)PTRDIFF_MAX + 1), IPCMEM_EINVAL);
  ASSERT_EQ(((unsigned char *)&zero)[0], JUNK);
  ASSERT_OK(ipcmem_anon_map(&r, 100000));
  ASSERT_EQ(ipcmem_region_size(&r), 100000);
  ASSERT_EQ(ipcmem_region_mode(&r), IPCMEM_READ_WRITE);
  ASSERT(all_zero(ipcmem_region_addr(&r), 100000));
  fill(ipcmem_region_addr(&r), 100000, 1);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 100000, 1), 100000);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_unmap(&r));
}

TEST(anon_open_basic) {
  ipcmem_anon a, junk;
  ipcmem_region r1, r2;
  uint64_t size;
  DWORD flags;

  memset(&junk, JUNK, sizeof(junk));
  ASSERT_ERR(ipcmem_anon_open(NULL, 4096), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_open(&junk, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_open(&junk, (uint64_t)INT64_MAX + 1), IPCMEM_EINVAL);
  ASSERT_EQ(((unsigned char *)&junk)[0], JUNK);

  ASSERT_OK(ipcmem_anon_open(&a, 3 * 65536 + 10));
  ASSERT_EQ(ipcmem_mappable_kind(&a.base), IPCMEM_KIND_ANON);
  ASSERT_OK(ipcmem_mappable_size(&a.base, &size));
  ASSERT(size >= 3 * 65536 + 10);
  ASSERT(GetHandleInformation(ipcmem_mappable_handle(&a.base), &flags));
  ASSERT(!(flags & HANDLE_FLAG_INHERIT));
  /* Mappable any number of times, at any offset, in every mode. */
  ASSERT_OK(ipcmem_region_map(&r1, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r1), 3 * 65536 + 10, 2);
  ASSERT_OK(
      ipcmem_region_map(&r2, &a.base, IPCMEM_READ_ONLY, 65537, 100, NULL, 0));
  ASSERT_U64_EQ(check_from(ipcmem_region_addr(&r2), 100, 65537, 2), 100);
  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(
      ipcmem_region_map(&r2, &a.base, IPCMEM_COPY_ON_WRITE, 0, 4096, NULL, 0));
  fill(ipcmem_region_addr(&r2), 4096, 3);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r1), 4096, 2), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r2));
  /* The region outlives the handle. */
  ASSERT_OK(ipcmem_anon_close(&a));
  ASSERT_OK(ipcmem_anon_close(&a));
  ASSERT_ERR(ipcmem_anon_close(NULL), IPCMEM_EINVAL);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r1), 3 * 65536 + 10, 2),
                3 * 65536 + 10);
  ASSERT_OK(ipcmem_region_unmap(&r1));
}

/* Wraps inherited handle argv[0] (size argv[1], "0" for the system's),
 * checks pattern 4 in the first 8192 bytes, writes pattern 5. */
HELPER(anon_child) {
  ipcmem_anon a;
  ipcmem_region r;
  uint64_t size;

  ASSERT(argc == 2);
  ASSERT_OK(ipcmem_anon_from_handle(&a, test_handle_parse(argv[0]),
                                    strtoull(argv[1], NULL, 10)));
  ASSERT_EQ(ipcmem_mappable_kind(&a.base), IPCMEM_KIND_ANON);
  ASSERT_OK(ipcmem_mappable_size(&a.base, &size));
  ASSERT(size >= 8192);
  ASSERT_OK(
      ipcmem_region_map(&r, &a.base, IPCMEM_READ_WRITE, 0, 8192, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 8192, 4), 8192);
  fill(ipcmem_region_addr(&r), 8192, 5);
  ASSERT_OK(ipcmem_anon_close(&a));
  ASSERT_OK(ipcmem_region_unmap(&r));
  return 0;
}

/* The child inherits exactly the section's handle (same value) and shares
 * the memory both ways. */
TEST(anon_shared_with_child_by_inheritance) {
  static const char *const sizes[] = {"8192", "0"};
  ipcmem_anon a;
  ipcmem_region r;
  test_proc p;
  void *h;
  size_t i;

  ASSERT_OK(ipcmem_anon_open(&a, 8192));
  ASSERT_OK(ipcmem_region_map(&r, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  h = ipcmem_mappable_handle(&a.base);
  for (i = 0; i < COUNT(sizes); i++) {
    fill(ipcmem_region_addr(&r), 8192, 4);
    test_spawn_inherit(&p, &h, 1, "anon_child", test_handle_str(0, h), sizes[i],
                       (char *)NULL);
    ASSERT_EQ(test_proc_join(&p), 0);
    ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 8192, 5), 8192);
  }
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_anon_close(&a));
}

/* Memory from ipcmem_anon_map() has no handle of its own to hand over, but
 * the handle of an ipcmem_anon does, and a handle not inherited is not
 * usable in the child: the wrap fails there instead of mapping something
 * else. */
HELPER(anon_child_expect_fail) {
  ipcmem_anon a;
  int rc;

  ASSERT(argc == 1);
  memset(&a, JUNK, sizeof(a));
  rc = ipcmem_anon_from_handle(&a, test_handle_parse(argv[0]), 0);
  ASSERT(rc != 0);
  ASSERT_EQ(((unsigned char *)&a)[0], JUNK);
  return 0;
}

TEST(anon_handle_not_inherited_by_default) {
  ipcmem_anon a;
  test_proc p;

  ASSERT_OK(ipcmem_anon_open(&a, 4096));
  test_spawn(&p, "anon_child_expect_fail",
             test_handle_str(0, ipcmem_mappable_handle(&a.base)), (char *)NULL);
  ASSERT_EQ(test_proc_join(&p), 0);
  ASSERT_OK(ipcmem_anon_close(&a));
}

TEST(anon_from_handle_errors) {
  ipcmem_anon a, out;
  HANDLE ro, file;
  void *h;

  memset(&out, JUNK, sizeof(out));
  ASSERT_OK(ipcmem_anon_open(&a, 8192));
  h = ipcmem_mappable_handle(&a.base);
  ASSERT_ERR(ipcmem_anon_from_handle(NULL, h, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_from_handle(&out, NULL, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_from_handle(&out, INVALID_HANDLE_VALUE, 0),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_from_handle(&out, h, (uint64_t)INT64_MAX + 1),
             IPCMEM_EINVAL);
  /* Larger than the section (page-rounded 8192). */
  ASSERT_ERR(ipcmem_anon_from_handle(&out, h, 8192 + 4096), IPCMEM_ERANGE);
  /* A read-only duplicate cannot be wrapped: the object is read-write. */
  ASSERT(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &ro,
                         FILE_MAP_READ, FALSE, 0));
  ASSERT_ERR(ipcmem_anon_from_handle(&out, ro, 0), IPCMEM_EACCES);
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_ACCESS_DENIED);
  /* On failure the handle stays the caller's: it is still open. */
  ASSERT(CloseHandle(ro));
  /* A handle that is not a section. */
  file = CreateFileA(test_tmp_path(0), GENERIC_READ | GENERIC_WRITE, 0, NULL,
                     CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
  ASSERT(file != INVALID_HANDLE_VALUE);
  ASSERT_ERR(ipcmem_anon_from_handle(&out, file, 0), IPCMEM_EINVAL);
  ASSERT(CloseHandle(file));
  ASSERT_EQ(((unsigned char *)&out)[0], JUNK);
  ASSERT_OK(ipcmem_anon_close(&a));
}
