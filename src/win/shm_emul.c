/* The emulated backend of named shared memory objects on Windows, and the
 * only one: each object is a file in one per-user directory, mapped like
 * any file. Boost keeps these files in a folder found through the registry
 * and named after the boot time, which breaks when the clock or the event
 * log disagrees (boostorg/interprocess#96, #279); ipcmem uses a plain,
 * documented directory instead. Objects have the lifetime of files: they
 * stay until removed, across reboots. */
#include "win.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Longest directory path handled, in UTF-16 units: MAX_PATH less room for
 * "\" and the longest object name, so that object paths never need the
 * \\?\ form. */
#define IPCMEM__DIR_MAX (MAX_PATH - 2 - IPCMEM_NAME_MAX)

/* A drive-absolute ("C:\x") or UNC ("\\server\share") path. "\x" is not
 * absolute on Windows: it is relative to the current drive. */
static int ipcmem__is_absolute(const wchar_t *p) {
  if (((p[0] >= L'A' && p[0] <= L'Z') || (p[0] >= L'a' && p[0] <= L'z')) &&
      p[1] == L':' && (p[2] == L'\\' || p[2] == L'/'))
    return 1;
  return (p[0] == L'\\' || p[0] == L'/') && (p[1] == L'\\' || p[1] == L'/');
}

/* Reads the environment variable `name` into buf (cap units). Returns 1 if
 * it is set, not empty and fits. GetEnvironmentVariableW rather than
 * getenv: the value is then UTF-16, whatever the code page, and changes
 * made with SetEnvironmentVariableW are seen. */
static int ipcmem__env(const wchar_t *name, wchar_t *buf, DWORD cap) {
  DWORD n = GetEnvironmentVariableW(name, buf, cap);

  return n > 0 && n < cap;
}

int ipcmem__emul_dir_path(char *buf, size_t len) {
  wchar_t dir[IPCMEM__DIR_MAX + 16];
  DWORD cap = IPCMEM__DIR_MAX, n;

  if (GetEnvironmentVariableW(L"IPCMEM_SHARED_DIR", dir, 1) > 1) {
    if (!ipcmem__env(L"IPCMEM_SHARED_DIR", dir, cap))
      return ipcmem__err(IPCMEM_ERANGE);
    if (!ipcmem__is_absolute(dir))
      return ipcmem__err(IPCMEM_ECONFIG);
  } else if (ipcmem__env(L"LOCALAPPDATA", dir, cap - 7) &&
             ipcmem__is_absolute(dir)) {
    /* The local (not roaming) application data folder is per user and
     * readable only by its owner: the analogue of $XDG_RUNTIME_DIR, except
     * that its files outlive the session, as the emulation's objects do on
     * every system without a tmpfs. */
    wcscat(dir, L"\\ipcmem");
  } else {
    /* GetTempPathW ends the path with a backslash. */
    n = GetTempPathW(cap - 6, dir);
    if (n == 0 || n >= cap - 6)
      return ipcmem__err(IPCMEM_ERANGE);
    wcscat(dir, L"ipcmem");
  }
  return ipcmem__win_utf8(buf, len, dir);
}

/* Opens (and pins) the directory. The handle does not share deletion, so
 * while it is open the directory cannot be renamed or removed: the object
 * paths built from it cannot be redirected. With `create`, a missing
 * directory is made; without, it means no object exists (IPCMEM_ENOENT),
 * and opening or removing never leaves a directory behind.
 *
 * Unlike on Unix, the directory's owner is not checked (that needs
 * advapi32): it is the caller's own profile folder, or the one named by
 * IPCMEM_SHARED_DIR, and the objects in it are protected by the ACL that
 * they inherit from it. */
