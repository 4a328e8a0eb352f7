/* What the POSIX and the Windows suites share besides the runner: the byte
 * pattern tests write and check, and small helpers around ipcmem_shm. Only
 * runner.h and the C library: every file that includes this compiles
 * unchanged on both systems. */
#ifndef IPCMEM_TEST_COMMON_UTIL_H
#define IPCMEM_TEST_COMMON_UTIL_H

#include "runner.h"

#include <stddef.h>
#include <stdint.h>

/* The byte every test writes at position i of an object, so that any
 * misplaced or missing byte shows up. `seed` tells writers apart. */
static inline unsigned char pattern(uint64_t i, unsigned seed) {
  return (unsigned char)((i * 7u + seed) % 251u);
}

static inline void fill(void *p, size_t n, unsigned seed) {
  unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    c[i] = pattern(i, seed);
}

/* Returns the index of the first byte that is not the pattern, or n. The
 * pattern starts at byte `from` of the object. */
static inline size_t check_from(const void *p, size_t n, uint64_t from,
                                unsigned seed) {
  const unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    if (c[i] != pattern(from + i, seed))
      return i;
  return n;
}

static inline size_t check(const void *p, size_t n, unsigned seed) {
  return check_from(p, n, 0, seed);
}

static inline int all_zero(const void *p, size_t n) {
  const unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    if (c[i] != 0)
      return 0;
  return 1;
}

static inline uint64_t shm_size(const ipcmem_shm *shm) {
  uint64_t size = 0;

  ASSERT_OK(ipcmem_shm_size(shm, &size));
  return size;
}

/* Creates object k read-write with `size` bytes and maps all of it. */
static inline void create_mapped(ipcmem_shm *shm, ipcmem_region *r, int k,
                                 uint64_t size) {
  ASSERT_OK(ipcmem_shm_open(shm, test_shm_name(k), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(shm, size));
  ASSERT_OK(ipcmem_region_map(r, &shm->base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
}

#endif /* IPCMEM_TEST_COMMON_UTIL_H */
