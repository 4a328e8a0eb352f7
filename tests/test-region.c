/* Mapped regions: ipcmem_region_map() and everything done with a region
 * (modes, offsets, fixed addresses, flush, advice, flags, lifetime). */
#include "runner.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* --- helpers -------------------------------------------------------------- */

/* The byte at position i of every object these tests fill. It depends on
 * the whole position and does not repeat, so a region that starts at the
 * wrong offset shows the wrong bytes. */
static unsigned char pat(uint64_t i) {
  return (unsigned char)((i * UINT64_C(0x9E3779B97F4A7C15)) >> 56);
}

static size_t pg(void) { return ipcmem_page_size(); }

/* Checks that n bytes at p are the pattern of the object from offset off. */
#define CHECK_PAT(p, off, n) check_pat_(__FILE__, __LINE__, (p), (off), (n))
static void check_pat_(const char *file, int line, const void *p, uint64_t off,
                       size_t n) {
  const unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    if (c[i] != pat(off + i))
      test_fail_(file, line, "byte %zu (object offset %llu) is %d, not %d", i,
                 (unsigned long long)(off + i), c[i], pat(off + i));
}

/* Writes the pattern into the object through its descriptor, so that the
 * setup does not depend on the mapping code under test. */
static void fill_fd(int fd, uint64_t size) {
  unsigned char buf[4096];
  uint64_t off = 0;
  size_t n, i;

  while (off < size) {
    n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
    for (i = 0; i < n; i++)
      buf[i] = pat(off + i);
    ASSERT_EQ(pwrite(fd, buf, n, (off_t)off), (long long)n);
    off += n;
  }
}

/* Creates object k read-write, sets its size and fills it with the
 * pattern. */
static void make_obj(ipcmem_shm *shm, int k, uint64_t size) {
  ASSERT_OK(ipcmem_shm_open(shm, test_shm_name(k), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(shm, size));
  fill_fd(ipcmem_mappable_handle(&shm->base), size);
}

/* Creates object k and fills it, then reopens it read-only; the
 * read-write handle is closed. */
static void make_ro_obj(ipcmem_shm *shm, int k, uint64_t size) {
  ipcmem_shm rw;

  make_obj(&rw, k, size);
  ASSERT_OK(ipcmem_shm_close(&rw));
  ASSERT_OK(ipcmem_shm_open(shm, test_shm_name(k), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0));
}

static void drop_obj(ipcmem_shm *shm, int k) {
  ASSERT_OK(ipcmem_shm_close(shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(k)));
}

static int obj_fd(const ipcmem_shm *shm) {
  return ipcmem_mappable_handle(&shm->base);
}

/* One byte of the object, read through its descriptor. */
static int fd_byte(int fd, uint64_t off) {
  unsigned char c;

  ASSERT_EQ(pread(fd, &c, 1, (off_t)off), 1);
  return c;
}

/* msync() fails with ENOMEM on a page that is not mapped: that tells a live
 * mapping from a removed one without touching (and faulting on) it. */
static int page_mapped(const void *p) {
  void *page = (void *)((uintptr_t)p - (uintptr_t)p % pg());

  if (msync(page, pg(), MS_ASYNC) == 0)
    return 1;
  ASSERT_EQ(errno, ENOMEM);
  return 0;
}

/* Whether every page of [p, p + n) is unmapped. */
static int range_unmapped(const void *p, size_t n) {
  uintptr_t a = (uintptr_t)p - (uintptr_t)p % pg();

  for (; a < (uintptr_t)p + n; a += pg())
    if (page_mapped((const void *)a))
      return 0;
  return 1;
}

/* Whether n bytes at p can be written by the process. read() into memory
 * the process may not write fails with EFAULT instead of raising a signal,
 * and the bytes read are the ones already there, so a writable region is
 * left as it was. Chunks of 4 KiB never fill the pipe, whatever the page
 * size. */
static int writable(void *p, size_t n) {
  unsigned char *c = p;
  size_t off, chunk;
  int fds[2], ok = 1;
  ssize_t got;

  ASSERT_EQ(pipe(fds), 0);
  for (off = 0; off < n && ok; off += chunk) {
    chunk = n - off < 4096 ? n - off : 4096;
    ASSERT_EQ(write(fds[1], c + off, chunk), (long long)chunk);
    got = read(fds[0], c + off, chunk);
    ok = got == (ssize_t)chunk;
    if (!ok)
      ASSERT_EQ(errno, EFAULT);
  }
  close(fds[0]);
  close(fds[1]);
  return ok;
}

/* A free page-aligned range of n bytes: mapped and unmapped again, so that
 * nothing else lives there (the tests are single-threaded). */
static void *free_range(size_t n) {
  ipcmem_region t;
  void *a;

  ASSERT_OK(ipcmem_anon_map(&t, n));
  a = ipcmem_region_addr(&t);
  ASSERT_OK(ipcmem_region_unmap(&t));
  ASSERT(range_unmapped(a, n));
  return a;
}

/* The map must fail with exactly `code` and leave the output untouched. */
#define EXPECT_MAP_FAIL(m, mode, off, size, addr, flags, code)                 \
  do {                                                                         \
    ipcmem_region got_, want_;                                                 \
    memset(&got_, 0xA5, sizeof(got_));                                         \
    memset(&want_, 0xA5, sizeof(want_));                                       \
    ASSERT_ERR(                                                                \
        ipcmem_region_map(&got_, (m), (mode), (off), (size), (addr), (flags)), \
        (code));                                                               \
    ASSERT(memcmp(&got_, &want_, sizeof(got_)) == 0);                          \
  } while (0)

static const ipcmem_region zero_region;

/* --- page size and queries ------------------------------------------------ */

TEST(region_page_size) {
  long p = sysconf(_SC_PAGESIZE);

  ASSERT(p > 0);
  ASSERT_U64_EQ(ipcmem_page_size(), (unsigned long)p);
  ASSERT_EQ(ipcmem_page_size() & (ipcmem_page_size() - 1), 0);
}

TEST(region_queries) {
  static const int modes[] = {IPCMEM_READ_ONLY, IPCMEM_READ_WRITE,
                              IPCMEM_COPY_ON_WRITE, IPCMEM_READ_PRIVATE};
  ipcmem_shm shm;
  ipcmem_region r;
  size_t i;

  make_obj(&shm, 0, 2 * pg() + 3);
  for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    ASSERT_OK(ipcmem_region_map(&r, &shm.base, modes[i], 5, 100, NULL, 0));
    ASSERT(ipcmem_region_addr(&r) != NULL);
    ASSERT_U64_EQ(ipcmem_region_size(&r), 100);
    ASSERT_EQ(ipcmem_region_mode(&r), modes[i]);
    ASSERT_OK(ipcmem_region_unmap(&r));
    /* Unmapping zeroes the struct, so the accessors see "not mapped". */
    ASSERT(memcmp(&r, &zero_region, sizeof(r)) == 0);
    ASSERT_PTR_EQ(ipcmem_region_addr(&r), NULL);
    ASSERT_U64_EQ(ipcmem_region_size(&r), 0);
    ASSERT_EQ(ipcmem_region_mode(&r), 0);
  }
  ASSERT_PTR_EQ(ipcmem_region_addr(NULL), NULL);
  ASSERT_U64_EQ(ipcmem_region_size(NULL), 0);
  ASSERT_EQ(ipcmem_region_mode(NULL), 0);
  ASSERT_PTR_EQ(ipcmem_region_addr(&zero_region), NULL);
  ASSERT_U64_EQ(ipcmem_region_size(&zero_region), 0);
  ASSERT_EQ(ipcmem_region_mode(&zero_region), 0);
  drop_obj(&shm, 0);
}

