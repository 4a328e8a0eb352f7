/* Helpers shared by the Windows files: UTF-8 <-> UTF-16 at the API
 * boundary, and removing a file with POSIX unlink semantics. */
#include "win.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ipcmem__win_utf16(wchar_t **out, const char *s, size_t max_units, int bad) {
  wchar_t *w;
  int n;

  /* MB_ERR_INVALID_CHARS: an invalid sequence must be an error, not a
   * U+FFFD that silently names another object. -1: s is NUL-terminated and
   * the count includes the NUL. */
  n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  if (n <= 0) {
    ipcmem__set_os_error((int)GetLastError());
    return bad;
  }
  if ((size_t)n - 1 > max_units)
    return ipcmem__err(bad);
  w = malloc((size_t)n * sizeof(*w));
  if (w == NULL)
    return ipcmem__err(IPCMEM_ENOMEM);
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
    ipcmem__set_os_error((int)GetLastError());
    free(w);
    return bad;
  }
  *out = w;
  return 0;
}

int ipcmem__win_utf8(char *buf, size_t len, const wchar_t *w) {
  int n;

  n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, NULL, 0, NULL,
                          NULL);
  if (n <= 0)
    return ipcmem__win_err();
  if ((size_t)n > len)
    return ipcmem__err(IPCMEM_ERANGE);
  if (WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, buf, n, NULL,
                          NULL) != n)
    return ipcmem__win_err();
  return 0;
}

/* FILE_DISPOSITION_INFO_EX (Windows 10 1709) is missing from older SDK
 * headers, so it is spelled out here. POSIX semantics remove the name at
 * once even where open handles remain. */
typedef struct ipcmem__disposition_ex {
  DWORD Flags;
} ipcmem__disposition_ex;
#define IPCMEM__FILE_DISPOSITION_INFO_EX ((FILE_INFO_BY_HANDLE_CLASS)21)
#define IPCMEM__DISPOSITION_DELETE 0x1u
#define IPCMEM__DISPOSITION_POSIX 0x2u

/* Renames h to the full path `path` (ReplaceIfExists false). Kernelbase
 * resolves FileName as a Win32 path: a bare name would land in the current
 * directory, not the file's own, hence full paths everywhere. */
static BOOL ipcmem__win_rename(HANDLE h, const wchar_t *path) {
  FILE_RENAME_INFO *info;
  size_t n = wcslen(path);
  size_t size = sizeof(*info) + (n + 1) * sizeof(wchar_t);
  BOOL ok;

  info = calloc(1, size);
  if (info == NULL) {
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return FALSE;
  }
  info->ReplaceIfExists = FALSE;
  info->RootDirectory = NULL;
  info->FileNameLength = (DWORD)(n * sizeof(wchar_t));
  memcpy(info->FileName, path, (n + 1) * sizeof(wchar_t));
  ok = SetFileInformationByHandle(h, FileRenameInfo, info, (DWORD)size);
  free(info);
  return ok;
}

/* The longest path GetFinalPathNameByHandleW can return, in UTF-16 units,
 * and room for the hidden name that replaces the last component. */
#define IPCMEM__FINAL_MAX 32768
#define IPCMEM__TMP_MAX 64

static BOOL ipcmem__win_mark_deleted(HANDLE h) {
  ipcmem__disposition_ex ex;
  FILE_DISPOSITION_INFO plain;

  /* Systems before Windows 10 1709 (and wine) do not know the Ex class;
   * the plain disposition then deletes the file when its last handle and
   * view are gone, which is what the rename made harmless. */
  ex.Flags = IPCMEM__DISPOSITION_DELETE | IPCMEM__DISPOSITION_POSIX;
  if (SetFileInformationByHandle(h, IPCMEM__FILE_DISPOSITION_INFO_EX, &ex,
                                 sizeof(ex)))
    return TRUE;
  plain.DeleteFile = TRUE;
  return SetFileInformationByHandle(h, FileDispositionInfo, &plain,
                                    sizeof(plain));
}

/* Files removed while mapped, by their hidden path, retried whenever a
 * view of a file is unmapped in this process. A process-wide list because
 * the file's own handle cannot find it again: wine resolves handles by the
 * name they were opened with. Bounded: past the bound, files wait for the
 * emulation's sweep (or stay, for a user's file mapped elsewhere). */
#define IPCMEM__PENDING_MAX 32
static SRWLOCK ipcmem__pending_lock = SRWLOCK_INIT;
static wchar_t *ipcmem__pending[IPCMEM__PENDING_MAX];
static atomic_int ipcmem__pending_count;