static int ipcmem__emul_dir_open(HANDLE *out, wchar_t **wdir, int create) {
  FILE_ATTRIBUTE_TAG_INFO tag;
  char path[4 * MAX_PATH];
  wchar_t *w;
  HANDLE h;
  int rc, made = 0;

  rc = ipcmem__emul_dir_path(path, sizeof(path));
  if (rc != 0)
    return rc;
  rc = ipcmem__win_utf16(&w, path, IPCMEM__DIR_MAX, IPCMEM_ECONFIG);
  if (rc != 0)
    return rc;
  for (;;) {
    /* FILE_FLAG_BACKUP_SEMANTICS is how a directory is opened at all. */
    h = CreateFileW(w, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE,
                    NULL, OPEN_EXISTING,
                    FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                    NULL);
    if (h != INVALID_HANDLE_VALUE)
      break;
    if (GetLastError() != ERROR_FILE_NOT_FOUND || made || !create) {
      rc = ipcmem__win_err();
      goto fail;
    }
    /* No security attributes: the directory inherits the parent's ACL,
     * which for the default locations is the user's own. */
    if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
      rc = ipcmem__win_err();
      goto fail;
    }
    made = 1;
  }
  if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag,
                                    sizeof(tag))) {
    rc = ipcmem__win_err();
  } else if ((tag.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) &&
             IsReparseTagNameSurrogate(tag.ReparseTag)) {
    rc = ipcmem__os_err(ERROR_CANT_ACCESS_FILE);
  } else if (!(tag.FileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
    ipcmem__set_os_error(ERROR_DIRECTORY);
    rc = IPCMEM_EINSECURE;
  }
  if (rc != 0) {
    CloseHandle(h);
    goto fail;
  }
  *out = h;
  *wdir = w;
  return 0;

fail:
  free(w);
  return rc;
}

/* Opens the directory and builds the object's path, \\?\ + the full
 * directory path + "\" + name. The \\?\ form turns off Win32 path parsing,
 * so that valid object names stay plain file names: "CON" or "nul.txt"
 * would otherwise open a device, and "a." would be "a". Names are ASCII
 * ([A-Za-z0-9._-], checked by the shared code), so the widening is exact. */
static int ipcmem__emul_path(HANDLE *dir, wchar_t **path, const char *cname,
                             int create) {
  wchar_t *wdir, *full = NULL, *p = NULL;
  const wchar_t *prefix = L"\\\\?\\", *rest;
  size_t n, i, k;
  DWORD len;
  int rc;

  rc = ipcmem__emul_dir_open(dir, &wdir, create);
  if (rc != 0)
    return rc;
  /* The \\?\ form also turns off normalisation: "/" and ".." must be
   * resolved first. */
  len = GetFullPathNameW(wdir, 0, NULL, NULL);
  if (len == 0) {
    rc = ipcmem__win_err();
    goto out;
  }
  full = malloc(len * sizeof(*full));
  if (full == NULL || GetFullPathNameW(wdir, len, full, NULL) >= len) {
    rc = full == NULL ? ipcmem__err(IPCMEM_ENOMEM) : ipcmem__win_err();
    goto out;
  }
  rest = full;
  if (wcsncmp(full, L"\\\\?\\", 4) == 0) {
    prefix = L"";
  } else if (full[0] == L'\\' && full[1] == L'\\') {
    prefix = L"\\\\?\\UNC"; /* \\server\share → \\?\UNC\server\share */
    rest = full + 1;
  }
  n = wcslen(prefix) + wcslen(rest);
  k = strlen(cname + 1);
  p = malloc((n + 1 + k + 1) * sizeof(*p));
  if (p == NULL) {
    rc = ipcmem__err(IPCMEM_ENOMEM);
    goto out;
  }
  wcscpy(p, prefix);
  wcscat(p, rest);
  p[n] = L'\\';
  for (i = 0; i <= k; i++)
    p[n + 1 + i] = (wchar_t)(unsigned char)cname[1 + i];
  *path = p;
out:
  free(wdir);
  free(full);
  if (rc != 0)
    CloseHandle(*dir);
  return rc;
}

/* A directory planted under an object's name is as suspect as any other
 * non-file there (on Unix too, opening one read-only reports this). */
static int ipcmem__emul_not_dir(int rc) {
  return rc == IPCMEM_EISDIR ? IPCMEM_EINSECURE : rc;
}