/* --- modes ---------------------------------------------------------------- */

TEST(region_read_only) {
  ipcmem_shm shm;
  ipcmem_region r;
  unsigned char *p;
  size_t n = 3 * pg() + 100;

  make_obj(&shm, 0, n);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  ASSERT_U64_EQ(ipcmem_region_size(&r), n);
  ASSERT_EQ(ipcmem_region_mode(&r), IPCMEM_READ_ONLY);
  ASSERT_EQ((uintptr_t)p % pg(), 0);
  CHECK_PAT(p, 0, n);
  ASSERT(!writable(p, 1));
  ASSERT(!writable(p + n - 1, 1));
  /* Read-only is still shared: a write to the object shows through. */
  ASSERT_EQ(pwrite(obj_fd(&shm), "Z", 1, (off_t)(pg() + 1)), 1);
  ASSERT_EQ(p[pg() + 1], 'Z');
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

TEST(region_read_write_second_mapping) {
  ipcmem_shm shm;
  ipcmem_region a, b, ro;
  unsigned char *pa, *pb, *pr;
  size_t n = 2 * pg();

  make_obj(&shm, 0, n);
  ASSERT_OK(ipcmem_region_map(&a, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&b, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&ro, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  pa = ipcmem_region_addr(&a);
  pb = ipcmem_region_addr(&b);
  pr = ipcmem_region_addr(&ro);
  ASSERT(pa != pb);
  ASSERT(writable(pa, n));
  CHECK_PAT(pb, 0, n);

  memcpy(pa + 10, "first", 6);
  memcpy(pb + pg() + 20, "second", 7);
  ASSERT(memcmp(pb + 10, "first", 6) == 0);
  ASSERT(memcmp(pr + 10, "first", 6) == 0);
  ASSERT(memcmp(pa + pg() + 20, "second", 7) == 0);
  ASSERT(memcmp(pr + pg() + 20, "second", 7) == 0);
  /* The writes are in the object itself. */
  ASSERT_EQ(fd_byte(obj_fd(&shm), 10), 'f');
  ASSERT_EQ(fd_byte(obj_fd(&shm), pg() + 20), 's');

  ASSERT_OK(ipcmem_region_unmap(&a));
  ASSERT_OK(ipcmem_region_unmap(&b));
  ASSERT_OK(ipcmem_region_unmap(&ro));
  drop_obj(&shm, 0);
}

/* The other side of region_read_write_process: maps the object by name,
 * checks the test's write, writes its own, then checks the test's second
 * write. */
HELPER(region_rw_peer) {
  ipcmem_shm shm;
  ipcmem_region r;
  unsigned char *p;

  ASSERT_EQ(argc, 1);
  ASSERT_OK(
      ipcmem_shm_open(&shm, argv[0], IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_shm_close(&shm));
  p = ipcmem_region_addr(&r);
  ASSERT(memcmp(p, "parent1", 8) == 0);
  memcpy(p + 100, "helper1", 8);
  helper_ready();
  helper_wait_go();
  ASSERT(memcmp(p + 200, "parent2", 8) == 0);
  ASSERT_OK(ipcmem_region_unmap(&r));
  return 0;
}

TEST(region_read_write_process) {
  ipcmem_shm shm;
  ipcmem_region r;
  test_proc h;
  unsigned char *p;

  make_obj(&shm, 0, pg());
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  memcpy(p, "parent1", 8);
  test_spawn(&h, "region_rw_peer", test_shm_name(0), NULL);
  test_proc_wait_ready(&h);
  ASSERT(memcmp(p + 100, "helper1", 8) == 0);
  memcpy(p + 200, "parent2", 8);
  test_proc_go(&h);
  ASSERT_EQ(test_proc_join(&h), 0);
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

/* Maps the named object read-only and checks that all of it is still the
 * pattern. */
HELPER(region_check_pattern) {
  ipcmem_shm shm;
  ipcmem_region r;

  ASSERT_EQ(argc, 1);
  ASSERT_OK(
      ipcmem_shm_open(&shm, argv[0], IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_shm_close(&shm));
  CHECK_PAT(ipcmem_region_addr(&r), 0, ipcmem_region_size(&r));
  ASSERT_OK(ipcmem_region_unmap(&r));
  return 0;
}

TEST(region_copy_on_write) {
  ipcmem_shm shm;
  ipcmem_region c, w, ro;
  unsigned char *pc, *pw, *pr;
  size_t n = 2 * pg() + 50;
  test_proc h;

  make_obj(&shm, 0, n);
  ASSERT_OK(
      ipcmem_region_map(&c, &shm.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&w, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&ro, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&c), IPCMEM_COPY_ON_WRITE);
  pc = ipcmem_region_addr(&c);
  pw = ipcmem_region_addr(&w);
  pr = ipcmem_region_addr(&ro);
  CHECK_PAT(pc, 0, n);

  /* Every page of the copy gets a private write. */
  memset(pc, 0x11, 10);
  memset(pc + pg() + 7, 0x22, 10);
  memset(pc + n - 10, 0x33, 10);
  ASSERT_EQ(pc[0], 0x11);
  ASSERT_EQ(pc[pg() + 7], 0x22);
  ASSERT_EQ(pc[n - 1], 0x33);

  /* Nobody else sees them: not another mapping, not the object, not
   * another process. */
  CHECK_PAT(pw, 0, n);
  CHECK_PAT(pr, 0, n);
  ASSERT_EQ(fd_byte(obj_fd(&shm), 0), pat(0));
  ASSERT_EQ(fd_byte(obj_fd(&shm), n - 1), pat(n - 1));
  test_spawn(&h, "region_check_pattern", test_shm_name(0), NULL);
  ASSERT_EQ(test_proc_join(&h), 0);

  /* Mapping the object again shows the original bytes: the writes are
   * gone with the private copy. */
  ASSERT_OK(ipcmem_region_unmap(&c));
  ASSERT_OK(
      ipcmem_region_map(&c, &shm.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  CHECK_PAT(ipcmem_region_addr(&c), 0, n);

  ASSERT_OK(ipcmem_region_unmap(&c));
  ASSERT_OK(ipcmem_region_unmap(&w));
  ASSERT_OK(ipcmem_region_unmap(&ro));
  drop_obj(&shm, 0);
}

TEST(region_read_private) {
  ipcmem_shm shm;
  ipcmem_region r;
  unsigned char *p;
  size_t n = pg() + 9;

  make_obj(&shm, 0, n);
  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&r), IPCMEM_READ_PRIVATE);
  ASSERT_U64_EQ(ipcmem_region_size(&r), n);
  p = ipcmem_region_addr(&r);
  CHECK_PAT(p, 0, n);
  ASSERT(!writable(p, 1));
  ASSERT(!writable(p + n - 1, 1));
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

TEST(region_modes_of_read_only_object) {
  ipcmem_shm shm;
  ipcmem_region r;
  unsigned char *p;
  size_t n = 2 * pg();

  make_ro_obj(&shm, 0, n);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0, IPCMEM_EMODE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_WRITE, pg(), 1, NULL,
                  IPCMEM_MAP_POPULATE, IPCMEM_EMODE);
  ASSERT_EQ(ipcmem_last_os_error(), 0);

  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  CHECK_PAT(p, 0, n);
  ASSERT(!writable(p, 1));
  ASSERT_OK(ipcmem_region_unmap(&r));

  /* A private copy is writable even though the object is not, and the
   * writes stay private. */
  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  CHECK_PAT(p, 0, n);
  memset(p, 0x7E, n);
  ASSERT_EQ(p[n - 1], 0x7E);
  ASSERT_EQ(fd_byte(obj_fd(&shm), 0), pat(0));
  ASSERT_EQ(fd_byte(obj_fd(&shm), n - 1), pat(n - 1));
  ASSERT_OK(ipcmem_region_unmap(&r));

  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_PRIVATE, 3, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  CHECK_PAT(p, 3, n - 3);
  ASSERT(!writable(p, 1));
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

TEST(region_modes_of_read_write_object) {
  ipcmem_shm shm;
  ipcmem_region r;
  unsigned char *p;
  size_t n = 2 * pg();

  make_obj(&shm, 0, n);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  CHECK_PAT(p, 0, n);
  ASSERT(!writable(p, n));
  ASSERT_OK(ipcmem_region_unmap(&r));

  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  CHECK_PAT(p, 0, n);
  ASSERT(writable(p, n));
  p[0] = (unsigned char)~pat(0);
  ASSERT_EQ(fd_byte(obj_fd(&shm), 0), pat(0));
  ASSERT_OK(ipcmem_region_unmap(&r));

  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  CHECK_PAT(p, 0, n);
  ASSERT(!writable(p, 1));
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

TEST(region_bad_mode_and_flags) {
  static const int modes[] = {0, 5, -1, INT_MAX, INT_MIN};
  static const unsigned flags[] = {0x4u, 0x8u, 0x80000000u, ~0u,
                                   IPCMEM_MAP_POPULATE | 0x100u};
  ipcmem_shm shm, missing;
  size_t i;

  make_obj(&shm, 0, pg());
  for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    /* A failed system call first, so that the refusal has an os error to
     * clear. */
    ASSERT_ERR(ipcmem_shm_open(&missing, test_shm_name(1), IPCMEM_OPEN_ONLY,
                               IPCMEM_READ_ONLY, 0),
               IPCMEM_ENOENT);
    ASSERT(ipcmem_last_os_error() != 0);
    EXPECT_MAP_FAIL(&shm.base, modes[i], 0, 0, NULL, 0, IPCMEM_EINVAL);
    ASSERT_EQ(ipcmem_last_os_error(), 0);
  }
  for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
    EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, flags[i],
                    IPCMEM_EINVAL);
    EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, flags[i],
                    IPCMEM_EINVAL);
  }
  drop_obj(&shm, 0);
}

/* --- offset and size ------------------------------------------------------ */

TEST(region_size_zero_maps_to_end) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 3 * pg() + 77;
  uint64_t offs[6];
  size_t i;

  offs[0] = 0;
  offs[1] = 1;
  offs[2] = 100;
  offs[3] = pg();
  offs[4] = pg() + 7;
  offs[5] = n - 1;
  make_obj(&shm, 0, n);
  for (i = 0; i < 6; i++) {
    ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, offs[i], 0,
                                NULL, 0));
    ASSERT_U64_EQ(ipcmem_region_size(&r), n - offs[i]);
    CHECK_PAT(ipcmem_region_addr(&r), offs[i], n - offs[i]);
    ASSERT_OK(ipcmem_region_unmap(&r));
  }
  drop_obj(&shm, 0);
}

TEST(region_unaligned_offset) {
  static const int modes[] = {IPCMEM_READ_ONLY, IPCMEM_READ_WRITE,
                              IPCMEM_COPY_ON_WRITE, IPCMEM_READ_PRIVATE};
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 5 * pg(), sizes[4], size;
  uint64_t offs[7];
  unsigned char *p;
  size_t i, j, m;

  offs[0] = 1;
  offs[1] = pg() - 1;
  offs[2] = pg();
  offs[3] = pg() + 7;
  offs[4] = 3 * pg() + 123;
  offs[5] = n - 2;
  offs[6] = 12345 % n;
  sizes[0] = 1;
  sizes[1] = 2;
  sizes[2] = pg() + 1;
  sizes[3] = 0;
  make_obj(&shm, 0, n);
  for (m = 0; m < 4; m++) {
    for (i = 0; i < 7; i++) {
      for (j = 0; j < 4; j++) {
        if (sizes[j] > n - offs[i])
          continue;
        ASSERT_OK(ipcmem_region_map(&r, &shm.base, modes[m], offs[i], sizes[j],
                                    NULL, 0));
        size = sizes[j] != 0 ? sizes[j] : n - offs[i];
        p = ipcmem_region_addr(&r);
        ASSERT_U64_EQ(ipcmem_region_size(&r), size);
        /* The first byte sits where the object's byte sits in its page. */
        ASSERT_U64_EQ((uintptr_t)p % pg(), offs[i] % pg());
        CHECK_PAT(p, offs[i], size);
        if (modes[m] == IPCMEM_READ_WRITE) {
          /* A write lands on the object's byte at that offset. */
          p[0] = (unsigned char)~pat(offs[i]);
          ASSERT_EQ(fd_byte(obj_fd(&shm), offs[i]),
                    (unsigned char)~pat(offs[i]));
          p[0] = pat(offs[i]);
        }
        ASSERT_OK(ipcmem_region_unmap(&r));
      }
    }
  }
  drop_obj(&shm, 0);
}

TEST(region_unaligned_unmap) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 8 * pg(), size;
  uint64_t off;
  unsigned char *p;
  int i;

  make_obj(&shm, 0, n);
  /* A region of two pages at offset page + 7 spans three system pages;
   * unmapping it must release all three. */
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, pg() + 7,
                              2 * pg(), NULL, 0));
  p = ipcmem_region_addr(&r);
  ASSERT(page_mapped(p - 7));
  ASSERT(page_mapped(p + 2 * pg() - 1));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT(memcmp(&r, &zero_region, sizeof(r)) == 0);
  ASSERT(range_unmapped(p - 7, 2 * pg() + 7));

  /* Many rounds with varied offsets and sizes: each region shows the right
   * bytes and is completely gone after unmapping. */
  for (i = 0; i < 500; i++) {
    off = ((uint64_t)i * 4099u + 1) % (n - 1);
    size = 1 + ((size_t)i * 997u) % (size_t)(n - off);
    ASSERT_OK(
        ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, off, size, NULL, 0));
    p = ipcmem_region_addr(&r);
    ASSERT_EQ(p[0], pat(off));
    ASSERT_EQ(p[size - 1], pat(off + size - 1));
    ASSERT_OK(ipcmem_region_unmap(&r));
    ASSERT(range_unmapped(p, size));
  }
  drop_obj(&shm, 0);
}

