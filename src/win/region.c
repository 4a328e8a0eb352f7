/* Mapped regions on Windows: CreateFileMappingW, MapViewOfFileEx,
 * UnmapViewOfFile, FlushViewOfFile (+ FlushFileBuffers). */
#include "win.h"

#include <string.h>

/* Offsets and fixed addresses of views must be multiples of the allocation
 * granularity (64 KiB), not of the page size: that is the alignment a
 * caller needs, and what the shared window arithmetic aligns to. */
size_t ipcmem_page_size(void) {
  SYSTEM_INFO si;

  GetSystemInfo(&si);
  return si.dwAllocationGranularity;
}

static size_t ipcmem__vm_page(void) {
  SYSTEM_INFO si;

  GetSystemInfo(&si);
  return si.dwPageSize;
}

/* Touches one byte per page, so that later accesses do not fault: Windows
 * has no MAP_POPULATE. */
static void ipcmem__prefault(const void *p, size_t len) {
  const volatile char *c = p;
  size_t page = ipcmem__vm_page(), i;

  for (i = 0; i < len; i += page)
    (void)c[i];
}

int ipcmem__region_finish(ipcmem_region *out, void *p, const ipcmem__window *w,
                          int mode, unsigned flags, int kind) {
  /* Large pages exist only for sections created with SEC_LARGE_PAGES by a
   * holder of SeLockMemoryPrivilege; an existing view cannot get them. */
  if (flags & IPCMEM_MAP_HUGEPAGES) {
    UnmapViewOfFile(p);
    return ipcmem__os_err(ERROR_NOT_SUPPORTED);
  }
  if (flags & IPCMEM_MAP_POPULATE)
    ipcmem__prefault(p, w->map_len);
  out->addr = (char *)p + w->inner;
  out->size = w->size;
  out->map_base = p;
  out->map_len = w->map_len;
  out->mode = mode;
  out->kind = kind;
  out->file = IPCMEM_OS_HANDLE_INVALID;
  return 0;
}

/* The view access and, for files, the section protection of each mode.
 * READ_PRIVATE is a copy-on-write view made read-only afterwards, so that
 * it is private like MAP_PRIVATE | PROT_READ. */
static DWORD ipcmem__view_access(int mode) {
  switch (mode) {
  case IPCMEM_READ_ONLY:
    return FILE_MAP_READ;
  case IPCMEM_READ_WRITE:
    return FILE_MAP_READ | FILE_MAP_WRITE;
  default:
    return FILE_MAP_COPY;
  }
}

static DWORD ipcmem__section_protect(int mode) {
  switch (mode) {
  case IPCMEM_READ_ONLY:
    return PAGE_READONLY;
  case IPCMEM_READ_WRITE:
    return PAGE_READWRITE;
  default:
    return PAGE_WRITECOPY;
  }
}

static int ipcmem__is_file(int kind) {
  return kind == IPCMEM_KIND_FILE || kind == IPCMEM_KIND_SHM;
}

