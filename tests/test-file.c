/* Memory-mapped files (Boost's file_mapping): ipcmem_file_* and the region
 * API applied to files, checked against what plain read() sees on disk. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define FILE_MAPPING IPCMEM_EXAMPLES_DIR "/file_mapping"

/* --- helpers ------------------------------------------------------------ */

static size_t pg(void) { return ipcmem_page_size(); }

static const ipcmem_region zero_region;

/* The byte a pattern file holds at offset i. 251 is prime and does not
 * divide the page size, so every page and every unaligned window holds a
 * different sequence: a window mapped from the wrong offset cannot match. */
static unsigned char pat(uint64_t i) { return (unsigned char)(i % 251); }

static void write_all(int fd, const void *buf, size_t n, uint64_t off) {
  const char *c = buf;
  ssize_t w;

  while (n > 0) {
    w = pwrite(fd, c, n, (off_t)off);
    if (w < 0 && errno == EINTR)
      continue;
    ASSERT(w > 0);
    c += w;
    n -= (size_t)w;
    off += (uint64_t)w;
  }
}

/* Creates `path` with `size` bytes of pat(), on disk (fsync) so that later
 * writes through a mapping are the only dirty data. */
static void make_file(const char *path, size_t size) {
  unsigned char buf[8192];
  size_t done = 0, n, i;
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  ASSERT(fd >= 0);
  while (done < size) {
    n = size - done < sizeof(buf) ? size - done : sizeof(buf);
    for (i = 0; i < n; i++)
      buf[i] = pat(done + i);
    write_all(fd, buf, n, done);
    done += n;
  }
  ASSERT_EQ(fsync(fd), 0);
  ASSERT_EQ(close(fd), 0);
}

/* Reads n bytes at `off` of the file with plain pread(), through a new
 * descriptor: what any other reader of the file would see. */
static void read_at(const char *path, uint64_t off, void *buf, size_t n) {
  char *c = buf;
  ssize_t r;
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  ASSERT(fd >= 0);
  while (n > 0) {
    r = pread(fd, c, n, (off_t)off);
    if (r < 0 && errno == EINTR)
      continue;
    ASSERT(r > 0);
    c += r;
    n -= (size_t)r;
    off += (uint64_t)r;
  }
  ASSERT_EQ(close(fd), 0);
}

static int file_byte(const char *path, uint64_t off) {
  unsigned char c;

  read_at(path, off, &c, 1);
  return c;
}

/* Whether bytes [0, n) of p hold pat() starting at file offset `off`. */
static int holds_pattern(const void *p, uint64_t off, size_t n) {
  const unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    if (c[i] != pat(off + i))
      return 0;
  return 1;
}

/* Whether bytes [off, off + n) of the file on disk hold pat(). */
static int file_holds_pattern(const char *path, uint64_t off, size_t n) {
  unsigned char *buf = malloc(n);
  int ok;

  ASSERT(buf != NULL);
  read_at(path, off, buf, n);
  ok = holds_pattern(buf, off, n);
  free(buf);
  return ok;
}

static int is_cloexec(int fd) {
  int f = fcntl(fd, F_GETFD);

  ASSERT(f >= 0);
  return (f & FD_CLOEXEC) != 0;
}

#define EXPECT_OPEN_FAIL(path, access, code)                                   \
  do {                                                                         \
    ipcmem_file got_, want_;                                                   \
    memset(&got_, 0xA5, sizeof(got_));                                         \
    memset(&want_, 0xA5, sizeof(want_));                                       \
    ASSERT_ERR(ipcmem_file_open(&got_, (path), (access)), (code));             \
    ASSERT(memcmp(&got_, &want_, sizeof(got_)) == 0);                          \
  } while (0)

#define EXPECT_MAP_FAIL(m, mode, off, size, code)                              \
  do {                                                                         \
    ipcmem_region got_, want_;                                                 \
    memset(&got_, 0xA5, sizeof(got_));                                         \
    memset(&want_, 0xA5, sizeof(want_));                                       \
    ASSERT_ERR(ipcmem_region_map(&got_, (m), (mode), (off), (size), NULL, 0),  \
               (code));                                                        \
    ASSERT(memcmp(&got_, &want_, sizeof(got_)) == 0);                          \
  } while (0)

/* --- opening ------------------------------------------------------------ */