static DWORD ipcmem__emul_rights(int access) {
  return access == IPCMEM_READ_WRITE ? GENERIC_READ | GENERIC_WRITE
                                     : GENERIC_READ;
}

static int ipcmem__emul_open(ipcmem_os_handle *out, const char *cname,
                             int access) {
  wchar_t *path;
  HANDLE dir, h;
  int rc;

  rc = ipcmem__emul_path(&dir, &path, cname, 0);
  if (rc != 0)
    return rc;
  rc = ipcmem__emul_not_dir(ipcmem__win_open_file(
      &h, path, ipcmem__emul_rights(access), OPEN_EXISTING, IPCMEM_EINSECURE));
  free(path);
  CloseHandle(dir);
  if (rc == 0)
    *out = h;
  return rc;
}

/* CREATE_NEW fails if the name exists in any form (a file, a link, a
 * directory), so creation is exclusive. Unlike on Unix no temporary name
 * and link() are needed to publish the object atomically: a Windows file
 * has no permission bits that could be seen before they are set, and the
 * new empty file is complete the moment it exists. `perms` does not apply:
 * the file's ACL is inherited from the directory, i.e. the user's own. */
static int ipcmem__emul_create(ipcmem_os_handle *out, const char *cname,
                               int access, unsigned perms) {
  wchar_t *path;
  HANDLE dir, h;
  int rc;

  (void)perms;
  rc = ipcmem__emul_path(&dir, &path, cname, 1);
  if (rc != 0)
    return rc;
  rc = ipcmem__emul_not_dir(ipcmem__win_open_file(
      &h, path, ipcmem__emul_rights(access), CREATE_NEW, IPCMEM_EINSECURE));
  free(path);
  CloseHandle(dir);
  if (rc == 0)
    *out = h;
  return rc;
}

/* Deletes what earlier removes had to leave under a hidden name because
 * Windows refused to delete a file that was still mapped. Failures are
 * expected (the file may still be mapped) and ignored. */
static void ipcmem__emul_sweep(const wchar_t *path, size_t dir_len) {
  WIN32_FIND_DATAW fd;
  wchar_t *pat, *victim;
  size_t plen = wcslen(IPCMEM__WIN_DEL_PREFIX);
  HANDLE f;

  pat = malloc((dir_len + 1 + plen + 2 + MAX_PATH) * sizeof(*pat));
  if (pat == NULL)
    return;
  memcpy(pat, path, (dir_len + 1) * sizeof(*pat));
  wcscpy(pat + dir_len + 1, IPCMEM__WIN_DEL_PREFIX);
  wcscat(pat, L"*");
  f = FindFirstFileW(pat, &fd);
  if (f != INVALID_HANDLE_VALUE) {
    victim = pat + dir_len + 1;
    do {
      if (wcslen(fd.cFileName) < MAX_PATH &&
          !(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
        wcscpy(victim, fd.cFileName);
        DeleteFileW(pat);
      }
    } while (FindNextFileW(f, &fd));
    FindClose(f);
  }
  free(pat);
}

/* POSIX unlink semantics (src/win/util.c): the name is free at once, and
 * existing handles and regions keep working. */
static int ipcmem__emul_remove(const char *cname) {
  wchar_t *path;
  HANDLE dir, h;
  int rc;

  rc = ipcmem__emul_path(&dir, &path, cname, 0);
  if (rc != 0)
    return rc;
  h = CreateFileW(path, DELETE,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    rc = ipcmem__win_open_err(path);
  } else {
    rc = ipcmem__win_unlink(h);
    CloseHandle(h);
  }
  if (rc == 0)
    ipcmem__emul_sweep(path, wcslen(path) - strlen(cname + 1) - 1);
  free(path);
  CloseHandle(dir);
  return rc;
}

const ipcmem__shm_ops ipcmem__shm_emulated = {
    ipcmem__emul_create, ipcmem__emul_open, ipcmem__emul_remove};
