/* Mapped regions on Unix: mmap(2), munmap(2), msync(2), posix_madvise(3). */
#include "sys.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS MAP_ANON /* older BSDs and macOS spell it so */
#endif

/* Linux >= 4.17 refuses to replace an existing mapping with this flag.
 * Elsewhere (and on older kernels, which ignore unknown flags) the address
 * is only a hint, and ipcmem__os_map checks where the mapping landed. */
#if defined(MAP_FIXED_NOREPLACE)
#define IPCMEM__MAP_NOREPLACE MAP_FIXED_NOREPLACE
#else
#define IPCMEM__MAP_NOREPLACE 0
#endif

#if defined(MAP_POPULATE)
#define IPCMEM__MAP_POPULATE MAP_POPULATE
#else
#define IPCMEM__MAP_POPULATE 0
#endif

size_t ipcmem_page_size(void) {
  long p = sysconf(_SC_PAGESIZE);

  return p > 0 ? (size_t)p : 4096;
}

#if defined(MADV_HUGEPAGE)
static int ipcmem__hugepages(void *p, size_t len) {
  if (madvise(p, len, MADV_HUGEPAGE) == 0)
    return 0;
  /* EINVAL here means the kernel was built without transparent huge
   * pages, or they cannot back this kind of mapping. */
  return ipcmem__os_err(errno == EINVAL ? ENOTSUP : errno);
}
#else
static int ipcmem__hugepages(void *p, size_t len) {
  (void)p;
  (void)len;
  ipcmem__set_os_error(0);
  return IPCMEM_ENOTSUP;
}
#endif

/* Touches one byte per page so that later accesses do not fault; the
 * fallback for systems without MAP_POPULATE. */
static void ipcmem__prefault(const void *p, size_t len) {
  const volatile char *c = p;
  size_t page = ipcmem_page_size(), i;

  for (i = 0; i < len; i += page)
    (void)c[i];
}

static void ipcmem__region_fill(ipcmem_region *out, void *p, size_t len,
                                size_t inner, size_t size, int mode, int kind) {
  out->addr = (char *)p + inner;
  out->size = size;
  out->map_base = p;
  out->map_len = len;
  out->mode = mode;
  out->kind = kind;
  out->file = IPCMEM_OS_HANDLE_INVALID;
}

static int ipcmem__release(void *p, size_t len, int kind) {
  return kind == IPCMEM__REGION_XSI ? shmdt(p) : munmap(p, len);
}

int ipcmem__region_finish(ipcmem_region *out, void *p, const ipcmem__window *w,
                          int mode, unsigned flags, int kind) {
  int rc;

  if (flags & IPCMEM_MAP_HUGEPAGES) {
    rc = ipcmem__hugepages(p, w->map_len);
    if (rc != 0) {
      ipcmem__release(p, w->map_len, kind);
      return rc;
    }
  }
  if ((flags & IPCMEM_MAP_POPULATE) &&
      (kind != IPCMEM__REGION_MMAP || IPCMEM__MAP_POPULATE == 0))
    ipcmem__prefault(p, w->map_len);
  ipcmem__region_fill(out, p, w->map_len, w->inner, w->size, mode, kind);
  return 0;
}

int ipcmem__os_map(ipcmem_region *out, const ipcmem_mappable *m, int mode,
                   const ipcmem__window *w, void *addr, unsigned flags) {
  int prot, mflags;
  void *p;

  if (m->kind == IPCMEM_KIND_XSI)
    return ipcmem__xsi_attach(out, m->handle, mode, w, addr, flags);
  switch (mode) {
  case IPCMEM_READ_ONLY:
    prot = PROT_READ;
    mflags = MAP_SHARED;
    break;
  case IPCMEM_READ_WRITE:
    prot = PROT_READ | PROT_WRITE;
    mflags = MAP_SHARED;
    break;
  case IPCMEM_COPY_ON_WRITE:
    prot = PROT_READ | PROT_WRITE;
    mflags = MAP_PRIVATE;
    break;
  default:
    prot = PROT_READ;
    mflags = MAP_PRIVATE;
    break;
  }
  if (flags & IPCMEM_MAP_POPULATE)
    mflags |= IPCMEM__MAP_POPULATE;
  if (addr != NULL)
    mflags |= IPCMEM__MAP_NOREPLACE;

  p = ipcmem__sys.mmap(addr, w->map_len, prot, mflags, m->handle,
                       (off_t)w->map_off);
  if (p == MAP_FAILED) {
    if (addr != NULL && errno == EEXIST) {
      ipcmem__set_os_error(EEXIST);
      return IPCMEM_EBUSY;
    }
    return ipcmem__os_err(errno);
  }
  if (addr != NULL && p != addr) {
    /* The hint was not honoured: something occupies the range. */
    munmap(p, w->map_len);
    ipcmem__set_os_error(EEXIST);
    return IPCMEM_EBUSY;
  }
  return ipcmem__region_finish(out, p, w, mode, flags, IPCMEM__REGION_MMAP);
}

int ipcmem_anon_map(ipcmem_region *out, size_t size) {
  void *p;

  if (out == NULL || size == 0 || size > (size_t)PTRDIFF_MAX)
    return ipcmem__err(IPCMEM_EINVAL);
  p = ipcmem__sys.mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return ipcmem__os_err(errno);
  ipcmem__region_fill(out, p, size, 0, size, IPCMEM_READ_WRITE,
                      IPCMEM__REGION_MMAP);
  return 0;
}

int ipcmem_region_unmap(ipcmem_region *r) {
  if (r == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (r->kind == IPCMEM__REGION_NONE)
    return 0;
  if (ipcmem__release(r->map_base, r->map_len, r->kind) != 0)
    return ipcmem__os_err(errno);
  memset(r, 0, sizeof(*r));
  return 0;
}

int ipcmem__os_flush(const ipcmem_region *r, void *p, size_t len,
                     unsigned flags) {
  /* An XSI segment is its own backing store: nothing to write back. */
  if (r->kind == IPCMEM__REGION_XSI)
    return 0;
  if (msync(p, len, (flags & IPCMEM_FLUSH_ASYNC) ? MS_ASYNC : MS_SYNC) != 0)
    return ipcmem__os_err(errno);
  return 0;
}

int ipcmem_region_advise(const ipcmem_region *r, int advice) {
  static const int table[] = {POSIX_MADV_NORMAL, POSIX_MADV_SEQUENTIAL,
                              POSIX_MADV_RANDOM, POSIX_MADV_WILLNEED,
                              POSIX_MADV_DONTNEED};
  int rc;

  if (r == NULL || r->kind == IPCMEM__REGION_NONE)
    return ipcmem__err(IPCMEM_EINVAL);
  if (advice < IPCMEM_ADVICE_NORMAL || advice > IPCMEM_ADVICE_DONTNEED)
    return ipcmem__err(IPCMEM_EINVAL);
  /* posix_madvise, unlike Linux madvise(MADV_DONTNEED), never throws away
   * the contents of a private mapping: advice stays a hint. */
  rc = posix_madvise(r->map_base, r->map_len, table[advice]);
  return rc == 0 ? 0 : ipcmem__os_err(rc);
}
