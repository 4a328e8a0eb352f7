/* ipcmem internals shared by the files of src/win/. Every symbol here is
 * ipcmem__win_* and not exported from the DLL (only IPCMEM_EXTERN symbols
 * are). */
#ifndef IPCMEM_WIN_INTERNAL_H
#define IPCMEM_WIN_INTERNAL_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "../internal.h"

/* Records GetLastError() and returns the IPCMEM_E* code it translates to:
 * the one way a failed Win32 call leaves a function. */
int ipcmem__win_err(void);

/* Converts the NUL-terminated UTF-8 string s to a new UTF-16 string (free it
 * with free()). Returns 0, `bad` (the caller's code for invalid UTF-8 or a
 * string longer than max_units UTF-16 units), or IPCMEM_ENOMEM. *out is
 * written only on success. */
int ipcmem__win_utf16(wchar_t **out, const char *s, size_t max_units, int bad);

/* Converts the UTF-16 string w to UTF-8 in buf (len bytes). Returns 0 or
 * IPCMEM_ERANGE (buf too small), IPCMEM_EINVAL (w is not valid UTF-16). */
int ipcmem__win_utf8(char *buf, size_t len, const wchar_t *w);

/* Removes the open file h (opened with DELETE access) with POSIX unlink
 * semantics: it is renamed to a hidden name in its directory, then marked
 * for deletion, so that its name is free at once while open handles and
 * views keep working. Does not close h. */
int ipcmem__win_unlink(HANDLE h);

/* Remembers a file that ipcmem__win_unlink could not delete yet because it
 * is mapped, and retries every remembered file (after a view is unmapped):
 * the last view to go deletes it. */
void ipcmem__win_pending_add(const wchar_t *path);
void ipcmem__win_pending_retry(void);

/* Opens the file at path with CreateFileW(rights, disposition): shared
 * for reading, writing and deletion, not inheritable, never following a
 * link. Returns 0 and sets *out to a regular file's handle, or a code:
 * IPCMEM_ESYMLINK (a link), IPCMEM_EISDIR (a directory), `not_regular`
 * (not a disk file), or a code from the system. */
int ipcmem__win_open_file(HANDLE *out, const wchar_t *path, DWORD rights,
                          DWORD disposition, int not_regular);

/* Translates the failure of CreateFileW(path) that just happened, telling
 * a directory (IPCMEM_EISDIR) or a link (IPCMEM_ESYMLINK) from a real
 * IPCMEM_EACCES. */
int ipcmem__win_open_err(const wchar_t *path);

/* Prefix of the hidden names given to removed files. '#' is outside the
 * alphabet of object names, so no object can be called this. */
#define IPCMEM__WIN_DEL_PREFIX L".#del."

#endif /* IPCMEM_WIN_INTERNAL_H */