TEST(region_range_errors) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 2 * pg() + 10;

  make_obj(&shm, 0, n);
  /* The offset at or past the end. */
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, n, 0, NULL, 0, IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, n, 1, NULL, 0, IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_WRITE, n + 1, 0, NULL, 0,
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, n + pg(), 0, NULL, 0,
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_COPY_ON_WRITE, 4 * pg(), 0, NULL, 0,
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, (uint64_t)INT64_MAX, 0, NULL, 0,
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, (uint64_t)INT64_MAX, 1, NULL, 0,
                  IPCMEM_ERANGE);
  /* The offset inside, the end past it. */
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, n + 1, NULL, 0,
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 10, n - 9, NULL, 0,
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_PRIVATE, n - 1, 2, NULL, 0,
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, pg(), 2 * pg(), NULL, 0,
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 1, (size_t)PTRDIFF_MAX, NULL, 0,
                  IPCMEM_ERANGE);

  /* The exact fits on either side of those limits work. */
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, n, NULL, 0));
  ASSERT_U64_EQ(ipcmem_region_size(&r), n);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 10, n - 10, NULL, 0));
  CHECK_PAT(ipcmem_region_addr(&r), 10, n - 10);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, n - 1, 1, NULL, 0));
  CHECK_PAT(ipcmem_region_addr(&r), n - 1, 1);
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

