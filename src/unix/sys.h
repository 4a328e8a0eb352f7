/* The system calls whose failures ipcmem's Unix code must handle but the
 * real system will not produce on demand, as a table of function pointers
 * (SQLite's aSyscall[] idea, as a struct). The library calls through the
 * table; tests replace entries to make the Nth call fail with a chosen errno
 * (EINTR, ENOSPC, EMFILE, ...) and put the originals back afterwards.
 *
 * The table is filled with the real functions at compile time and never
 * written by the library, so a call costs one indirect call and no locking.
 * Only tests write it, before they start threads or processes. */
#ifndef IPCMEM_UNIX_SYS_H
#define IPCMEM_UNIX_SYS_H

#include "../internal.h"

/* Included here, not left to the callers, so that a C library that defines
 * a call as a macro (ftruncate -> ftruncate64 in some 64-bit-offset builds)
 * renames the field the same way in every file that names it. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Each entry has the signature of the call it stands for, except openat,
 * which is variadic in the C library: here it always takes the mode (which
 * the system ignores without O_CREAT), so that replacements need no
 * va_list. posix_fallocate returns the error, as the real one does. */
typedef struct ipcmem__sys_table {
  int (*shm_open)(const char *name, int oflag, mode_t mode);
  int (*shm_unlink)(const char *name);
  int (*fchmod)(int fd, mode_t mode);
  int (*ftruncate)(int fd, off_t length);
#if defined(IPCMEM_HAVE_POSIX_FALLOCATE)
  int (*posix_fallocate)(int fd, off_t offset, off_t len);
#endif
  void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
                off_t offset);
  int (*openat)(int dfd, const char *path, int oflag, mode_t mode);
  int (*linkat)(int olddfd, const char *oldpath, int newdfd,
                const char *newpath, int flags);
#if defined(IPCMEM_HAVE_MEMFD_CREATE)
  int (*memfd_create)(const char *name, unsigned flags);
#endif
} ipcmem__sys_table;

/* The table the library calls through: the real functions unless a test
 * has replaced some. Not const only so that tests can do that. */
extern IPCMEM__HIDDEN ipcmem__sys_table ipcmem__sys;

#endif /* IPCMEM_UNIX_SYS_H */
