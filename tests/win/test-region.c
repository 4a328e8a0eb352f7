/* Mapped regions on Windows: the alignment a caller must respect is the
 * allocation granularity (64 KiB), fixed addresses, flush, advice and the
 * map flags. Regions of unnamed sections, so that no name is involved. */
#include "wintest.h"

/* An unnamed read-write section of `size` bytes holding pattern `seed`. */
static void make_object(ipcmem_winshm *w, uint64_t size, unsigned seed) {
  ipcmem_region r;

  ASSERT_OK(
      ipcmem_winshm_open(w, NULL, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, size));
  ASSERT_OK(ipcmem_region_map(&r, &w->base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), (size_t)size, seed);
  ASSERT_OK(ipcmem_region_unmap(&r));
}

/* Reserves and releases address space to find a granularity-aligned range
 * of `len` bytes that is free right now. */
static void *free_address(size_t len) {
  void *p = VirtualAlloc(NULL, len, MEM_RESERVE, PAGE_NOACCESS);

  ASSERT(p != NULL);
  ASSERT(VirtualFree(p, 0, MEM_RELEASE));
  return p;
}

TEST(region_page_size_is_granularity) {
  size_t g = ipcmem_page_size();

  ASSERT_EQ(g, sys_granularity());
  ASSERT_EQ(g, 65536);
  ASSERT(g % sys_page() == 0);
}

TEST(region_queries) {
  ipcmem_winshm w;
  ipcmem_region r, zero;

  make_object(&w, 3 * 65536, 1);
  ASSERT_OK(
      ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 10, 1000, NULL, 0));
  ASSERT(ipcmem_region_addr(&r) != NULL);
  ASSERT_EQ(ipcmem_region_size(&r), 1000);
  ASSERT_EQ(ipcmem_region_mode(&r), IPCMEM_READ_WRITE);
  ASSERT_U64_EQ(check_from(ipcmem_region_addr(&r), 1000, 10, 1), 1000);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT(ipcmem_region_addr(&r) == NULL);
  ASSERT_EQ(ipcmem_region_size(&r), 0);
  ASSERT_EQ(ipcmem_region_mode(&r), 0);
  ASSERT_OK(ipcmem_region_unmap(&r));
  memset(&zero, 0, sizeof(zero));
  ASSERT_OK(ipcmem_region_unmap(&zero));
  ASSERT_ERR(ipcmem_region_unmap(NULL), IPCMEM_EINVAL);
  ASSERT(ipcmem_region_addr(NULL) == NULL);
  ASSERT_EQ(ipcmem_region_size(NULL), 0);
  ASSERT_EQ(ipcmem_region_mode(NULL), 0);
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* Any offset works: the library maps from the granularity boundary below
 * and returns the requested byte. */
TEST(region_unaligned_offsets) {
  static const uint64_t offs[] = {
      1, 4096, 4097, 65535, 65536, 65537, 2 * 65536 + 12345};
  ipcmem_winshm w;
  ipcmem_region r;
  size_t i;

  make_object(&w, 4 * 65536, 2);
  for (i = 0; i < COUNT(offs); i++) {
    ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, offs[i], 5000,
                                NULL, 0));
    ASSERT_U64_EQ(check_from(ipcmem_region_addr(&r), 5000, offs[i], 2), 5000);
    /* The address is as far into a granularity unit as the offset. */
    ASSERT_EQ((uintptr_t)ipcmem_region_addr(&r) % 65536, offs[i] % 65536);
    ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
    ASSERT_OK(ipcmem_region_unmap(&r));
  }
  ASSERT_OK(ipcmem_winshm_close(&w));
}