TEST(region_empty_object) {
  static const int modes[] = {IPCMEM_READ_ONLY, IPCMEM_READ_WRITE,
                              IPCMEM_COPY_ON_WRITE, IPCMEM_READ_PRIVATE};
  ipcmem_shm shm;
  size_t i;

  make_obj(&shm, 0, 0);
  for (i = 0; i < 4; i++) {
    EXPECT_MAP_FAIL(&shm.base, modes[i], 0, 0, NULL, 0, IPCMEM_EEMPTY);
    EXPECT_MAP_FAIL(&shm.base, modes[i], 0, 1, NULL, 0, IPCMEM_EEMPTY);
    EXPECT_MAP_FAIL(&shm.base, modes[i], 0, pg(), NULL, IPCMEM_MAP_POPULATE,
                    IPCMEM_EEMPTY);
  }
  /* An object that had a size and was truncated to 0 is empty too. */
  ASSERT_OK(ipcmem_shm_truncate(&shm, pg()));
  ASSERT_OK(ipcmem_shm_truncate(&shm, 0));
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0, IPCMEM_EEMPTY);
  drop_obj(&shm, 0);
}

TEST(region_huge_offset_and_size) {
  ipcmem_shm shm;

  make_obj(&shm, 0, pg());
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, UINT64_MAX, 0, NULL, 0,
                  IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, (uint64_t)INT64_MAX + 1, 0, NULL,
                  0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, UINT64_MAX, 1, NULL, 0,
                  IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, (size_t)PTRDIFF_MAX + 1, NULL,
                  0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, SIZE_MAX, NULL, 0,
                  IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_WRITE, 1, SIZE_MAX, NULL, 0,
                  IPCMEM_EINVAL);
  /* The largest valid values are refused as out of range, not invalid. */
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, (uint64_t)INT64_MAX, 0, NULL, 0,
                  IPCMEM_ERANGE);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, (size_t)PTRDIFF_MAX, NULL, 0,
                  IPCMEM_ERANGE);
  drop_obj(&shm, 0);
}