TEST(file_open_and_size) {
  const char *path = test_tmp_path(0);
  ipcmem_file ro, rw;
  uint64_t size = 1;
  int fd;

  make_file(path, 10000);
  ASSERT_OK(ipcmem_file_open(&ro, path, IPCMEM_READ_ONLY));
  ASSERT_OK(ipcmem_file_open(&rw, path, IPCMEM_READ_WRITE));
  ASSERT_EQ(ipcmem_mappable_kind(&ro.base), IPCMEM_KIND_FILE);
  ASSERT_EQ(ipcmem_mappable_kind(&rw.base), IPCMEM_KIND_FILE);
  ASSERT(ipcmem_mappable_handle(&ro.base) >= 0);
  ASSERT(ipcmem_mappable_handle(&rw.base) != ipcmem_mappable_handle(&ro.base));
  ASSERT_OK(ipcmem_file_size(&ro, &size));
  ASSERT_U64_EQ(size, 10000);
  ASSERT_OK(ipcmem_mappable_size(&rw.base, &size));
  ASSERT_U64_EQ(size, 10000);

  /* The size is the file's current one, not the one seen at open. */
  fd = open(path, O_RDWR | O_CLOEXEC);
  ASSERT(fd >= 0);
  ASSERT_EQ(ftruncate(fd, 123457), 0);
  ASSERT_EQ(close(fd), 0);
  ASSERT_OK(ipcmem_file_size(&ro, &size));
  ASSERT_U64_EQ(size, 123457);

  /* The access mode is the descriptor's: a read-only open cannot write. */
  ASSERT_EQ(fcntl(ipcmem_mappable_handle(&ro.base), F_GETFL) & O_ACCMODE,
            O_RDONLY);
  ASSERT_EQ(fcntl(ipcmem_mappable_handle(&rw.base), F_GETFL) & O_ACCMODE,
            O_RDWR);

  ASSERT_ERR(ipcmem_file_size(&ro, NULL), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_file_size(NULL, &size), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_file_close(&ro));
  ASSERT_OK(ipcmem_file_close(&rw));
  ASSERT_OK(ipcmem_file_remove(path));
}

TEST(file_open_missing) {
  char path[4200];

  EXPECT_OPEN_FAIL(test_tmp_path(0), IPCMEM_READ_ONLY, IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
  EXPECT_OPEN_FAIL(test_tmp_path(0), IPCMEM_READ_WRITE, IPCMEM_ENOENT);
  /* Opening must not create the file. */
  ASSERT(access(test_tmp_path(0), F_OK) != 0 && errno == ENOENT);

  /* A missing directory on the way, or a file used as one. */
  snprintf(path, sizeof(path), "%s/nodir/x", test_tmp_dir());
  EXPECT_OPEN_FAIL(path, IPCMEM_READ_ONLY, IPCMEM_ENOENT);
  make_file(test_tmp_path(1), 10);
  snprintf(path, sizeof(path), "%s/x", test_tmp_path(1));
  EXPECT_OPEN_FAIL(path, IPCMEM_READ_ONLY, IPCMEM_ENOENT);
  ASSERT_OK(ipcmem_file_remove(test_tmp_path(1)));
}

TEST(file_open_directory) {
  EXPECT_OPEN_FAIL(test_tmp_dir(), IPCMEM_READ_ONLY, IPCMEM_EISDIR);
  ASSERT_EQ(ipcmem_last_os_error(), EISDIR);
  EXPECT_OPEN_FAIL(test_tmp_dir(), IPCMEM_READ_WRITE, IPCMEM_EISDIR);
  ASSERT_EQ(ipcmem_last_os_error(), EISDIR);
  EXPECT_OPEN_FAIL("/", IPCMEM_READ_ONLY, IPCMEM_EISDIR);
}

TEST(file_open_symlink) {
  const char *target = test_tmp_path(0), *link = test_tmp_path(1);
  struct stat before, after;

  make_file(target, 5000);
  ASSERT_EQ(symlink(target, link), 0);
  ASSERT_EQ(stat(target, &before), 0);
  EXPECT_OPEN_FAIL(link, IPCMEM_READ_ONLY, IPCMEM_ESYMLINK);
  EXPECT_OPEN_FAIL(link, IPCMEM_READ_WRITE, IPCMEM_ESYMLINK);
  ASSERT_EQ(stat(target, &after), 0);
  ASSERT_U64_EQ(after.st_size, 5000);
  ASSERT_U64_EQ(after.st_ino, before.st_ino);
  ASSERT(file_holds_pattern(target, 0, 5000));

  /* A dangling link is refused the same way, and nothing is created. */
  ASSERT_OK(ipcmem_file_remove(target));
  EXPECT_OPEN_FAIL(link, IPCMEM_READ_WRITE, IPCMEM_ESYMLINK);
  ASSERT(access(target, F_OK) != 0 && errno == ENOENT);

  /* ipcmem_file_remove removes the link itself, never its target. */
  make_file(target, 10);
  ASSERT_OK(ipcmem_file_remove(link));
  ASSERT_EQ(stat(target, &after), 0);
  ASSERT_OK(ipcmem_file_remove(target));
}

TEST(file_open_fifo) {
  const char *path = test_tmp_path(0);

  /* A FIFO with no writer: a plain open would wait forever (the runner's
   * timeout would fail the test). */
  ASSERT_EQ(mkfifo(path, 0600), 0);
  EXPECT_OPEN_FAIL(path, IPCMEM_READ_ONLY, IPCMEM_ENOTSUP);
  EXPECT_OPEN_FAIL(path, IPCMEM_READ_WRITE, IPCMEM_ENOTSUP);
  ASSERT_OK(ipcmem_file_remove(path));
  /* A device is not a regular file either. */
  EXPECT_OPEN_FAIL("/dev/null", IPCMEM_READ_ONLY, IPCMEM_ENOTSUP);
}

TEST(file_open_bad_arguments) {
  const char *path = test_tmp_path(0);
  ipcmem_file f;

  make_file(path, 10);
  ASSERT_ERR(ipcmem_file_open(NULL, path, IPCMEM_READ_ONLY), IPCMEM_EINVAL);
  EXPECT_OPEN_FAIL(NULL, IPCMEM_READ_ONLY, IPCMEM_EINVAL);
  EXPECT_OPEN_FAIL("", IPCMEM_READ_ONLY, IPCMEM_EINVAL);
  EXPECT_OPEN_FAIL(path, 0, IPCMEM_EINVAL);
  EXPECT_OPEN_FAIL(path, -1, IPCMEM_EINVAL);
  EXPECT_OPEN_FAIL(path, IPCMEM_COPY_ON_WRITE, IPCMEM_EINVAL);
  EXPECT_OPEN_FAIL(path, IPCMEM_READ_PRIVATE, IPCMEM_EINVAL);
  EXPECT_OPEN_FAIL(path, 5, IPCMEM_EINVAL);
  /* Refused by ipcmem itself, before any system call. */
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_ONLY));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
}