int ipcmem__os_map(ipcmem_region *out, const ipcmem_mappable *m, int mode,
                   const ipcmem__window *w, void *addr, unsigned flags) {
  HANDLE section = m->handle, file = NULL;
  DWORD old;
  void *p;
  int rc;

  if (m->kind == IPCMEM_KIND_XSI)
    return ipcmem__xsi_attach(out, (int)(intptr_t)m->handle, mode, w, addr,
                              flags);
  /* Checked before mapping, so that nothing is mapped only to be undone. */
  if (flags & IPCMEM_MAP_HUGEPAGES)
    return ipcmem__os_err(ERROR_NOT_SUPPORTED);
  if (ipcmem__is_file(m->kind)) {
    /* A section as large as the file now. It lives only until the view
     * is made: the view keeps it, and the file, alive. */
    section = CreateFileMappingW(m->handle, NULL, ipcmem__section_protect(mode),
                                 0, 0, NULL);
    if (section == NULL)
      return ipcmem__win_err();
    /* The region keeps the file: a synchronous flush must reach the disk
     * (FlushFileBuffers) even after the object is closed, and it marks
     * the region as file-backed for unmapping. */
    if (!DuplicateHandle(GetCurrentProcess(), m->handle, GetCurrentProcess(),
                         &file, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
      rc = ipcmem__win_err();
      CloseHandle(section);
      return rc;
    }
  }
  p = MapViewOfFileEx(section, ipcmem__view_access(mode),
                      (DWORD)(w->map_off >> 32), (DWORD)w->map_off, w->map_len,
                      addr);
  /* MapViewOfFileEx never replaces an existing mapping: at a fixed
   * address, ERROR_INVALID_ADDRESS means the range is in use. */
  rc = p == NULL ? ipcmem__win_err() : 0;
  if (section != m->handle)
    CloseHandle(section);
  if (rc == 0 && mode == IPCMEM_READ_PRIVATE &&
      !VirtualProtect(p, w->map_len, PAGE_READONLY, &old)) {
    rc = ipcmem__win_err();
    UnmapViewOfFile(p);
  }
  if (rc == 0)
    rc = ipcmem__region_finish(out, p, w, mode, flags, IPCMEM__REGION_MMAP);
  if (rc != 0) {
    if (file != NULL)
      CloseHandle(file);
    return rc;
  }
  out->file = file;
  return 0;
}

int ipcmem_region_unmap(ipcmem_region *r) {
  if (r == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (r->kind == IPCMEM__REGION_NONE)
    return 0;
  if (!UnmapViewOfFile(r->map_base))
    return ipcmem__win_err();
  if (r->file != NULL) {
    CloseHandle(r->file);
    /* This may have been the last view of a removed file (see
     * ipcmem__win_unlink): it can be deleted now. */
    ipcmem__win_pending_retry();
  }
  memset(r, 0, sizeof(*r));
  return 0;
}

int ipcmem__os_flush(const ipcmem_region *r, void *p, size_t len,
                     unsigned flags) {
  /* A private view has nothing to write back, as msync finds. */
  if (r->mode == IPCMEM_COPY_ON_WRITE || r->mode == IPCMEM_READ_PRIVATE)
    return 0;
  /* FlushViewOfFile only starts writing the dirty pages to the file; the
   * data reaches the disk when the file's buffers are flushed too. */
  if (!FlushViewOfFile(p, len))
    return ipcmem__win_err();
  if (!(flags & IPCMEM_FLUSH_ASYNC) && r->mode == IPCMEM_READ_WRITE &&
      r->file != NULL && !FlushFileBuffers(r->file))
    return ipcmem__win_err();
  return 0;
}

typedef struct ipcmem__range_entry {
  void *addr;
  SIZE_T size;
} ipcmem__range_entry;
typedef BOOL(WINAPI *ipcmem__prefetch_fn)(HANDLE, ULONG_PTR,
                                          ipcmem__range_entry *, ULONG);

/* PrefetchVirtualMemory exists from Windows 8 on; it is looked up so that
 * the library still loads on older systems (and wine), where WILLNEED is
 * then a no-op like the other advice. */
static ipcmem__prefetch_fn ipcmem__prefetch(void) {
  HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
  FARPROC f = k32 != NULL ? GetProcAddress(k32, "PrefetchVirtualMemory") : NULL;
  ipcmem__prefetch_fn fn;

  /* Through memcpy: ISO C has no conversion between function pointer
   * types that -Wcast-function-type accepts. */
  memcpy(&fn, &f, sizeof(fn));
  return fn;
}

int ipcmem_region_advise(const ipcmem_region *r, int advice) {
  ipcmem__prefetch_fn fn;
  ipcmem__range_entry e;

  if (r == NULL || r->kind == IPCMEM__REGION_NONE)
    return ipcmem__err(IPCMEM_EINVAL);
  if (advice < IPCMEM_ADVICE_NORMAL || advice > IPCMEM_ADVICE_DONTNEED)
    return ipcmem__err(IPCMEM_EINVAL);
  /* Windows has no access-pattern hints for views, and nothing like
   * DONTNEED that keeps data: those are accepted and ignored, so advice
   * never discards anything. A failed prefetch is only a lost hint. */
  if (advice == IPCMEM_ADVICE_WILLNEED && (fn = ipcmem__prefetch()) != NULL) {
    e.addr = r->map_base;
    e.size = r->map_len;
    fn(GetCurrentProcess(), 1, &e, 0);
  }
  return 0;
}