/* The decided behaviour: there is no zero-length region. Size 0 never asks
 * for an empty region (it means "to the end"), so the only way to ask for
 * one, an offset at the end, is refused, and the smallest region has one
 * byte. */
TEST(region_never_empty) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = pg() + 1;

  make_obj(&shm, 0, n);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, n, 0, NULL, 0, IPCMEM_ERANGE);
  ASSERT_OK(
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, n - 1, 0, NULL, 0));
  ASSERT_U64_EQ(ipcmem_region_size(&r), 1);
  CHECK_PAT(ipcmem_region_addr(&r), n - 1, 1);
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

/* --- fixed addresses ------------------------------------------------------ */

TEST(region_fixed_address) {
  static const int modes[] = {IPCMEM_READ_ONLY, IPCMEM_READ_WRITE,
                              IPCMEM_COPY_ON_WRITE, IPCMEM_READ_PRIVATE};
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 4 * pg();
  unsigned char *a, *p;
  size_t i;

  make_obj(&shm, 0, n);
  for (i = 0; i < 4; i++) {
    a = free_range(n);
    ASSERT_OK(ipcmem_region_map(&r, &shm.base, modes[i], 0, 0, a, 0));
    ASSERT_PTR_EQ(ipcmem_region_addr(&r), a);
    ASSERT_U64_EQ(ipcmem_region_size(&r), n);
    CHECK_PAT(a, 0, n);
    ASSERT_OK(ipcmem_region_unmap(&r));
    ASSERT(range_unmapped(a, n));
  }

  /* With a page-aligned offset and a size that is not a page multiple. */
  a = free_range(n);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, pg(), pg() + 5,
                              a, IPCMEM_MAP_POPULATE));
  p = ipcmem_region_addr(&r);
  ASSERT_PTR_EQ(p, a);
  ASSERT_U64_EQ(ipcmem_region_size(&r), pg() + 5);
  CHECK_PAT(p, pg(), pg() + 5);
  p[3] = 0xEE;
  ASSERT_EQ(fd_byte(obj_fd(&shm), pg() + 3), 0xEE);
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

TEST(region_fixed_misaligned) {
  ipcmem_shm shm;
  size_t n = 4 * pg();
  unsigned char *a;

  make_obj(&shm, 0, n);
  a = free_range(n);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, 0, a + 1, 0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, pg(), a + pg() / 2, 0,
                  IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_WRITE, 0, 0, a + pg() - 1, 0,
                  IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  /* An aligned address with an offset that is not. */
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 1, 0, a, 0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, pg() + 7, pg(), a, 0,
                  IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_COPY_ON_WRITE, pg() - 1, 1, a, 0,
                  IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  /* Nothing was mapped there on the way. */
  ASSERT(range_unmapped(a, n));
  drop_obj(&shm, 0);
}