TEST(file_remove) {
  const char *path = test_tmp_path(0);

  make_file(path, 10);
  ASSERT_OK(ipcmem_file_remove(path));
  ASSERT(access(path, F_OK) != 0 && errno == ENOENT);
  ASSERT_ERR(ipcmem_file_remove(path), IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
  ASSERT_ERR(ipcmem_file_remove(test_tmp_dir()), IPCMEM_EISDIR);
  /* The directory is still there. */
  ASSERT_EQ(access(test_tmp_dir(), F_OK), 0);
  ASSERT_ERR(ipcmem_file_remove(NULL), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_file_remove(""), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
}

TEST(file_close_twice) {
  const char *path = test_tmp_path(0);
  ipcmem_file f, zero;
  uint64_t size = 77;

  memset(&zero, 0, sizeof(zero));
  ASSERT_OK(ipcmem_file_close(&zero));
  ASSERT_ERR(ipcmem_file_close(NULL), IPCMEM_EINVAL);
  make_file(path, 10);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_EQ(ipcmem_mappable_kind(&f.base), IPCMEM_KIND_NONE);
  ASSERT_EQ(ipcmem_mappable_handle(&f.base), IPCMEM_OS_HANDLE_INVALID);
  ASSERT_ERR(ipcmem_file_size(&f, &size), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 77);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_ONLY, 0, 0, IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_file_remove(path));
}

/* Run with a descriptor number and the device and inode of the test's file:
 * after exec that descriptor must not be the file any more. */
HELPER(file_fd_not_inherited) {
  struct stat st;
  int fd;

  ASSERT_EQ(argc, 3);
  fd = atoi(argv[0]);
  if (fstat(fd, &st) == 0 &&
      (unsigned long long)st.st_dev == strtoull(argv[1], NULL, 10) &&
      (unsigned long long)st.st_ino == strtoull(argv[2], NULL, 10))
    test_fail_(__FILE__, __LINE__, "descriptor %d survived exec", fd);
  return 0;
}

TEST(file_cloexec) {
  const char *path = test_tmp_path(0);
  char fdbuf[32], devbuf[32], inobuf[32];
  ipcmem_file ro, rw;
  struct stat st;
  test_proc h;
  int fd;

  make_file(path, 10);
  ASSERT_OK(ipcmem_file_open(&ro, path, IPCMEM_READ_ONLY));
  ASSERT_OK(ipcmem_file_open(&rw, path, IPCMEM_READ_WRITE));
  ASSERT(is_cloexec(ipcmem_mappable_handle(&ro.base)));
  ASSERT(is_cloexec(ipcmem_mappable_handle(&rw.base)));
  fd = ipcmem_mappable_handle(&rw.base);
  ASSERT_EQ(fstat(fd, &st), 0);
  snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
  snprintf(devbuf, sizeof(devbuf), "%llu", (unsigned long long)st.st_dev);
  snprintf(inobuf, sizeof(inobuf), "%llu", (unsigned long long)st.st_ino);
  test_spawn(&h, "file_fd_not_inherited", fdbuf, devbuf, inobuf, NULL);
  ASSERT_EQ(test_proc_join(&h), 0);
  ASSERT_OK(ipcmem_file_close(&ro));
  ASSERT_OK(ipcmem_file_close(&rw));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* --- mapping modes ------------------------------------------------------ */

TEST(file_modes_of_read_only_file) {
  const char *path = test_tmp_path(0);
  size_t n = 3 * pg() + 10;
  ipcmem_region ro, cow, priv;
  ipcmem_file f;
  unsigned char *p;

  make_file(path, n);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_ONLY));
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_WRITE, 0, 0, IPCMEM_EMODE);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_WRITE, pg(), 10, IPCMEM_EMODE);
  ASSERT_EQ(ipcmem_last_os_error(), 0);

  ASSERT_OK(ipcmem_region_map(&ro, &f.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&ro), IPCMEM_READ_ONLY);
  ASSERT_U64_EQ(ipcmem_region_size(&ro), n);
  ASSERT(holds_pattern(ipcmem_region_addr(&ro), 0, n));

  ASSERT_OK(
      ipcmem_region_map(&priv, &f.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&priv), IPCMEM_READ_PRIVATE);
  ASSERT(holds_pattern(ipcmem_region_addr(&priv), 0, n));

  /* Copy-on-write needs no write access to the file, and the file on disk
   * and every other mapping keep the old bytes. */
  ASSERT_OK(
      ipcmem_region_map(&cow, &f.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&cow), IPCMEM_COPY_ON_WRITE);
  p = ipcmem_region_addr(&cow);
  ASSERT(holds_pattern(p, 0, n));
  memset(p, 0xEE, n);
  ASSERT_OK(ipcmem_region_flush(&cow, 0, 0, 0));
  ASSERT_EQ(p[n - 1], 0xEE);
  ASSERT(holds_pattern(ipcmem_region_addr(&ro), 0, n));
  ASSERT(holds_pattern(ipcmem_region_addr(&priv), 0, n));
  ASSERT(file_holds_pattern(path, 0, n));

  ASSERT_OK(ipcmem_region_unmap(&cow));
  ASSERT_OK(ipcmem_region_unmap(&priv));
  ASSERT_OK(ipcmem_region_unmap(&ro));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT(file_holds_pattern(path, 0, n));
  ASSERT_OK(ipcmem_file_remove(path));
}

