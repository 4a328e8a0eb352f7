/* Memory-mapped files on Windows (ipcmem_file_*): opening, the four region
 * modes, windows at any offset, flushes that reach the file, and the
 * errors. What a region did to the file is read back with ReadFile. */
#include "wintest.h"

static uint64_t fsize(const ipcmem_file *f) {
  uint64_t size = 0;

  ASSERT_OK(ipcmem_file_size(f, &size));
  return size;
}

TEST(file_open_and_size) {
  const char *path = test_tmp_path(0);
  ipcmem_file f, ro;
  DWORD flags;

  write_pattern_file(path, 10000, 1);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_EQ(ipcmem_mappable_kind(&f.base), IPCMEM_KIND_FILE);
  ASSERT_U64_EQ(fsize(&f), 10000);
  ASSERT(GetHandleInformation(ipcmem_mappable_handle(&f.base), &flags));
  ASSERT(!(flags & HANDLE_FLAG_INHERIT));
  ASSERT_OK(ipcmem_file_open(&ro, path, IPCMEM_READ_ONLY));
  ASSERT_U64_EQ(fsize(&ro), 10000);
  ASSERT_OK(ipcmem_file_close(&ro));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_EQ(ipcmem_mappable_kind(&f.base), IPCMEM_KIND_NONE);
  ASSERT_OK(ipcmem_file_remove(path));
  ASSERT(!path_exists(path));
}

TEST(file_open_errors) {
  ipcmem_file f;
  uint64_t size = 77;

  memset(&f, JUNK, sizeof(f));
  ASSERT_ERR(ipcmem_file_open(&f, test_tmp_path(0), IPCMEM_READ_ONLY),
             IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_FILE_NOT_FOUND);
  /* A missing directory on the way is "not found" too. */
  {
    char deep[1200];

    snprintf(deep, sizeof(deep), "%s\\no\\such", test_tmp_dir());
    ASSERT_ERR(ipcmem_file_open(&f, deep, IPCMEM_READ_ONLY), IPCMEM_ENOENT);
    ASSERT_EQ(ipcmem_last_os_error(), ERROR_PATH_NOT_FOUND);
  }
  ASSERT_ERR(ipcmem_file_open(&f, test_tmp_dir(), IPCMEM_READ_ONLY),
             IPCMEM_EISDIR);
  ASSERT_ERR(ipcmem_file_open(&f, test_tmp_dir(), IPCMEM_READ_WRITE),
             IPCMEM_EISDIR);
  ASSERT_ERR(ipcmem_file_open(NULL, test_tmp_path(0), IPCMEM_READ_ONLY),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_file_open(&f, NULL, IPCMEM_READ_ONLY), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_file_open(&f, "", IPCMEM_READ_ONLY), IPCMEM_EINVAL);
  write_pattern_file(test_tmp_path(0), 10, 1);
  ASSERT_ERR(ipcmem_file_open(&f, test_tmp_path(0), IPCMEM_COPY_ON_WRITE),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_file_open(&f, test_tmp_path(0), 0), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  /* A device is not a regular file. */
  ASSERT_ERR(ipcmem_file_open(&f, "NUL", IPCMEM_READ_ONLY), IPCMEM_ENOTSUP);
  ASSERT_EQ(((unsigned char *)&f)[0], JUNK);

  memset(&f, 0, sizeof(f));
  ASSERT_ERR(ipcmem_file_size(&f, &size), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_file_size(NULL, &size), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 77);
  ASSERT_ERR(ipcmem_file_close(NULL), IPCMEM_EINVAL);

  ASSERT_ERR(ipcmem_file_remove(test_tmp_path(1)), IPCMEM_ENOENT);
  ASSERT_ERR(ipcmem_file_remove(test_tmp_dir()), IPCMEM_EISDIR);
  ASSERT_ERR(ipcmem_file_remove(""), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_file_remove(NULL), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_file_remove(test_tmp_path(0)));
}

/* UTF-8 paths reach Windows as the same characters. */
TEST(file_utf8_path) {
  char path[1200];
  wchar_t wpath[1200];
  ipcmem_file f;
  HANDLE h;
  DWORD done;

  snprintf(path, sizeof(path), "%s\\caf\xc3\xa9-\xe2\x82\xac", test_tmp_dir());
  ASSERT(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wpath,
                             1200) > 0);
  h = CreateFileW(wpath, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
  ASSERT(h != INVALID_HANDLE_VALUE);
  ASSERT(WriteFile(h, "12345", 5, &done, NULL) && done == 5);
  ASSERT(CloseHandle(h));
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_ONLY));
  ASSERT_U64_EQ(fsize(&f), 5);
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
  ASSERT(GetFileAttributesW(wpath) == INVALID_FILE_ATTRIBUTES);
  /* Invalid UTF-8 is an invalid argument, not a mangled name. */
  snprintf(path, sizeof(path), "%s\\caf\xe9", test_tmp_dir());
  ASSERT_ERR(ipcmem_file_open(&f, path, IPCMEM_READ_ONLY), IPCMEM_EINVAL);
}

