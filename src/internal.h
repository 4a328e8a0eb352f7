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
  IPCMEM__REGION_MMAP = 1, /* munmap / UnmapViewOfFile */
  IPCMEM__REGION_XSI = 2   /* shmdt */
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
                                  int mode, const ipcmem__window *w, void *addr,
                                  unsigned flags);

/* Applies the map flags (huge pages, prefault) to a fresh mapping at p of
 * window *w and fills *out; on failure releases the mapping. `kind` is the
 * IPCMEM__REGION_* that says how to release it. */
IPCMEM__HIDDEN int ipcmem__region_finish(ipcmem_region *out, void *p,
                                         const ipcmem__window *w, int mode,
                                         unsigned flags, int kind);

/* Flushes [p, p + len) of region r; p is aligned down to a page by the
 * caller. */
IPCMEM__HIDDEN int ipcmem__os_flush(const ipcmem_region *r, void *p, size_t len,
                                    unsigned flags);

/* --- <platform>/xsi.c ------------------------------------------------- */

/* Writes the size of XSI segment `id` to *size (IPC_STAT). */
IPCMEM__HIDDEN int ipcmem__xsi_size(int id, uint64_t *size);

/* Attaches XSI segment `id` whole (window *w covers it) at addr, or
 * anywhere if addr is NULL, and fills *out. */
IPCMEM__HIDDEN int ipcmem__xsi_attach(ipcmem_region *out, int id, int mode,
                                      const ipcmem__window *w, void *addr,
                                      unsigned flags);

/* --- shm.c (shared) and the backends ------------------------------------ */

/* 1 if the build makes the emulation the default backend. */
#ifndef IPCMEM__SHM_EMULATED_DEFAULT
#define IPCMEM__SHM_EMULATED_DEFAULT 0
#endif

/* The primitives of a backend of named objects. cname is "/" + name. Each
 * returns 0 or an IPCMEM_E* code (with the platform error recorded). */
typedef struct ipcmem__shm_ops {
  /* Creates the object exclusively, with exactly `perms`, and opens it for
   * `access`; IPCMEM_EEXIST if the name exists. Nothing is left behind on
   * failure. */
  int (*create)(ipcmem_os_handle *out, const char *cname, int access,
                unsigned perms);
  /* Opens the existing object; IPCMEM_ENOENT if it is absent. */
  int (*open)(ipcmem_os_handle *out, const char *cname, int access);
  /* Removes the name. */
  int (*remove)(const char *cname);
} ipcmem__shm_ops;

/* <platform>/shm.c: the system's shared memory. Not const so that tests can
 * replace it to simulate a system without one. */
extern IPCMEM__HIDDEN ipcmem__shm_ops ipcmem__shm_native;
/* <platform>/shm_emul.c: files in a private directory. */
extern IPCMEM__HIDDEN const ipcmem__shm_ops ipcmem__shm_emulated;

/* <platform>/shm_emul.c: writes the emulation's directory to buf. */
IPCMEM__HIDDEN int ipcmem__emul_dir_path(char *buf, size_t len);

/* <platform>/error.c: the platform error meaning "no such system call". */
IPCMEM__HIDDEN int ipcmem__os_enosys(void);

/* --- <platform>/mappable.c --------------------------------------------- */

/* Sets the size of the object behind handle h (ftruncate). */
IPCMEM__HIDDEN int ipcmem__os_truncate(ipcmem_os_handle h, uint64_t size);

/* Allocates backing store for bytes [0, size) of the object behind h. */
IPCMEM__HIDDEN int ipcmem__os_reserve(ipcmem_os_handle h, uint64_t size);

/* Writes the size of an open object to *size. */
IPCMEM__HIDDEN int ipcmem__os_mappable_size(const ipcmem_mappable *m,
                                            uint64_t *size);

/* Closes the object's handle and marks it closed. */
IPCMEM__HIDDEN int ipcmem__os_mappable_close(ipcmem_mappable *m);

#endif /* IPCMEM_INTERNAL_H */