TEST(file_modes_of_read_write_file) {
  const char *path = test_tmp_path(0);
  size_t n = 2 * pg() + 99;
  ipcmem_region rw, ro, cow, priv;
  unsigned char *w, *c;
  ipcmem_file f;

  make_file(path, n);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_region_map(&rw, &f.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&ro, &f.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_OK(
      ipcmem_region_map(&cow, &f.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(
      ipcmem_region_map(&priv, &f.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&rw), IPCMEM_READ_WRITE);
  w = ipcmem_region_addr(&rw);
  c = ipcmem_region_addr(&cow);

  /* A shared write reaches the file and the other shared mapping. */
  memcpy(w + pg() + 1, "shared", 6);
  ASSERT(memcmp((char *)ipcmem_region_addr(&ro) + pg() + 1, "shared", 6) == 0);
  ASSERT_EQ(file_byte(path, pg() + 1), 's');

  /* A private write reaches nothing else, not even after a flush. */
  memcpy(c + 5, "private", 7);
  ASSERT_OK(ipcmem_region_flush(&cow, 0, 0, 0));
  ASSERT_EQ(w[5], pat(5));
  ASSERT_EQ(file_byte(path, 5), pat(5));
  ASSERT(file_holds_pattern(path, 0, pg() + 1));

  ASSERT_OK(ipcmem_region_unmap(&priv));
  ASSERT_OK(ipcmem_region_unmap(&cow));
  ASSERT_OK(ipcmem_region_unmap(&ro));
  ASSERT_OK(ipcmem_region_unmap(&rw));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* A page that a private mapping has not written still shows the file as it
 * is now; only the pages it wrote are frozen. The file on disk is exactly
 * what shared writes made it. */
TEST(file_copy_on_write_file_untouched) {
  const char *path = test_tmp_path(0);
  size_t n = 4 * pg();
  ipcmem_region cow;
  ipcmem_file f;
  unsigned char *p;

  make_file(path, n);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_region_map(&cow, &f.base, IPCMEM_COPY_ON_WRITE, pg() + 3,
                              2 * pg(), NULL, 0));
  p = ipcmem_region_addr(&cow);
  ASSERT(holds_pattern(p, pg() + 3, 2 * pg()));
  memset(p, 0, 2 * pg());
  ASSERT_OK(ipcmem_region_flush(&cow, 0, 0, 0));
  ASSERT_OK(ipcmem_region_unmap(&cow));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT(file_holds_pattern(path, 0, n));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* --- windows ------------------------------------------------------------ */

TEST(file_unaligned_windows) {
  static const uint64_t offs[] = {0,    1,    7,    250,  251,
                                  4095, 4096, 4097, 8191, 12345};
  static const size_t sizes[] = {1, 2, 100, 4096, 5000};
  const char *path = test_tmp_path(0);
  size_t n = 5 * pg() + 123, i, j, size;
  ipcmem_region r;
  ipcmem_file f;
  uint64_t off;

  make_file(path, n);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_ONLY));
  for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
    off = offs[i] * pg() / 4096;
    for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
      size = sizes[j];
      ASSERT_OK(
          ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, off, size, NULL, 0));
      ASSERT_U64_EQ(ipcmem_region_size(&r), size);
      ASSERT(holds_pattern(ipcmem_region_addr(&r), off, size));
      ASSERT_OK(ipcmem_region_unmap(&r));
    }
    /* Size 0: from the offset to the end of the file, and every byte of
     * it can be touched (the last page is only partly the file's). */
    ASSERT_OK(
        ipcmem_region_map(&r, &f.base, IPCMEM_READ_PRIVATE, off, 0, NULL, 0));
    ASSERT_U64_EQ(ipcmem_region_size(&r), n - off);
    ASSERT(holds_pattern(ipcmem_region_addr(&r), off, n - off));
    ASSERT_OK(ipcmem_region_unmap(&r));
  }
  /* The last byte alone. */
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_ONLY, n - 1, 0, NULL, 0));
  ASSERT_U64_EQ(ipcmem_region_size(&r), 1);
  ASSERT_EQ(*(unsigned char *)ipcmem_region_addr(&r), pat(n - 1));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* Writes through an unaligned window land at exactly that file offset, and
 * the bytes around the window are untouched. */