TEST(file_empty_and_range) {
  const char *path = test_tmp_path(0);
  ipcmem_file f;
  ipcmem_region r;

  write_pattern_file(path, 0, 0);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  memset(&r, JUNK, sizeof(r));
  ASSERT_ERR(ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0),
             IPCMEM_EEMPTY);
  ASSERT_EQ(((unsigned char *)&r)[0], JUNK);
  ASSERT_OK(ipcmem_file_close(&f));

  write_pattern_file(path, 5000, 2);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_ERR(ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, 5000, 0, NULL, 0),
             IPCMEM_ERANGE);
  ASSERT_ERR(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, 4000, 1001, NULL, 0),
      IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, 0, 5001, NULL, 0),
             IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, (uint64_t)1 << 40,
                               0, NULL, 0),
             IPCMEM_ERANGE);
  /* The file did not grow to fit any of those. */
  ASSERT_U64_EQ(fsize(&f), 5000);
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, 4000, 1000, NULL, 0));
  ASSERT_U64_EQ(check_from(ipcmem_region_addr(&r), 1000, 4000, 2), 1000);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
}

TEST(file_modes_of_read_only_file) {
  const char *path = test_tmp_path(0);
  ipcmem_file f;
  ipcmem_region r;
  unsigned char *c, buf[4096];

  write_pattern_file(path, 4096, 3);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_ONLY));
  ASSERT_ERR(ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0),
             IPCMEM_EMODE);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 3), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 3), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  c = ipcmem_region_addr(&r);
  fill(c, 4096, 4);
  ASSERT_U64_EQ(check(c, 4096, 4), 4096);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  read_file_at(path, 0, buf, sizeof(buf));
  ASSERT_U64_EQ(check(buf, sizeof(buf), 3), sizeof(buf));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* Copy-on-write leaves the file untouched even when it is open read-write
 * and another view of it is shared. */