TEST(region_fixed_busy) {
  ipcmem_shm a, b;
  ipcmem_region ra, rb;
  size_t n = 2 * pg();
  unsigned char *pa, *x;

  make_obj(&a, 0, n);
  make_obj(&b, 1, n);
  ASSERT_OK(ipcmem_region_map(&ra, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  pa = ipcmem_region_addr(&ra);
  memset(pa, 0x5A, n);

  /* Exactly over the existing region, in every mode. */
  EXPECT_MAP_FAIL(&b.base, IPCMEM_READ_ONLY, 0, 0, pa, 0, IPCMEM_EBUSY);
  ASSERT(ipcmem_last_os_error() != 0);
  EXPECT_MAP_FAIL(&b.base, IPCMEM_READ_WRITE, 0, 0, pa, 0, IPCMEM_EBUSY);
  EXPECT_MAP_FAIL(&b.base, IPCMEM_COPY_ON_WRITE, 0, pg(), pa, 0, IPCMEM_EBUSY);
  EXPECT_MAP_FAIL(&b.base, IPCMEM_READ_PRIVATE, pg(), 0, pa + pg(),
                  IPCMEM_MAP_POPULATE, IPCMEM_EBUSY);
  /* Another region of the same object does not get to replace it either. */
  EXPECT_MAP_FAIL(&a.base, IPCMEM_READ_WRITE, 0, 0, pa, 0, IPCMEM_EBUSY);

  /* The existing region is untouched: same bytes, and still the shared
   * memory of object a (a write through it reaches a, not b). */
  ASSERT_EQ(pa[0], 0x5A);
  ASSERT_EQ(pa[n - 1], 0x5A);
  pa[pg()] = 0xC3;
  ASSERT_EQ(fd_byte(obj_fd(&a), pg()), 0xC3);
  ASSERT_EQ(fd_byte(obj_fd(&b), pg()), pat(pg()));
  ASSERT_EQ(fd_byte(obj_fd(&b), 0), pat(0));
  ASSERT_OK(ipcmem_region_unmap(&ra));

  /* A range that overlaps only the first page of a region: busy, and the
   * free page in front of it stays free. Right next to the region is not
   * busy. */
  x = free_range(4 * pg());
  ASSERT_OK(ipcmem_region_map(&ra, &a.base, IPCMEM_READ_WRITE, 0, 0,
                              x + 2 * pg(), 0));
  EXPECT_MAP_FAIL(&b.base, IPCMEM_READ_ONLY, 0, 0, x + pg(), 0, IPCMEM_EBUSY);
  ASSERT(range_unmapped(x, pg()));
  ASSERT_OK(ipcmem_region_map(&rb, &b.base, IPCMEM_READ_ONLY, 0, 0, x, 0));
  ASSERT_PTR_EQ(ipcmem_region_addr(&rb), x);
  CHECK_PAT(x, 0, n);
  ASSERT_EQ(x[2 * pg()], 0x5A);
  ASSERT_OK(ipcmem_region_unmap(&rb));
  ASSERT_OK(ipcmem_region_unmap(&ra));
  drop_obj(&a, 0);
  drop_obj(&b, 1);
}

TEST(region_fixed_wraps) {
  ipcmem_shm shm;
  char *top = (char *)(UINTPTR_MAX - pg() + 1);

  make_obj(&shm, 0, 2 * pg());
  /* The last page of the address space: two pages would wrap to 0. */
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, 0, top, 0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, pg() + 1, top, 0,
                  IPCMEM_EINVAL);
  /* One page there ends exactly at 2^N, which is not an address either. */
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, pg(), top, 0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_WRITE, pg(), 0, top, 0, IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  drop_obj(&shm, 0);
}

/* --- lifetime ------------------------------------------------------------- */

TEST(region_outlives_object) {
  ipcmem_shm shm;
  ipcmem_region a, b;
  unsigned char *pa, *pb;
  size_t n = 3 * pg();

  make_obj(&shm, 0, n);
  ASSERT_OK(ipcmem_region_map(&a, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&b, &shm.base, IPCMEM_READ_ONLY, 7, 0, NULL, 0));
  pa = ipcmem_region_addr(&a);
  pb = ipcmem_region_addr(&b);

  ASSERT_OK(ipcmem_shm_close(&shm));
  CHECK_PAT(pa, 0, n);
  pa[100] = 0x01;
  ASSERT_EQ(pb[93], 0x01);
  /* A closed object cannot be mapped, but its regions go on. */
  EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0, IPCMEM_EINVAL);

  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
  pa[n - 1] = 0x02;
  ASSERT_EQ(pb[n - 8], 0x02);
  ASSERT_EQ(pa[100], 0x01);
  ASSERT_OK(ipcmem_region_flush(&a, 0, 0, 0));
  ASSERT_OK(ipcmem_region_unmap(&a));
  ASSERT_OK(ipcmem_region_unmap(&b));
}

/* --- flush ---------------------------------------------------------------- */

TEST(region_flush) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 3 * pg() + 5;
  unsigned char *p;

  make_obj(&shm, 0, n);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  memset(p, 0x44, n);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, IPCMEM_FLUSH_ASYNC));
  ASSERT_OK(ipcmem_region_flush(&r, pg(), 0, 0));
  ASSERT_OK(ipcmem_region_flush(&r, pg(), 0, IPCMEM_FLUSH_ASYNC));
  ASSERT_OK(ipcmem_region_flush(&r, 1, 10, 0));
  ASSERT_OK(ipcmem_region_flush(&r, pg() + 3, 0, 0));
  ASSERT_OK(ipcmem_region_flush(&r, pg() + 3, pg(), IPCMEM_FLUSH_ASYNC));
  ASSERT_OK(ipcmem_region_flush(&r, pg() - 1, 2, 0));
  ASSERT_OK(ipcmem_region_flush(&r, 0, n, 0));
  ASSERT_OK(ipcmem_region_flush(&r, n - 1, 1, 0));
  ASSERT_OK(ipcmem_region_flush(&r, n - 1, 0, IPCMEM_FLUSH_ASYNC));
  ASSERT_EQ(fd_byte(obj_fd(&shm), n - 1), 0x44);
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