void ipcmem__win_pending_add(const wchar_t *path) {
  size_t n = wcslen(path) + 1;
  wchar_t *copy = malloc(n * sizeof(*copy));
  int i;

  if (copy == NULL)
    return;
  memcpy(copy, path, n * sizeof(*copy));
  AcquireSRWLockExclusive(&ipcmem__pending_lock);
  for (i = 0; i < IPCMEM__PENDING_MAX && ipcmem__pending[i] != NULL; i++)
    ;
  if (i < IPCMEM__PENDING_MAX) {
    ipcmem__pending[i] = copy;
    copy = NULL;
    atomic_fetch_add(&ipcmem__pending_count, 1);
  }
  ReleaseSRWLockExclusive(&ipcmem__pending_lock);
  free(copy);
}

void ipcmem__win_pending_retry(void) {
  FILE_DISPOSITION_INFO d;
  HANDLE h;
  int i, done;

  if (atomic_load(&ipcmem__pending_count) == 0)
    return;
  d.DeleteFile = TRUE;
  AcquireSRWLockExclusive(&ipcmem__pending_lock);
  for (i = 0; i < IPCMEM__PENDING_MAX; i++) {
    if (ipcmem__pending[i] == NULL)
      continue;
    h = CreateFileW(ipcmem__pending[i], DELETE,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    /* Gone already (swept by someone else) counts as done. */
    done =
        h == INVALID_HANDLE_VALUE
            ? GetLastError() == ERROR_FILE_NOT_FOUND
            : SetFileInformationByHandle(h, FileDispositionInfo, &d, sizeof(d));
    if (h != INVALID_HANDLE_VALUE)
      CloseHandle(h);
    if (done) {
      free(ipcmem__pending[i]);
      ipcmem__pending[i] = NULL;
      atomic_fetch_sub(&ipcmem__pending_count, 1);
    }
  }
  ReleaseSRWLockExclusive(&ipcmem__pending_lock);
}

int ipcmem__win_unlink(HANDLE h) {
  static atomic_uint counter;
  wchar_t *old_path, *new_path, *slash;
  DWORD n;
  int tries, rc = 0;

  old_path =
      malloc(2 * (IPCMEM__FINAL_MAX + IPCMEM__TMP_MAX) * sizeof(wchar_t));
  if (old_path == NULL)
    return ipcmem__err(IPCMEM_ENOMEM);
  new_path = old_path + IPCMEM__FINAL_MAX + IPCMEM__TMP_MAX;
  n = GetFinalPathNameByHandleW(h, old_path, IPCMEM__FINAL_MAX,
                                FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
  if (n == 0 || n >= IPCMEM__FINAL_MAX) {
    rc =
        n == 0 ? ipcmem__win_err() : ipcmem__os_err(ERROR_FILENAME_EXCED_RANGE);
    goto out;
  }
  memcpy(new_path, old_path, (n + 1) * sizeof(wchar_t));
  slash = wcsrchr(new_path, L'\\');
  if (slash == NULL) {
    rc = ipcmem__os_err(ERROR_BAD_PATHNAME);
    goto out;
  }
  /* The name of the removed file must be free at once, as after unlink():
   * the file moves out of the way, in its own directory, under a name
   * nobody else can pick. */
  for (tries = 0;; tries++) {
    _snwprintf(slash + 1, IPCMEM__TMP_MAX - 1, L"%ls%lu.%u.%llu",
               IPCMEM__WIN_DEL_PREFIX, (unsigned long)GetCurrentProcessId(),
               atomic_fetch_add(&counter, 1u),
               (unsigned long long)GetTickCount64());
    slash[IPCMEM__TMP_MAX - 1] = L'\0';
    if (ipcmem__win_rename(h, new_path))
      break;
    if (tries >= 16 || (GetLastError() != ERROR_ALREADY_EXISTS &&
                        GetLastError() != ERROR_FILE_EXISTS)) {
      rc = ipcmem__win_err();
      goto out;
    }
  }
  /* Windows refuses to delete a file that has views (in any process):
   * the file then stays under its hidden name, and the last ipcmem region
   * of it deletes it when unmapped (src/win/region.c). The name is free
   * either way, which is what remove promises. */
  if (!ipcmem__win_mark_deleted(h))
    ipcmem__win_pending_add(new_path);
out:
  free(old_path);
  return rc;
}
