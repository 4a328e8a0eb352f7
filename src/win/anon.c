/* Anonymous shared memory on Windows: an unnamed section backed by the
 * paging file. There is no fork(): a child gets the section by inheriting
 * or being given a duplicate of its handle (see docs/windows.md), and wraps
 * it with ipcmem_anon_from_handle(). */
#include "win.h"

/* Creates an unnamed read-write pagefile section of `size` bytes. Its
 * handle is not inheritable (the default without security attributes), the
 * Windows analogue of O_CLOEXEC. */
static int ipcmem__anon_section(HANDLE *out, uint64_t size) {
  HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                                (DWORD)(size >> 32), (DWORD)size, NULL);

  if (h == NULL)
    return ipcmem__win_err();
  *out = h;
  return 0;
}

int ipcmem_anon_open(ipcmem_anon *out, uint64_t size) {
  HANDLE h = NULL;
  int rc;

  if (out == NULL || size == 0 || size > IPCMEM__OFF_MAX)
    return ipcmem__err(IPCMEM_EINVAL);
  rc = ipcmem__anon_section(&h, size);
  if (rc != 0)
    return rc;
  out->base.handle = h;
  out->base.kind = IPCMEM_KIND_ANON;
  out->base.access = IPCMEM_READ_WRITE;
  out->base.size_floor = size;
  return 0;
}

int ipcmem_anon_from_handle(ipcmem_anon *out, ipcmem_os_handle h,
                            uint64_t size) {
  MEMORY_BASIC_INFORMATION mbi;
  void *p;
  int rc = 0;

  if (out == NULL || h == NULL || h == INVALID_HANDLE_VALUE ||
      size > IPCMEM__OFF_MAX)
    return ipcmem__err(IPCMEM_EINVAL);
  /* A read-write view proves that h is a section this process may map for
   * writing, and measures it (page-rounded: all Windows tells). */
  p = MapViewOfFile(h, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
  if (p == NULL)
    return ipcmem__win_err();
  if (VirtualQuery(p, &mbi, sizeof(mbi)) != sizeof(mbi))
    rc = ipcmem__win_err();
  else if (size > (uint64_t)mbi.RegionSize)
    rc = ipcmem__err(IPCMEM_ERANGE);
  UnmapViewOfFile(p);
  if (rc != 0)
    return rc;
  out->base.handle = h;
  out->base.kind = IPCMEM_KIND_ANON;
  out->base.access = IPCMEM_READ_WRITE;
  out->base.size_floor = size != 0 ? size : (uint64_t)mbi.RegionSize;
  return 0;
}

int ipcmem_anon_close(ipcmem_anon *anon) {
  if (anon == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (anon->base.kind == IPCMEM_KIND_NONE)
    return 0;
  return ipcmem__os_mappable_close(&anon->base);
}

int ipcmem_anon_map(ipcmem_region *out, size_t size) {
  ipcmem__window w;
  HANDLE h = NULL;
  void *p;
  int rc;

  if (out == NULL || size == 0 || size > (size_t)PTRDIFF_MAX)
    return ipcmem__err(IPCMEM_EINVAL);
  rc = ipcmem__anon_section(&h, size);
  if (rc != 0)
    return rc;
  /* The view keeps the section alive; the handle is not needed. */
  p = MapViewOfFile(h, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, size);
  rc = p == NULL ? ipcmem__win_err() : 0;
  CloseHandle(h);
  if (rc != 0)
    return rc;
  w.map_off = 0;
  w.map_len = size;
  w.inner = 0;
  w.size = size;
  return ipcmem__region_finish(out, p, &w, IPCMEM_READ_WRITE, 0,
                               IPCMEM__REGION_MMAP);
}