TEST(region_flush_errors) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 2 * pg() + 5;

  make_obj(&shm, 0, n);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_ERR(ipcmem_region_flush(&r, n, 0, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, n, 1, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, n + 1, 0, IPCMEM_FLUSH_ASYNC),
             IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, SIZE_MAX, 0, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, n + 1, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 1, n, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, n - 1, 2, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 1, SIZE_MAX, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, SIZE_MAX, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, 0x2u), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, 0x80000000u), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, ~0u), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_region_flush(NULL, 0, 0, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_flush(&zero_region, 0, 0, 0), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, 0), IPCMEM_EINVAL);
  drop_obj(&shm, 0);
}

TEST(region_flush_unaligned_region) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 4 * pg(), size = 2 * pg();
  unsigned char *p;

  make_obj(&shm, 0, n);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, pg() + 7, size,
                              NULL, 0));
  p = ipcmem_region_addr(&r);
  memset(p, 0x66, size);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_flush(&r, 0, 1, 0));
  ASSERT_OK(ipcmem_region_flush(&r, 1, 1, IPCMEM_FLUSH_ASYNC));
  ASSERT_OK(ipcmem_region_flush(&r, pg() - 7, 10, 0));
  ASSERT_OK(ipcmem_region_flush(&r, pg() - 8, 0, 0));
  ASSERT_OK(ipcmem_region_flush(&r, size - 1, 1, 0));
  ASSERT_OK(ipcmem_region_flush(&r, size - 1, 0, IPCMEM_FLUSH_ASYNC));
  ASSERT_ERR(ipcmem_region_flush(&r, size, 0, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, size + 1, 0), IPCMEM_ERANGE);
  ASSERT_EQ(fd_byte(obj_fd(&shm), pg() + 7), 0x66);
  ASSERT_EQ(fd_byte(obj_fd(&shm), pg() + 6), pat(pg() + 6));
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

/* --- advice --------------------------------------------------------------- */

TEST(region_advise) {
  static const int advice[] = {IPCMEM_ADVICE_NORMAL, IPCMEM_ADVICE_SEQUENTIAL,
                               IPCMEM_ADVICE_RANDOM, IPCMEM_ADVICE_WILLNEED,
                               IPCMEM_ADVICE_DONTNEED};
  ipcmem_shm shm;
  ipcmem_region r, u;
  size_t n = 4 * pg(), i;

  make_obj(&shm, 0, n);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&u, &shm.base, IPCMEM_READ_ONLY, pg() + 9, 100,
                              NULL, 0));
  for (i = 0; i < 5; i++) {
    ASSERT_OK(ipcmem_region_advise(&r, advice[i]));
    ASSERT_OK(ipcmem_region_advise(&u, advice[i]));
  }
  /* Advice is a hint: the shared contents are all still there. */
  CHECK_PAT(ipcmem_region_addr(&r), 0, n);
  CHECK_PAT(ipcmem_region_addr(&u), pg() + 9, 100);
  ASSERT_ERR(ipcmem_region_advise(&r, -1), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_advise(&r, 5), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_advise(&r, INT_MAX), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_advise(&r, INT_MIN), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_region_advise(NULL, IPCMEM_ADVICE_NORMAL), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_advise(&zero_region, IPCMEM_ADVICE_NORMAL),
             IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_region_unmap(&u));
  ASSERT_ERR(ipcmem_region_advise(&r, IPCMEM_ADVICE_WILLNEED), IPCMEM_EINVAL);
  drop_obj(&shm, 0);
}