TEST(region_fixed_address) {
  ipcmem_winshm w;
  ipcmem_region r;
  void *addr;

  make_object(&w, 4 * 65536, 3);
  addr = free_address(2 * 65536);
  ASSERT_EQ((uintptr_t)addr % ipcmem_page_size(), 0);
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 65536, 2 * 65536,
                              addr, 0));
  ASSERT_PTR_EQ(ipcmem_region_addr(&r), addr);
  ASSERT_U64_EQ(check_from(addr, 2 * 65536, 65536, 3), 2 * 65536);
  ASSERT_OK(ipcmem_region_unmap(&r));
  /* The address is free again after the unmap. */
  ASSERT_OK(
      ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, 0, 65536, addr, 0));
  ASSERT_PTR_EQ(ipcmem_region_addr(&r), addr);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* Page-aligned is not enough on Windows: the granularity is the rule, for
 * the address and for the offset. */
TEST(region_fixed_misaligned) {
  ipcmem_winshm w;
  ipcmem_region r;
  char *addr;

  make_object(&w, 4 * 65536, 4);
  addr = free_address(3 * 65536);
  memset(&r, JUNK, sizeof(r));
  ASSERT_ERR(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 65536,
                               addr + 4096, 0),
             IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(
      ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 65536, addr + 1, 0),
      IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 4096, 65536, addr, 0),
      IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 1, 65536, addr, 0),
      IPCMEM_EINVAL);
  ASSERT_EQ(((unsigned char *)&r)[0], JUNK);
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* A fixed address where something is mapped fails with EBUSY and leaves
 * the existing view exactly as it was. */
TEST(region_fixed_busy) {
  ipcmem_winshm a, b;
  ipcmem_region first, r;
  char *addr;

  make_object(&a, 2 * 65536, 5);
  make_object(&b, 2 * 65536, 6);
  ASSERT_OK(
      ipcmem_region_map(&first, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  addr = ipcmem_region_addr(&first);
  memset(&r, JUNK, sizeof(r));
  ASSERT_ERR(
      ipcmem_region_map(&r, &b.base, IPCMEM_READ_WRITE, 0, 65536, addr, 0),
      IPCMEM_EBUSY);
  ASSERT(ipcmem_last_os_error() != 0);
  /* Overlapping only the second half is busy too. */
  ASSERT_ERR(ipcmem_region_map(&r, &b.base, IPCMEM_READ_WRITE, 0, 65536,
                               addr + 65536, 0),
             IPCMEM_EBUSY);
  ASSERT_EQ(((unsigned char *)&r)[0], JUNK);
  ASSERT_U64_EQ(check(addr, 2 * 65536, 5), 2 * 65536);
  fill(addr, 2 * 65536, 7);
  ASSERT_U64_EQ(check(addr, 2 * 65536, 7), 2 * 65536);
  ASSERT_OK(ipcmem_region_unmap(&first));
  ASSERT_OK(ipcmem_winshm_close(&b));
  ASSERT_OK(ipcmem_winshm_close(&a));
}

TEST(region_bad_mode_and_flags) {
  ipcmem_winshm w;
  ipcmem_region r;

  make_object(&w, 65536, 8);
  ASSERT_ERR(ipcmem_region_map(&r, &w.base, 0, 0, 0, NULL, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_map(&r, &w.base, 5, 0, 0, NULL, 0), IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0x100),
      IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_map(NULL, &w.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_map(&r, NULL, IPCMEM_READ_ONLY, 0, 0, NULL, 0),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY,
                               (uint64_t)INT64_MAX + 1, 1, NULL, 0),
             IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, 10, SIZE_MAX, NULL, 0),
      IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_winshm_close(&w));
  ASSERT_ERR(ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0),
             IPCMEM_EINVAL);
}

/* Huge pages are Linux's transparent huge pages: not on Windows. */
TEST(region_hugepages_not_supported) {
  ipcmem_winshm w;
  ipcmem_region r;

  make_object(&w, 65536, 9);
  memset(&r, JUNK, sizeof(r));
  ASSERT_ERR(ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, 0, 0, NULL,
                               IPCMEM_MAP_HUGEPAGES),
             IPCMEM_ENOTSUP);
  ASSERT_ERR(ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, 0, 0, NULL,
                               IPCMEM_MAP_HUGEPAGES | IPCMEM_MAP_POPULATE),
             IPCMEM_ENOTSUP);
  ASSERT_EQ(((unsigned char *)&r)[0], JUNK);
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* Populate prefaults: every page of the view is committed and readable at
 * once, with the object's data. */
