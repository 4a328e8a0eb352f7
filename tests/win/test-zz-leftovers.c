/* Runs last (CTest fixture cleanup): proves that the suite left nothing
 * under this build's prefix, neither in the emulation's directory nor
 * among the runners' scratch directories in %TEMP%, and removes the suite's
 * directory once it is empty. */
#include "wintest.h"

/* Returns how many entries of directory `dir` start with the prefix, apart
 * from `except` (may be NULL), or -1 if the directory does not exist. */
static int count_prefixed(const char *dir, const char *except) {
  const char *prefix = test_shm_prefix();
  char pat[1200];
  WIN32_FIND_DATAA fd;
  HANDLE h;
  int found = 0;

  snprintf(pat, sizeof(pat), "%s\\%s*", dir, prefix);
  h = FindFirstFileA(pat, &fd);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();

    if (e == ERROR_PATH_NOT_FOUND)
      return -1;
    ASSERT(e == ERROR_FILE_NOT_FOUND || e == ERROR_NO_MORE_FILES);
    return 0;
  }
  do {
    if (except != NULL && strcmp(fd.cFileName, except) == 0)
      continue;
    fprintf(stderr, "left behind: %s\\%s\n", dir, fd.cFileName);
    found++;
  } while (FindNextFileA(h, &fd));
  FindClose(h);
  return found;
}

TEST(no_leftovers) {
  const char *shared = getenv("IPCMEM_SHARED_DIR");
  char temp[1100];
  DWORD n = GetTempPathA(sizeof(temp), temp);
  const char *own = strrchr(test_tmp_dir(), '\\');

  /* This test's own scratch directory is in %TEMP% too, with the prefix;
   * the runner removes it afterwards, so it is not counted. */
  ASSERT(n > 0 && n < sizeof(temp));
  ASSERT(own != NULL);
  if (temp[n - 1] == '\\')
    temp[n - 1] = '\0';
  ASSERT(count_prefixed(temp, own + 1) <= 0);
  if (shared == NULL || shared[0] == '\0')
    test_skip("IPCMEM_SHARED_DIR is not set: no suite directory to check");
  ASSERT(count_prefixed(shared, NULL) <= 0);
  /* Any other entry (a renamed, removed object that outlived its views) is
   * a leftover too, and makes the directory impossible to remove. */
  if (!RemoveDirectoryA(shared) && GetLastError() != ERROR_FILE_NOT_FOUND &&
      GetLastError() != ERROR_PATH_NOT_FOUND) {
    count_entries(shared, "left behind");
    test_fail_(__FILE__, __LINE__, "%s is not empty", shared);
  }
}