TEST(region_advise_dontneed_keeps_private_copy) {
  ipcmem_shm shm;
  ipcmem_region c, w;
  size_t n = 3 * pg();
  unsigned char *p;

  make_obj(&shm, 0, n);
  ASSERT_OK(
      ipcmem_region_map(&c, &shm.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&w, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&c);
  memset(p, 0x99, n);
  /* Linux's madvise(MADV_DONTNEED) would drop these private pages and show
   * the object's bytes again; the advice must not. */
  ASSERT_OK(ipcmem_region_advise(&c, IPCMEM_ADVICE_DONTNEED));
  ASSERT_EQ(p[0], 0x99);
  ASSERT_EQ(p[pg() + 1], 0x99);
  ASSERT_EQ(p[n - 1], 0x99);
  /* And shared writes stay in the object. */
  p = ipcmem_region_addr(&w);
  memset(p, 0x77, n);
  ASSERT_OK(ipcmem_region_advise(&w, IPCMEM_ADVICE_DONTNEED));
  ASSERT_EQ(p[n - 1], 0x77);
  ASSERT_EQ(fd_byte(obj_fd(&shm), n - 1), 0x77);
  ASSERT_OK(ipcmem_region_unmap(&c));
  ASSERT_OK(ipcmem_region_unmap(&w));
  drop_obj(&shm, 0);
}

/* --- flags ---------------------------------------------------------------- */

TEST(region_populate) {
  static const int modes[] = {IPCMEM_READ_ONLY, IPCMEM_READ_WRITE,
                              IPCMEM_COPY_ON_WRITE, IPCMEM_READ_PRIVATE};
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 5 * pg() + 3, i;

  make_obj(&shm, 0, n);
  for (i = 0; i < 4; i++) {
    ASSERT_OK(ipcmem_region_map(&r, &shm.base, modes[i], 0, 0, NULL,
                                IPCMEM_MAP_POPULATE));
    CHECK_PAT(ipcmem_region_addr(&r), 0, n);
    ASSERT_OK(ipcmem_region_unmap(&r));
    ASSERT_OK(ipcmem_region_map(&r, &shm.base, modes[i], pg() + 1, 10, NULL,
                                IPCMEM_MAP_POPULATE));
    CHECK_PAT(ipcmem_region_addr(&r), pg() + 1, 10);
    ASSERT_OK(ipcmem_region_unmap(&r));
  }
  drop_obj(&shm, 0);
}

/* How many of the `pages` pages at p are resident, by mincore(). */
static size_t resident_pages(void *p, size_t pages) {
  unsigned char vec[64];
  size_t i, n = 0;

  ASSERT(pages <= sizeof(vec));
#if defined(__linux__)
  ASSERT_EQ(mincore(p, pages * pg(), vec), 0);
#else
  (void)p;
  memset(vec, 0, sizeof(vec));
#endif
  for (i = 0; i < pages; i++)
    n += vec[i] & 1;
  return n;
}

/* The table of tests is made from the TEST lines whatever the preprocessor
 * would keep, so the test exists everywhere and skips where mincore() does
 * not say what Linux's says. */
TEST(region_populate_resident) {
  ipcmem_shm fresh, control;
  ipcmem_region r;

#if !defined(__linux__)
  test_skip("mincore() residency is only checked on Linux");
#endif
  /* Objects that were only given a size have no pages yet. */
  ASSERT_OK(ipcmem_shm_open(&control, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&control, 64 * pg()));
  ASSERT_OK(ipcmem_shm_open(&fresh, test_shm_name(1), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&fresh, 64 * pg()));

  /* Without the flag, mapping faults nothing in: this shows that mincore
   * can tell the difference here. */
  ASSERT_OK(
      ipcmem_region_map(&r, &control.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT(resident_pages(ipcmem_region_addr(&r), 64) < 64);
  ASSERT_OK(ipcmem_region_unmap(&r));

  ASSERT_OK(ipcmem_region_map(&r, &fresh.base, IPCMEM_READ_WRITE, 0, 0, NULL,
                              IPCMEM_MAP_POPULATE));
  ASSERT_U64_EQ(resident_pages(ipcmem_region_addr(&r), 64), 64);
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&control, 0);
  drop_obj(&fresh, 1);
}

TEST(region_hugepages) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t n = 4u << 20;
  unsigned char *p;
  int have_thp;

  /* The expectation comes from the system, not from the library: a kernel
   * with transparent huge pages has this directory, if sysfs is mounted to
   * tell (a bare chroot or container may not have it). */
  if (access("/sys/kernel", F_OK) != 0)
    test_skip("sysfs is not mounted: cannot tell if the kernel has THP");
  have_thp = access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0;
  make_obj(&shm, 0, n);
  if (!have_thp) {
    EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_WRITE, 0, 0, NULL,
                    IPCMEM_MAP_HUGEPAGES, IPCMEM_ENOTSUP);
    EXPECT_MAP_FAIL(&shm.base, IPCMEM_READ_ONLY, 0, 0, NULL,
                    IPCMEM_MAP_HUGEPAGES | IPCMEM_MAP_POPULATE, IPCMEM_ENOTSUP);
    drop_obj(&shm, 0);
    return;
  }
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL,
                              IPCMEM_MAP_HUGEPAGES));
  p = ipcmem_region_addr(&r);
  ASSERT_U64_EQ(ipcmem_region_size(&r), n);
  CHECK_PAT(p, 0, n);
  p[n - 1] = (unsigned char)~pat(n - 1);
  ASSERT_EQ(fd_byte(obj_fd(&shm), n - 1), (unsigned char)~pat(n - 1));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 5, 0, NULL,
                              IPCMEM_MAP_HUGEPAGES | IPCMEM_MAP_POPULATE));
  CHECK_PAT(ipcmem_region_addr(&r), 5, 1000);
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}

/* --- NULL and zeroed arguments -------------------------------------------- */

TEST(region_null_arguments) {
  ipcmem_shm shm, zero_shm, closed;
  ipcmem_anon zero_anon;
  ipcmem_mappable zero_m;
  ipcmem_region r;

  memset(&zero_shm, 0, sizeof(zero_shm));
  memset(&zero_anon, 0, sizeof(zero_anon));
  memset(&zero_m, 0, sizeof(zero_m));
  make_obj(&shm, 0, pg());
  make_obj(&closed, 1, pg());
  ASSERT_OK(ipcmem_shm_close(&closed));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(1)));

  ASSERT_ERR(
      ipcmem_region_map(NULL, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0),
      IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(NULL, IPCMEM_READ_ONLY, 0, 0, NULL, 0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&zero_shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0,
                  IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&zero_anon.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0,
                  IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&zero_m, IPCMEM_READ_ONLY, 0, 0, NULL, 0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&closed.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&closed.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0,
                  IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);

  ASSERT_ERR(ipcmem_region_unmap(NULL), IPCMEM_EINVAL);
  memset(&r, 0, sizeof(r));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT(memcmp(&r, &zero_region, sizeof(r)) == 0);

  /* Unmapping twice: the second time the struct is already zeroed. */
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_obj(&shm, 0);
}