TEST(file_copy_on_write_file_untouched) {
  const char *path = test_tmp_path(0);
  ipcmem_file f;
  ipcmem_region shared, cow;
  unsigned char buf[8192];

  write_pattern_file(path, 8192, 5);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(
      ipcmem_region_map(&shared, &f.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(
      ipcmem_region_map(&cow, &f.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&cow), IPCMEM_COPY_ON_WRITE);
  fill(ipcmem_region_addr(&cow), 8192, 6);
  ASSERT_OK(ipcmem_region_flush(&cow, 0, 0, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&shared), 8192, 5), 8192);
  read_file_at(path, 0, buf, sizeof(buf));
  ASSERT_U64_EQ(check(buf, sizeof(buf), 5), sizeof(buf));
  ASSERT_OK(ipcmem_region_unmap(&cow));
  ASSERT_OK(ipcmem_region_unmap(&shared));
  ASSERT_OK(ipcmem_file_close(&f));
  read_file_at(path, 0, buf, sizeof(buf));
  ASSERT_U64_EQ(check(buf, sizeof(buf), 5), sizeof(buf));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* Windows maps from multiples of the allocation granularity; any offset
 * still works, and writes land at the right place of the file. */
TEST(file_unaligned_windows) {
  static const uint64_t offs[] = {1,     4095,         4097,         65535,
                                  65537, 65536 + 4096, 3 * 65536 - 1};
  const char *path = test_tmp_path(0);
  size_t total = 4 * 65536;
  ipcmem_file f;
  ipcmem_region r;
  unsigned char buf[300];
  size_t i;

  write_pattern_file(path, total, 7);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  for (i = 0; i < COUNT(offs); i++) {
    ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, offs[i], 300,
                                NULL, 0));
    ASSERT_EQ(ipcmem_region_size(&r), 300);
    ASSERT_U64_EQ(check_from(ipcmem_region_addr(&r), 300, offs[i], 7), 300);
    ASSERT_OK(ipcmem_region_unmap(&r));
  }
  /* A write through an unaligned window, flushed, read back. */
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 65537, 300, NULL, 0));
  memset(ipcmem_region_addr(&r), 0x5A, 300);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  read_file_at(path, 65536, buf, 1);
  ASSERT_EQ(buf[0], pattern(65536, 7));
  read_file_at(path, 65537, buf, 300);
  for (i = 0; i < 300; i++)
    ASSERT_EQ(buf[i], 0x5A);
  read_file_at(path, 65837, buf, 1);
  ASSERT_EQ(buf[0], pattern(65837, 7));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* A synchronous flush (FlushViewOfFile + FlushFileBuffers) and an
 * asynchronous one (FlushViewOfFile) both make the data readable through
 * ReadFile; ranges are relative to the region and checked. */
TEST(file_flush_sync_and_async) {
  const char *path = test_tmp_path(0);
  size_t size = 3 * 65536;
  ipcmem_file f;
  ipcmem_region r;
  unsigned char *buf = malloc(size);

  ASSERT(buf != NULL);
  write_pattern_file(path, size, 8);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 100, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 65536, 9);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 65536, 0));
  fill((char *)ipcmem_region_addr(&r) + 65536, 65536, 10);
  ASSERT_OK(ipcmem_region_flush(&r, 65536 + 3, 100, IPCMEM_FLUSH_ASYNC));
  ASSERT_OK(ipcmem_region_flush(&r, 65536, 0, IPCMEM_FLUSH_ASYNC));
  read_file_at(path, 100, buf, 65536);
  ASSERT_U64_EQ(check(buf, 65536, 9), 65536);
  read_file_at(path, 100 + 65536, buf, 65536);
  ASSERT_U64_EQ(check(buf, 65536, 10), 65536);

  ASSERT_ERR(ipcmem_region_flush(&r, size - 100, 0, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, size - 99, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 10, size - 100, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, 0x80), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_region_flush(&r, size - 101, 1, 0));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_flush(NULL, 0, 0, 0), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_file_close(&f));
  free(buf);
  ASSERT_OK(ipcmem_file_remove(path));
}

/* Regions outlive the file's handle; the file is removed with POSIX
 * semantics (gone from the directory, views still working). */
TEST(file_region_outlives_close_and_remove) {
  const char *path = test_tmp_path(0);
  ipcmem_file f;
  ipcmem_region r;

  write_pattern_file(path, 4096, 11);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
  ASSERT(!path_exists(path));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 11), 4096);
  fill(ipcmem_region_addr(&r), 4096, 12);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 12), 4096);
  /* The path is free for a new file at once. */
  write_pattern_file(path, 10, 1);
  ASSERT_U64_EQ(file_size_of(path), 10);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* Maps file argv[0] read-write, checks pattern 13, writes 14. */
HELPER(file_peer) {
  ipcmem_file f;
  ipcmem_region r;

  ASSERT(argc == 1);
  ASSERT_OK(ipcmem_file_open(&f, argv[0], IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 8192, 13), 8192);
  fill(ipcmem_region_addr(&r), 8192, 14);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  return 0;
}

TEST(file_shared_between_processes) {
  const char *path = test_tmp_path(0);
  ipcmem_file f;
  ipcmem_region r;
  test_proc p;

  write_pattern_file(path, 8192, 0);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 8192, 13);
  test_spawn(&p, "file_peer", path, (char *)NULL);
  ASSERT_EQ(test_proc_join(&p), 0);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 8192, 14), 8192);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
}