TEST(file_unaligned_window_write) {
  const char *path = test_tmp_path(0);
  size_t n = 4 * pg(), size = pg() + 2;
  uint64_t off = pg() - 1;
  ipcmem_region r;
  ipcmem_file f;
  unsigned char *buf;

  make_file(path, n);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, off, size, NULL, 0));
  memset(ipcmem_region_addr(&r), 0xC3, size);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));

  buf = malloc(n);
  ASSERT(buf != NULL);
  read_at(path, 0, buf, n);
  ASSERT(holds_pattern(buf, 0, off));
  ASSERT_EQ(buf[off], 0xC3);
  ASSERT_EQ(buf[off + size - 1], 0xC3);
  ASSERT(holds_pattern(buf + off + size, off + size, n - off - size));
  free(buf);
  ASSERT_OK(ipcmem_file_remove(path));
}

TEST(file_map_errors) {
  const char *path = test_tmp_path(0), *empty = test_tmp_path(1);
  size_t n = 2 * pg() + 10;
  ipcmem_region r;
  ipcmem_file f, e;

  make_file(path, n);
  make_file(empty, 0);
  ASSERT_OK(ipcmem_file_open(&e, empty, IPCMEM_READ_WRITE));
  EXPECT_MAP_FAIL(&e.base, IPCMEM_READ_ONLY, 0, 0, IPCMEM_EEMPTY);
  EXPECT_MAP_FAIL(&e.base, IPCMEM_READ_WRITE, 0, 1, IPCMEM_EEMPTY);
  ASSERT_OK(ipcmem_file_close(&e));

  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  /* An offset at or past the end. */
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_ONLY, n, 0, IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_ONLY, n + 1, 0, IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_WRITE, 3 * pg(), 1, IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_ONLY, UINT64_C(1) << 40, 0,
                  IPCMEM_ERANGE);
  /* A window that runs past the end, by one byte or by whole pages: a
   * mapping of it would raise SIGBUS when the missing part is touched. */
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_ONLY, 0, n + 1, IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_WRITE, n - 1, 2, IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_COPY_ON_WRITE, pg() + 1, 4 * pg(),
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_ONLY, 0, 16 * pg(), IPCMEM_ERANGE);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  /* Bad mode and flags. */
  EXPECT_MAP_FAIL(&f.base, 0, 0, 0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&f.base, 5, 0, 0, IPCMEM_EINVAL);

  /* The window that ends exactly at the end of the file is fine. */
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, n - 11, 11, NULL, 0));
  ASSERT(holds_pattern(ipcmem_region_addr(&r), n - 11, 11));
  ASSERT_OK(ipcmem_region_unmap(&r));

  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
  ASSERT_OK(ipcmem_file_remove(empty));
}

