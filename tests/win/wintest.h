/* What the Windows tests share: files read and written with plain Win32
 * calls (so that what ipcmem did is checked by something else than ipcmem)
 * and a private directory for emulated objects, on top of what both suites
 * share (common/util.h: the byte pattern, shm_size, create_mapped). */
#ifndef IPCMEM_WINTEST_H
#define IPCMEM_WINTEST_H

#include "common/util.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The byte pattern out-structs are filled with before a call that must
 * fail, so that any write to them shows. */
#define JUNK 0xA5

/* The system's page and allocation granularity, from the system itself. */
static inline size_t sys_page(void) {
  SYSTEM_INFO si;

  GetSystemInfo(&si);
  return si.dwPageSize;
}

static inline size_t sys_granularity(void) {
  SYSTEM_INFO si;

  GetSystemInfo(&si);
  return si.dwAllocationGranularity;
}

static inline int path_exists(const char *path) {
  return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES;
}

/* Creates (or replaces) the file at path with n bytes of pattern `seed`. */
static inline void write_pattern_file(const char *path, size_t n,
                                      unsigned seed) {
  HANDLE h = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL, NULL);
  unsigned char *buf = malloc(n ? n : 1);
  DWORD done = 0;

  ASSERT(h != INVALID_HANDLE_VALUE);
  ASSERT(buf != NULL);
  fill(buf, n, seed);
  ASSERT(n == 0 || (WriteFile(h, buf, (DWORD)n, &done, NULL) && done == n));
  ASSERT(CloseHandle(h));
  free(buf);
}

/* Reads n bytes at offset off of the file at path with ReadFile, through a
 * handle of its own: what the file holds, not what a view shows. */
static inline void read_file_at(const char *path, uint64_t off, void *buf,
                                size_t n) {
  HANDLE h = CreateFileA(path, GENERIC_READ,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  OVERLAPPED ov;
  DWORD done = 0;

  ASSERT(h != INVALID_HANDLE_VALUE);
  memset(&ov, 0, sizeof(ov));
  ov.Offset = (DWORD)off;
  ov.OffsetHigh = (DWORD)(off >> 32);
  ASSERT(ReadFile(h, buf, (DWORD)n, &done, &ov));
  ASSERT_EQ(done, n);
  ASSERT(CloseHandle(h));
}

static inline uint64_t file_size_of(const char *path) {
  WIN32_FILE_ATTRIBUTE_DATA a;

  ASSERT(GetFileAttributesExA(path, GetFileExInfoStandard, &a));
  return ((uint64_t)a.nFileSizeHigh << 32) | a.nFileSizeLow;
}

/* Sets or removes (value NULL) an environment variable for the C library
 * and the process alike (_putenv updates both), so that the library sees
 * it however it reads the environment, and helpers inherit it. */
static inline void set_env(const char *name, const char *value) {
  char buf[1200];

  snprintf(buf, sizeof(buf), "%s=%s", name, value != NULL ? value : "");
  ASSERT(_putenv(buf) == 0);
}

/* Points the emulation at a new directory `sub` of the test's scratch
 * directory, so that a test can look at every file in it without seeing
 * other tests' objects. The directory does not exist yet. */
static inline const char *use_private_dir(const char *sub) {
  static char dir[1100];

  snprintf(dir, sizeof(dir), "%s\\%s", test_tmp_dir(), sub);
  set_env("IPCMEM_SHARED_DIR", dir);
  return dir;
}

/* Counts the entries of directory dir (not "." and ".."), printing them
 * with `why` first; -1 if it does not exist. */
static inline int count_entries(const char *dir, const char *why) {
  char pat[1200];
  WIN32_FIND_DATAA fd;
  HANDLE h;
  int n = 0;

  snprintf(pat, sizeof(pat), "%s\\*", dir);
  h = FindFirstFileA(pat, &fd);
  if (h == INVALID_HANDLE_VALUE)
    return -1;
  do {
    if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
      continue;
    if (why != NULL)
      fprintf(stderr, "%s: %s\\%s\n", why, dir, fd.cFileName);
    n++;
  } while (FindNextFileA(h, &fd));
  FindClose(h);
  return n;
}

#endif /* IPCMEM_WINTEST_H */
