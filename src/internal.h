/* ipcmem internals: shared between src/ and src/<platform>/. Every symbol
 * here is ipcmem__* and hidden from the shared library's exports. */
#ifndef IPCMEM_INTERNAL_H
#define IPCMEM_INTERNAL_H

#include "ipcmem.h"

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && !defined(_WIN32)
#define IPCMEM__HIDDEN __attribute__((visibility("hidden")))
#else
#define IPCMEM__HIDDEN
#endif

/* Largest offset or object size any platform API accepts (off_t is 64-bit in
 * every build: CMake sets _FILE_OFFSET_BITS=64). */
#define IPCMEM__OFF_MAX ((uint64_t)INT64_MAX)

/* Region kinds: how a region's memory must be released. */
enum {
  IPCMEM__REGION_NONE = 0,
  IPCMEM__REGION_MMAP = 1 /* munmap / UnmapViewOfFile */
};

/* --- error.c (shared) -------------------------------------------------- */

/* Records that the failure was detected by ipcmem itself (no platform error)
 * and returns `code`. Every failure path that does not come from a system
 * call returns through this, so ipcmem_last_os_error() is never stale. */
IPCMEM__HIDDEN int ipcmem__err(int code);

/* Records the platform error of a failed system call for
 * ipcmem_last_os_error(). */
IPCMEM__HIDDEN void ipcmem__set_os_error(int oserr);

/* --- <platform>/error.c ------------------------------------------------ */

/* Records `oserr` (an errno value / GetLastError() value) and returns the
 * IPCMEM_E* code it translates to. */
IPCMEM__HIDDEN int ipcmem__os_err(int oserr);

/* --- name.c (shared) --------------------------------------------------- */

/* Checks `name` against the portable rule and writes "/" + name (without a
 * duplicated slash) into out[IPCMEM_NAME_MAX + 2]. Returns 0, IPCMEM_EINVAL
 * for NULL, or IPCMEM_ENAME. Makes no system call. */
IPCMEM__HIDDEN int ipcmem__name_canon(char out[IPCMEM_NAME_MAX + 2],
                                      const char *name);

/* --- region.c (shared) ------------------------------------------------- */

/* The system-level window that a region request maps to. */
typedef struct ipcmem__window {
  uint64_t map_off; /* offset of the system mapping: page-aligned */
  size_t map_len;   /* length of the system mapping */
  size_t inner;     /* offset of the requested byte inside the mapping */
  size_t size;      /* the region's size */
} ipcmem__window;

/* Resolves (offset, size) against an object of `objsize` bytes and a page
 * size of `page`: size 0 means "to the end". Returns 0 and fills *w, or
 * IPCMEM_EEMPTY (objsize 0), IPCMEM_ERANGE (outside the object) or
 * IPCMEM_ENOMEM (larger than the address space). */
IPCMEM__HIDDEN int ipcmem__window_resolve(ipcmem__window *w, uint64_t objsize,
                                          uint64_t offset, size_t size,
                                          size_t page);

/* --- <platform>/region.c ----------------------------------------------- */

/* Maps window *w of object m with `mode` at `addr` (or anywhere if NULL)
 * and fills *out. Arguments are already validated. */
IPCMEM__HIDDEN int ipcmem__os_map(ipcmem_region *out, const ipcmem_mappable *m,
                                  int mode, const ipcmem__window *w,
                                  void *addr, unsigned flags);

/* Flushes [p, p + len) of region r; p is aligned down to a page by the
 * caller. */
IPCMEM__HIDDEN int ipcmem__os_flush(const ipcmem_region *r, void *p,
                                    size_t len, unsigned flags);

/* --- <platform>/mappable.c --------------------------------------------- */

/* Writes the size of an open object to *size. */
IPCMEM__HIDDEN int ipcmem__os_mappable_size(const ipcmem_mappable *m,
                                            uint64_t *size);

/* Closes the object's handle and marks it closed. */
IPCMEM__HIDDEN int ipcmem__os_mappable_close(ipcmem_mappable *m);

#endif /* IPCMEM_INTERNAL_H */