TEST(file_region_outlives_close_and_remove) {
  const char *path = test_tmp_path(0);
  size_t n = 2 * pg() + 1;
  ipcmem_region r;
  ipcmem_file f;
  unsigned char *p;
  int fd;

  make_file(path, n);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 1, 0, NULL, 0));
  /* Keep a descriptor of our own to see the file after its name is gone. */
  fd = open(path, O_RDONLY | O_CLOEXEC);
  ASSERT(fd >= 0);
  ASSERT_OK(ipcmem_file_close(&f));
  p = ipcmem_region_addr(&r);
  ASSERT(holds_pattern(p, 1, n - 1));
  p[0] = 0x11;
  ASSERT_OK(ipcmem_file_remove(path));
  ASSERT(access(path, F_OK) != 0 && errno == ENOENT);
  ASSERT(holds_pattern(p + 1, 2, n - 2));
  p[n - 2] = 0x22;
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  {
    unsigned char a = 0, b = 0;

    ASSERT_EQ(pread(fd, &a, 1, 1), 1);
    ASSERT_EQ(pread(fd, &b, 1, (off_t)n - 1), 1);
    ASSERT_EQ(a, 0x11);
    ASSERT_EQ(b, 0x22);
  }
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_EQ(close(fd), 0);
}

/* --- processes ---------------------------------------------------------- */

/* Maps the file argv[0] read-write, then waits for the test to write, checks
 * the test's bytes and writes its own. */
HELPER(file_peer) {
  ipcmem_region r;
  ipcmem_file f;
  char *p;

  ASSERT_EQ(argc, 1);
  ASSERT_OK(ipcmem_file_open(&f, argv[0], IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_file_close(&f));
  p = ipcmem_region_addr(&r);
  helper_ready();
  helper_wait_go();
  ASSERT(memcmp(p + 5000, "from the test", 14) == 0);
  memcpy(p + 100, "from the helper", 16);
  ASSERT_OK(ipcmem_region_unmap(&r));
  return 0;
}

TEST(file_shared_between_processes) {
  const char *path = test_tmp_path(0);
  ipcmem_region r;
  ipcmem_file f;
  test_proc h;
  char *p;

  make_file(path, 3 * pg());
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  /* The helper maps first, so it can only see the write through sharing. */
  test_spawn(&h, "file_peer", path, NULL);
  test_proc_wait_ready(&h);
  memcpy(p + 5000, "from the test", 14);
  test_proc_go(&h);
  ASSERT_EQ(test_proc_join(&h), 0);
  ASSERT(memcmp(p + 100, "from the helper", 16) == 0);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_EQ(file_byte(path, 100), 'f');
  ASSERT_EQ(file_byte(path, 5000), 'f');
  ASSERT_OK(ipcmem_file_remove(path));
}

/* --- flushing ----------------------------------------------------------- */

/* Dirty-page accounting of the file's page cache (Linux 6.5's cachestat),
 * to see whether a synchronous flush really wrote the data back. Returns 0,
 * or -1 where the system cannot tell. */
struct file_cachestat {
  uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

#if defined(__linux__) && !defined(__NR_cachestat) &&                          \
    (defined(__x86_64__) || defined(__aarch64__) || defined(__riscv))
#define __NR_cachestat 451
#endif

static int dirty_pages(int fd, uint64_t off, uint64_t len, uint64_t *dirty) {
#if defined(__NR_cachestat)
  struct {
    uint64_t off, len;
  } range;
  struct file_cachestat cs;
  struct statfs sf;

  /* tmpfs and ramfs have no disk: their pages stay dirty forever. */
  if (fstatfs(fd, &sf) != 0 || sf.f_type == 0x01021994 ||
      sf.f_type == (long)0x858458f6)
    return -1;
  range.off = off;
  range.len = len;
  if (syscall(__NR_cachestat, fd, &range, &cs, 0) != 0)
    return -1;
  *dirty = cs.nr_dirty + cs.nr_writeback;
  return 0;
#else
  (void)fd;
  (void)off;
  (void)len;
  (void)dirty;
  return -1;
#endif
}

TEST(file_flush_reaches_disk) {
  const char *path = test_tmp_path(0);
  size_t n = 6 * pg(), size = 4 * pg();
  uint64_t off = pg() + 100, dirty = 0;
  ipcmem_region r;
  ipcmem_file f;
  unsigned char *p, buf[64];
  int fd, can_tell;

  make_file(path, n);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  fd = ipcmem_mappable_handle(&f.base);
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, off, size, NULL, 0));
  p = ipcmem_region_addr(&r);
  memset(p, 0x5A, size);
  can_tell = dirty_pages(fd, 0, n, &dirty) == 0 && dirty > 0;
  if (!can_tell)
    fprintf(stderr, "note: the system does not show dirty pages; checking "
                    "the flushed data with read() only\n");

  /* A range flush, with the offset relative to the region: region byte
   * 2 * pg() is in file page 3 (off + 2 * pg() = 3 * pg() + 100). Flushing
   * must clean that page. */
  ASSERT_OK(ipcmem_region_flush(&r, 2 * pg(), 10, 0));
  if (can_tell) {
    ASSERT_EQ(dirty_pages(fd, 3 * pg(), pg(), &dirty), 0);
    ASSERT_U64_EQ(dirty, 0);
  }
  /* From an unaligned offset to the end of the region: file pages 3 to 5. */
  ASSERT_OK(ipcmem_region_flush(&r, 2 * pg() - 101, 0, 0));
  if (can_tell) {
    ASSERT_EQ(dirty_pages(fd, 2 * pg(), 4 * pg(), &dirty), 0);
    ASSERT_U64_EQ(dirty, 0);
  }
  /* The whole region: every page is on disk when the call returns. */
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  if (can_tell) {
    ASSERT_EQ(dirty_pages(fd, 0, n, &dirty), 0);
    ASSERT_U64_EQ(dirty, 0);
  }

  /* What plain read() sees. */
  read_at(path, off - 1, buf, 2);
  ASSERT_EQ(buf[0], pat(off - 1));
  ASSERT_EQ(buf[1], 0x5A);
  read_at(path, off + size - 1, buf, 2);
  ASSERT_EQ(buf[0], 0x5A);
  ASSERT_EQ(buf[1], pat(off + size));

  /* Asynchronous flushes only schedule the write; they succeed. */
  p[size - 1] = 0x6B;
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, IPCMEM_FLUSH_ASYNC));
  ASSERT_OK(ipcmem_region_flush(&r, size - 1, 1, IPCMEM_FLUSH_ASYNC));
  ASSERT_EQ(file_byte(path, off + size - 1), 0x6B);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
}

