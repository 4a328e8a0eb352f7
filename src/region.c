/* Mapped regions: argument checking and window arithmetic shared by every
 * platform. The system calls live in src/<platform>/region.c. */
#include "internal.h"

#include <stdint.h>

int ipcmem__window_resolve(ipcmem__window *w, uint64_t objsize, uint64_t offset,
                           size_t size, size_t page) {
  uint64_t avail;
  size_t inner;

  if (objsize == 0)
    return ipcmem__err(IPCMEM_EEMPTY);
  if (offset >= objsize)
    return ipcmem__err(IPCMEM_ERANGE);
  avail = objsize - offset;
  if (size == 0) {
    /* "To the end" of an object larger than the address space (a 6 GiB
     * file in a 32-bit process) cannot be honoured. */
    if (avail > (uint64_t)PTRDIFF_MAX)
      return ipcmem__err(IPCMEM_ENOMEM);
    size = (size_t)avail;
  } else if ((uint64_t)size > avail) {
    return ipcmem__err(IPCMEM_ERANGE);
  }
  inner = (size_t)(offset % page);
  if (size > (size_t)PTRDIFF_MAX - inner)
    return ipcmem__err(IPCMEM_ENOMEM);
  w->map_off = offset - inner;
  w->map_len = size + inner;
  w->inner = inner;
  w->size = size;
  return 0;
}

int ipcmem_region_map(ipcmem_region *out, const ipcmem_mappable *m, int mode,
                      uint64_t offset, size_t size, void *addr,
                      unsigned flags) {
  ipcmem__window w;
  uint64_t objsize;
  size_t page;
  int rc;

  if (out == NULL || m == NULL || m->kind == IPCMEM_KIND_NONE)
    return ipcmem__err(IPCMEM_EINVAL);
  if (mode < IPCMEM_READ_ONLY || mode > IPCMEM_READ_PRIVATE)
    return ipcmem__err(IPCMEM_EINVAL);
  if ((flags & ~(IPCMEM_MAP_POPULATE | IPCMEM_MAP_HUGEPAGES)) != 0)
    return ipcmem__err(IPCMEM_EINVAL);
  if (offset > IPCMEM__OFF_MAX || size > (size_t)PTRDIFF_MAX)
    return ipcmem__err(IPCMEM_EINVAL);
  page = ipcmem_page_size();
  if (addr != NULL && ((uintptr_t)addr % page != 0 || offset % page != 0))
    return ipcmem__err(IPCMEM_EINVAL);
  if (mode == IPCMEM_READ_WRITE && m->access != IPCMEM_READ_WRITE)
    return ipcmem__err(IPCMEM_EMODE);

  /* XSI segments can only be attached whole and shared. Boost silently
   * ignores an offset here; a caller who asked for one would then read the
   * wrong bytes, so ipcmem refuses. */
  if (m->kind == IPCMEM_KIND_XSI && mode != IPCMEM_READ_ONLY &&
      mode != IPCMEM_READ_WRITE)
    return ipcmem__err(IPCMEM_ENOTSUP);
  if (m->kind == IPCMEM_KIND_XSI && offset != 0)
    return ipcmem__err(IPCMEM_EINVAL);

  /* An explicit window inside the size this handle itself gave the object
   * needs no fstat: creating, sizing and mapping is the common path, and
   * the extra system call was most of ipcmem's cost over bare calls. The
   * floor is a lower bound; anything beyond it is checked with the system.
   * (A size read from the system is no stronger: another process can shrink
   * the object right after either check.) */
  if (size != 0 && m->size_floor != 0 && m->kind != IPCMEM_KIND_XSI &&
      offset < m->size_floor && (uint64_t)size <= m->size_floor - offset)
    objsize = m->size_floor;
  else if ((rc = ipcmem__os_mappable_size(m, &objsize)) != 0)
    return rc;
  if (m->kind == IPCMEM_KIND_XSI && size != 0 && (uint64_t)size != objsize)
    return ipcmem__err(IPCMEM_EINVAL);
  rc = ipcmem__window_resolve(&w, objsize, offset, size, page);
  if (rc != 0)
    return rc;
  if (addr != NULL && (uintptr_t)addr > UINTPTR_MAX - w.map_len)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem__os_map(out, m, mode, &w, addr, flags);
}

int ipcmem_region_flush(const ipcmem_region *r, size_t offset, size_t size,
                        unsigned flags) {
  char *start, *base;
  size_t page;

  if (r == NULL || r->kind == IPCMEM__REGION_NONE)
    return ipcmem__err(IPCMEM_EINVAL);
  if ((flags & ~IPCMEM_FLUSH_ASYNC) != 0)
    return ipcmem__err(IPCMEM_EINVAL);
  if (offset >= r->size)
    return ipcmem__err(IPCMEM_ERANGE);
  if (size == 0)
    size = r->size - offset;
  else if (size > r->size - offset)
    return ipcmem__err(IPCMEM_ERANGE);
  /* The system flushes whole pages and wants a page-aligned start; the page
   * below is always inside the mapping because the mapping itself starts on
   * a page boundary. */
  page = ipcmem_page_size();
  start = (char *)r->addr + offset;
  base = start - (uintptr_t)start % page;
  return ipcmem__os_flush(r, base, (size_t)(start - base) + size, flags);
}

void *ipcmem_region_addr(const ipcmem_region *r) {
  return r != NULL && r->kind != IPCMEM__REGION_NONE ? r->addr : NULL;
}

size_t ipcmem_region_size(const ipcmem_region *r) {
  return r != NULL && r->kind != IPCMEM__REGION_NONE ? r->size : 0;
}

int ipcmem_region_mode(const ipcmem_region *r) {
  return r != NULL && r->kind != IPCMEM__REGION_NONE ? r->mode : 0;
}

int ipcmem_mappable_size(const ipcmem_mappable *m, uint64_t *size) {
  uint64_t s;
  int rc;

  if (m == NULL || size == NULL || m->kind == IPCMEM_KIND_NONE)
    return ipcmem__err(IPCMEM_EINVAL);
  rc = ipcmem__os_mappable_size(m, &s);
  if (rc == 0)
    *size = s;
  return rc;
}

int ipcmem_mappable_kind(const ipcmem_mappable *m) {
  return m != NULL ? m->kind : IPCMEM_KIND_NONE;
}

ipcmem_os_handle ipcmem_mappable_handle(const ipcmem_mappable *m) {
  return m != NULL && m->kind != IPCMEM_KIND_NONE ? m->handle
                                                  : IPCMEM_OS_HANDLE_INVALID;
}
