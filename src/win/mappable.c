/* What every mappable shares on Windows: its size and its closing. Named
 * objects (the emulation) and files are file handles; native objects and
 * anonymous objects are section (file mapping) handles. */
#include "win.h"

/* Windows has no call that tells a section's size without ntdll's
 * NtQuerySection, so a view of the whole section is mapped and measured.
 * The answer is a whole number of pages: all Windows knows. */
static int ipcmem__section_size(HANDLE h, uint64_t *size) {
  MEMORY_BASIC_INFORMATION mbi;
  void *p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
  int rc = 0;

  if (p == NULL)
    return ipcmem__win_err();
  if (VirtualQuery(p, &mbi, sizeof(mbi)) != sizeof(mbi))
    rc = ipcmem__win_err();
  else
    *size = (uint64_t)mbi.RegionSize;
  UnmapViewOfFile(p);
  return rc;
}

int ipcmem__os_mappable_size(const ipcmem_mappable *m, uint64_t *size) {
  LARGE_INTEGER li;

  switch (m->kind) {
  case IPCMEM_KIND_ANON:
    /* An anonymous section cannot be resized, and its exact size is known
     * from its creation; Windows would only report it page-rounded. */
    if (m->size_floor != 0) {
      *size = m->size_floor;
      return 0;
    }
    return ipcmem__section_size(m->handle, size);
  case IPCMEM_KIND_WINSHM:
    return ipcmem__section_size(m->handle, size);
  case IPCMEM_KIND_XSI:
    return ipcmem__xsi_size((int)(intptr_t)m->handle, size);
  default:
    if (!GetFileSizeEx(m->handle, &li))
      return ipcmem__win_err();
    *size = (uint64_t)li.QuadPart;
    return 0;
  }
}

int ipcmem__os_mappable_close(ipcmem_mappable *m) {
  HANDLE h = m->handle;

  /* Marked closed first, as on Unix: a handle that failed to close is gone
   * all the same, and closing it again could close someone else's. */
  m->handle = IPCMEM_OS_HANDLE_INVALID;
  m->kind = IPCMEM_KIND_NONE;
  if (!CloseHandle(h))
    return ipcmem__win_err();
  return 0;
}

/* Only file handles (the emulation's objects) are ever truncated. Setting
 * the end of file allocates no data: NTFS reads the new tail as zeros
 * without writing them. Shrinking a file that has a view fails with
 * ERROR_USER_MAPPED_FILE (IPCMEM_EBUSY): Windows will not pull pages out
 * from under a view, where POSIX would raise SIGBUS later. */
int ipcmem__os_truncate(ipcmem_os_handle h, uint64_t size) {
  FILE_END_OF_FILE_INFO eof;

  eof.EndOfFile.QuadPart = (LONGLONG)size;
  if (!SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof(eof)))
    return ipcmem__win_err();
  return 0;
}

int ipcmem__os_reserve(ipcmem_os_handle h, uint64_t size) {
  FILE_ALLOCATION_INFO alloc;
  FILE_END_OF_FILE_INFO eof;
  LARGE_INTEGER cur;

  if (!GetFileSizeEx(h, &cur))
    return ipcmem__win_err();
  /* A file that is not sparse has clusters behind every byte below its end
   * already; only the growth needs space. Allocation first, so that a full
   * disk (ERROR_DISK_FULL → IPCMEM_ENOSPC) leaves the size unchanged. */
  if ((uint64_t)cur.QuadPart >= size)
    return 0;
  alloc.AllocationSize.QuadPart = (LONGLONG)size;
  if (!SetFileInformationByHandle(h, FileAllocationInfo, &alloc,
                                  sizeof(alloc))) {
    /* Some file systems (and wine) cannot set the allocation alone. The
     * end of file then does it: growing a file that is not sparse
     * allocates its clusters, and fails with ERROR_DISK_FULL up front. */
    DWORD e = GetLastError();

    if (e != ERROR_CALL_NOT_IMPLEMENTED && e != ERROR_NOT_SUPPORTED &&
        e != ERROR_INVALID_PARAMETER && e != ERROR_INVALID_FUNCTION)
      return ipcmem__win_err();
  }
  eof.EndOfFile.QuadPart = (LONGLONG)size;
  if (!SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof(eof)))
    return ipcmem__win_err();
  return 0;
}