TEST(file_flush_unaligned_offsets) {
  const char *path = test_tmp_path(0);
  size_t n = 5 * pg(), size = 3 * pg() + 17;
  uint64_t off = 3;
  ipcmem_region r;
  ipcmem_file f;
  unsigned char *p;
  size_t i;

  make_file(path, n);
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, off, size, NULL, 0));
  p = ipcmem_region_addr(&r);
  for (i = 0; i < size; i++)
    p[i] = (unsigned char)~pat(off + i);
  ASSERT_OK(ipcmem_region_flush(&r, 1, 1, 0));
  ASSERT_OK(ipcmem_region_flush(&r, pg() - 4, 2, 0));
  ASSERT_OK(ipcmem_region_flush(&r, pg() - 3, 0, IPCMEM_FLUSH_ASYNC));
  ASSERT_OK(ipcmem_region_flush(&r, pg() + 1, pg(), 0));
  ASSERT_OK(ipcmem_region_flush(&r, 2 * pg() + 5, 1, 0));
  ASSERT_OK(ipcmem_region_flush(&r, size - 1, 1, 0));
  ASSERT_OK(ipcmem_region_flush(&r, size - 2, 0, 0));
  ASSERT_OK(ipcmem_region_flush(&r, 0, size, 0));
  {
    unsigned char *buf = malloc(n);

    ASSERT(buf != NULL);
    read_at(path, 0, buf, n);
    ASSERT(holds_pattern(buf, 0, off));
    for (i = 0; i < size; i++)
      ASSERT_EQ(buf[off + i], (unsigned char)~pat(off + i));
    ASSERT(holds_pattern(buf + off + size, off + size, n - off - size));
    free(buf);
  }
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
}