TEST(region_populate) {
  ipcmem_winshm w;
  ipcmem_region r;
  MEMORY_BASIC_INFORMATION mbi;
  int modes[] = {IPCMEM_READ_ONLY, IPCMEM_READ_WRITE, IPCMEM_COPY_ON_WRITE,
                 IPCMEM_READ_PRIVATE};
  size_t i;

  make_object(&w, 3 * 65536, 10);
  for (i = 0; i < COUNT(modes); i++) {
    ASSERT_OK(ipcmem_region_map(&r, &w.base, modes[i], 100, 0, NULL,
                                IPCMEM_MAP_POPULATE));
    ASSERT_EQ(ipcmem_region_size(&r), 3 * 65536 - 100);
    ASSERT(VirtualQuery(ipcmem_region_addr(&r), &mbi, sizeof(mbi)) ==
           sizeof(mbi));
    ASSERT_EQ(mbi.State, MEM_COMMIT);
    ASSERT_U64_EQ(check_from(ipcmem_region_addr(&r), 3 * 65536 - 100, 100, 10),
                  3 * 65536 - 100);
    ASSERT_OK(ipcmem_region_unmap(&r));
  }
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* Advice is a hint: every value is accepted and no data is lost, not even
 * a private copy's after DONTNEED. */
TEST(region_advise) {
  ipcmem_winshm w;
  ipcmem_region r, cow;
  int advice;

  make_object(&w, 2 * 65536, 11);
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 5, 0, NULL, 0));
  ASSERT_OK(
      ipcmem_region_map(&cow, &w.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&cow), 2 * 65536, 12);
  for (advice = IPCMEM_ADVICE_NORMAL; advice <= IPCMEM_ADVICE_DONTNEED;
       advice++) {
    ASSERT_OK(ipcmem_region_advise(&r, advice));
    ASSERT_OK(ipcmem_region_advise(&cow, advice));
  }
  ASSERT_U64_EQ(check_from(ipcmem_region_addr(&r), 2 * 65536 - 5, 5, 11),
                2 * 65536 - 5);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&cow), 2 * 65536, 12), 2 * 65536);
  ASSERT_ERR(ipcmem_region_advise(&r, 5), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_advise(&r, -1), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_advise(NULL, IPCMEM_ADVICE_NORMAL), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_region_unmap(&cow));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_ERR(ipcmem_region_advise(&r, IPCMEM_ADVICE_NORMAL), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* Flush ranges of a pagefile-backed region: accepted at any offset, checked
 * against the region's end. */
TEST(region_flush_ranges) {
  ipcmem_winshm w;
  ipcmem_region r;
  size_t size;

  make_object(&w, 2 * 65536, 13);
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 3, 0, NULL, 0));
  size = ipcmem_region_size(&r);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_flush(&r, 1, 1, 0));
  ASSERT_OK(ipcmem_region_flush(&r, size - 1, 1, IPCMEM_FLUSH_ASYNC));
  ASSERT_OK(ipcmem_region_flush(&r, 4097, 0, IPCMEM_FLUSH_ASYNC));
  ASSERT_ERR(ipcmem_region_flush(&r, size, 0, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, size + 1, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 1, SIZE_MAX, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, 2), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* A region keeps its object alive after the object's handle is closed. */
TEST(region_outlives_object) {
  ipcmem_winshm w;
  ipcmem_region r;

  make_object(&w, 65536, 14);
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_winshm_close(&w));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 65536, 14), 65536);
  fill(ipcmem_region_addr(&r), 65536, 15);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 65536, 15), 65536);
  ASSERT_OK(ipcmem_region_unmap(&r));
}
