/* Native Windows shared memory: named or unnamed sections backed by the
 * paging file (Boost's windows_shared_memory). The object lives while any
 * handle or view refers to it, in any process. */
#include "win.h"

#include <stdlib.h>

/* Windows limits object names to MAX_PATH (260) UTF-16 units including the
 * namespace prefix; ipcmem's documented limit is 255 characters. */
#define IPCMEM__WINSHM_NAME_MAX 255

/* Replaces *h with a duplicate that can only read, for objects opened
 * read-only: CreateFileMappingW always returns an all-access handle, and
 * ipcmem_mappable_handle() must not hand out more than was asked for. */
static int ipcmem__winshm_read_only(HANDLE *h) {
  HANDLE ro;

  if (!DuplicateHandle(GetCurrentProcess(), *h, GetCurrentProcess(), &ro,
                       FILE_MAP_READ, FALSE, 0))
    return ipcmem__win_err();
  CloseHandle(*h);
  *h = ro;
  return 0;
}

int ipcmem_winshm_open(ipcmem_winshm *out, const char *name, int open_mode,
                       int access, uint64_t size) {
  wchar_t *wname = NULL;
  HANDLE h;
  DWORD err;
  int created = 0, rc;

  if (out == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (open_mode < IPCMEM_CREATE_ONLY || open_mode > IPCMEM_OPEN_ONLY)
    return ipcmem__err(IPCMEM_EINVAL);
  if (access != IPCMEM_READ_ONLY && access != IPCMEM_READ_WRITE)
    return ipcmem__err(IPCMEM_EINVAL);
  if (open_mode == IPCMEM_OPEN_ONLY ? name == NULL : size == 0)
    return ipcmem__err(IPCMEM_EINVAL);
  if (size > IPCMEM__OFF_MAX)
    return ipcmem__err(IPCMEM_EINVAL);
  if (name != NULL) {
    if (name[0] == '\0')
      return ipcmem__err(IPCMEM_ENAME);
    rc = ipcmem__win_utf16(&wname, name, IPCMEM__WINSHM_NAME_MAX, IPCMEM_ENAME);
    if (rc != 0)
      return rc;
  }

  if (open_mode == IPCMEM_OPEN_ONLY) {
    h = OpenFileMappingW(access == IPCMEM_READ_WRITE
                             ? FILE_MAP_READ | FILE_MAP_WRITE
                             : FILE_MAP_READ,
                         FALSE, wname);
    /* A name held by another kind of object (an event, a mutex) is no
     * shared memory object either; the system's error stays visible. */
    err = GetLastError();
    rc = h != NULL ? 0
         : err != ERROR_INVALID_HANDLE
             ? ipcmem__win_err()
             : (ipcmem__set_os_error((int)err), IPCMEM_ENOENT);
  } else {
    /* One call both creates and opens, atomically: no create/open loop is
     * needed, and ERROR_ALREADY_EXISTS tells which happened. The size is
     * ignored when the object exists. */
    h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                           (DWORD)(size >> 32), (DWORD)size, wname);
    err = GetLastError();
    if (h == NULL && err == ERROR_INVALID_HANDLE) {
      /* The name is taken by another kind of object. */
      ipcmem__set_os_error((int)err);
      rc = IPCMEM_EEXIST;
    } else if (h == NULL) {
      rc = ipcmem__os_err((int)err);
    } else if (err == ERROR_ALREADY_EXISTS && open_mode == IPCMEM_CREATE_ONLY) {
      CloseHandle(h);
      rc = ipcmem__os_err((int)err);
    } else {
      created = err != ERROR_ALREADY_EXISTS;
      rc = access == IPCMEM_READ_ONLY ? ipcmem__winshm_read_only(&h) : 0;
      if (rc != 0)
        CloseHandle(h);
    }
  }
  free(wname);
  if (rc != 0)
    return rc;
  out->base.handle = h;
  out->base.kind = IPCMEM_KIND_WINSHM;
  out->base.access = access;
  out->base.size_floor = created ? size : 0;
  out->created = created;
  return 0;
}