TEST(file_flush_out_of_range) {
  const char *path = test_tmp_path(0);
  size_t size = pg() + 50;
  ipcmem_region r;
  ipcmem_file f;

  make_file(path, 3 * pg());
  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, 7, size, NULL, 0));
  ASSERT_ERR(ipcmem_region_flush(&r, size, 0, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, size, 1, IPCMEM_FLUSH_ASYNC),
             IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, size + 1, 0, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, size + 1, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, size - 1, 2, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 1, SIZE_MAX, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, SIZE_MAX, 1, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, 0x2u), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_region_flush(&zero_region, 0, 0, 0), IPCMEM_EINVAL);
  /* The edges themselves are in range. */
  ASSERT_OK(ipcmem_region_flush(&r, size - 1, 1, 0));
  ASSERT_OK(ipcmem_region_flush(&r, 0, size, 0));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, 0), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* --- files larger than 4 GiB ------------------------------------------- */

TEST(file_larger_than_4gib) {
  const uint64_t big = UINT64_C(6) << 30;
  const uint64_t off = big - 100000;
  const size_t size = 64 * 1024;
  const char *path = test_tmp_path(0);
  unsigned char *p, *buf;
  ipcmem_region r, tail;
  uint64_t got = 0;
  ipcmem_file f;
  size_t i;
  int fd;

  fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  ASSERT(fd >= 0);
  if (ftruncate(fd, (off_t)big) != 0) {
    ASSERT_EQ(close(fd), 0);
    ASSERT_EQ(unlink(path), 0);
    test_skip("the file system refuses a 6 GiB sparse file");
  }
  /* A marker just before the window, written the ordinary way. */
  write_all(fd, "edge", 4, off - 4);
  ASSERT_EQ(close(fd), 0);

  ASSERT_OK(ipcmem_file_open(&f, path, IPCMEM_READ_WRITE));
  ASSERT_OK(ipcmem_file_size(&f, &got));
  ASSERT_U64_EQ(got, big);
  ASSERT_OK(
      ipcmem_region_map(&r, &f.base, IPCMEM_READ_WRITE, off, size, NULL, 0));
  ASSERT_U64_EQ(ipcmem_region_size(&r), size);
  p = ipcmem_region_addr(&r);
  for (i = 0; i < size; i++)
    ASSERT_EQ(p[i], 0);
  for (i = 0; i < size; i++)
    p[i] = pat(off + i);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));

  buf = malloc(size + 4);
  ASSERT(buf != NULL);
  read_at(path, off - 4, buf, size + 4);
  ASSERT(memcmp(buf, "edge", 4) == 0);
  ASSERT(holds_pattern(buf + 4, off, size));
  free(buf);

  /* Size 0 maps to the end: exactly the last 100000 bytes. */
  ASSERT_OK(
      ipcmem_region_map(&tail, &f.base, IPCMEM_READ_ONLY, off, 0, NULL, 0));
  ASSERT_U64_EQ(ipcmem_region_size(&tail), 100000);
  ASSERT(holds_pattern(ipcmem_region_addr(&tail), off, size));
  ASSERT_EQ(((unsigned char *)ipcmem_region_addr(&tail))[99999], 0);
  ASSERT_OK(ipcmem_region_unmap(&tail));

  /* A window past the end, and offsets at and past the end. */
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_WRITE, big - 100, size, IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_ONLY, big, 0, IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&f.base, IPCMEM_READ_ONLY, big + 1, 1, IPCMEM_ERANGE);
  /* Nothing went to the offset truncated to 32 bits (2 GiB - 100000). */
  {
    unsigned char z[16], zeros[16] = {0};

    read_at(path, (uint32_t)off, z, sizeof(z));
    ASSERT(memcmp(z, zeros, sizeof(z)) == 0);
  }

  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_file_close(&f));
  ASSERT_OK(ipcmem_file_remove(path));
}

/* --- the seed's example ------------------------------------------------- */

TEST(example_file_mapping) {
  const char *path = test_tmp_path(0);
  char *argv[] = {FILE_MAPPING, (char *)path, NULL};
  char out[4096], wrote[4200];
  const char *a, *b, *c, *d;

  snprintf(wrote, sizeof(wrote),
           "parent: wrote 10000 bytes of 1 to %s through a mapping", path);
  ASSERT_EQ(test_run_capture(argv, out, sizeof(out)), 0);
  a = TEST_EXPECT_OUTPUT(out, wrote);
  b = TEST_EXPECT_OUTPUT(out, "child: the mapping holds 10000 bytes of 1");
  c = TEST_EXPECT_OUTPUT(out, "child: read() sees the same 10000 bytes in the "
                              "file");
  d = TEST_EXPECT_OUTPUT(out,
                         "parent: the child saw the data in the mapping and "
                         "the file");
  ASSERT(a < b && b < c && c < d);
  /* The example removes its file. */
  ASSERT(access(path, F_OK) != 0 && errno == ENOENT);
}
