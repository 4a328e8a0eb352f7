/* Memory-mapped files on Windows (Boost's file_mapping). */
#include "win.h"

#include <stdlib.h>

/* Longest path accepted, in UTF-16 units. Longer paths fail in CreateFileW
 * with ERROR_FILENAME_EXCED_RANGE unless they carry the \\?\ prefix. */
#define IPCMEM__PATH_MAX 32767

/* Reparse points whose tag names another file (symbolic links, junctions)
 * are what O_NOFOLLOW refuses on Unix. */
static int ipcmem__is_link_tag(DWORD tag) {
  return IsReparseTagNameSurrogate(tag);
}

/* Classifies an open handle: IPCMEM_EISDIR for a directory, IPCMEM_ESYMLINK
 * for a link, IPCMEM_ENOTSUP for anything that is not a disk file (a pipe, a
 * console, NUL), 0 for a regular file. `not_regular` is the code for the
 * last two kinds (the emulation reports them as IPCMEM_EINSECURE). */
static int ipcmem__file_check(HANDLE h, int not_regular) {
  FILE_ATTRIBUTE_TAG_INFO tag;

  if (GetFileType(h) != FILE_TYPE_DISK)
    return ipcmem__err(not_regular);
  if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag, sizeof(tag)))
    return ipcmem__win_err();
  if ((tag.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) &&
      ipcmem__is_link_tag(tag.ReparseTag))
    return ipcmem__os_err(ERROR_CANT_ACCESS_FILE);
  if (tag.FileAttributes & FILE_ATTRIBUTE_DIRECTORY)
    return ipcmem__os_err(ERROR_DIRECTORY);
  return 0;
}

/* Opening a directory without FILE_FLAG_BACKUP_SEMANTICS fails with
 * ERROR_ACCESS_DENIED. That flag would also let a holder of the backup
 * privilege bypass the file's ACL, so it is not used; instead a denied open
 * looks at the attributes to tell a directory (or a link to one) from a
 * real denial. The attributes only choose the error code. */
int ipcmem__win_open_err(const wchar_t *path) {
  DWORD err = GetLastError();
  DWORD attr;

  if (err == ERROR_ACCESS_DENIED &&
      (attr = GetFileAttributesW(path)) != INVALID_FILE_ATTRIBUTES) {
    if (attr & FILE_ATTRIBUTE_REPARSE_POINT)
      err = ERROR_CANT_ACCESS_FILE;
    else if (attr & FILE_ATTRIBUTE_DIRECTORY)
      err = ERROR_DIRECTORY;
  }
  return ipcmem__os_err((int)err);
}

int ipcmem__win_open_file(HANDLE *out, const wchar_t *path, DWORD rights,
                          DWORD disposition, int not_regular) {
  HANDLE h;
  int rc;

  /* FILE_SHARE_DELETE: others may remove (rename) the file while it is
   * open, as on POSIX. FILE_FLAG_OPEN_REPARSE_POINT: a link is opened
   * itself, never followed, and refused below. No security attributes:
   * the handle is not inherited by children. A new file (the emulation's
   * objects) is marked temporary: the cache manager then keeps its pages in
   * memory rather than writing them to disk, as for shared memory. */
  h = CreateFileW(path, rights,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  disposition,
                  (disposition == CREATE_NEW ? FILE_ATTRIBUTE_TEMPORARY
                                             : FILE_ATTRIBUTE_NORMAL) |
                      FILE_FLAG_OPEN_REPARSE_POINT,
                  NULL);
  if (h == INVALID_HANDLE_VALUE)
    return ipcmem__win_open_err(path);
  rc = ipcmem__file_check(h, not_regular);
  if (rc != 0) {
    CloseHandle(h);
    return rc;
  }
  *out = h;
  return 0;
}

static DWORD ipcmem__rights(int access) {
  return access == IPCMEM_READ_WRITE ? GENERIC_READ | GENERIC_WRITE
                                     : GENERIC_READ;
}

int ipcmem_file_open(ipcmem_file *out, const char *path, int access) {
  wchar_t *wpath;
  HANDLE h;
  int rc;

  if (out == NULL || path == NULL || path[0] == '\0')
    return ipcmem__err(IPCMEM_EINVAL);
  if (access != IPCMEM_READ_ONLY && access != IPCMEM_READ_WRITE)
    return ipcmem__err(IPCMEM_EINVAL);
  rc = ipcmem__win_utf16(&wpath, path, IPCMEM__PATH_MAX, IPCMEM_EINVAL);
  if (rc != 0)
    return rc;
  rc = ipcmem__win_open_file(&h, wpath, ipcmem__rights(access), OPEN_EXISTING,
                             IPCMEM_ENOTSUP);
  free(wpath);
  if (rc != 0)
    return rc;
  out->base.handle = h;
  out->base.kind = IPCMEM_KIND_FILE;
  out->base.access = access;
  out->base.size_floor = 0;
  return 0;
}

int ipcmem_file_close(ipcmem_file *file) {
  if (file == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  if (file->base.kind == IPCMEM_KIND_NONE)
    return 0;
  return ipcmem__os_mappable_close(&file->base);
}

int ipcmem_file_size(const ipcmem_file *file, uint64_t *size) {
  if (file == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  return ipcmem_mappable_size(&file->base, size);
}

/* Like unlink(): the name is gone at once and open handles and views keep
 * working (DeleteFileW would leave the name taken until the last handle
 * closes, and fail outright on a mapped file). A file that is still mapped
 * stays under a hidden name (".#del.*") in its directory until the last
 * ipcmem region of it is unmapped, which deletes it. */
int ipcmem_file_remove(const char *path) {
  wchar_t *wpath;
  HANDLE h;
  int rc;

  if (path == NULL || path[0] == '\0')
    return ipcmem__err(IPCMEM_EINVAL);
  rc = ipcmem__win_utf16(&wpath, path, IPCMEM__PATH_MAX, IPCMEM_EINVAL);
  if (rc != 0)
    return rc;
  h = CreateFileW(wpath, DELETE,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
  rc = h == INVALID_HANDLE_VALUE ? ipcmem__win_open_err(wpath) : 0;
  free(wpath);
  if (rc != 0)
    return rc;
  rc = ipcmem__win_unlink(h);
  CloseHandle(h);
  return rc;
}
