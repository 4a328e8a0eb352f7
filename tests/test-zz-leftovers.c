/* Runs last (CTest fixture cleanup, once per backend): proves that the
 * suite left nothing under this build's prefix, neither in /dev/shm nor in
 * the emulation's directory. */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Returns how many entries of directory `dir` start with the prefix, or -1
 * if the directory does not exist. */
static int count_prefixed(const char *dir) {
  const char *prefix = test_shm_prefix();
  struct dirent *e;
  DIR *d = opendir(dir);
  int found = 0;

  if (d == NULL) {
    ASSERT(errno == ENOENT);
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
      fprintf(stderr, "left behind: %s/%s\n", dir, e->d_name);
      found++;
    }
  }
  closedir(d);
  return found;
}

TEST(no_leftovers) {
  const char *shared = getenv("IPCMEM_SHARED_DIR");
  int in_dev_shm = count_prefixed("/dev/shm");

  if (in_dev_shm < 0 && shared == NULL)
    test_skip("no /dev/shm on this system to inspect");
  ASSERT(in_dev_shm <= 0);
  if (shared != NULL && shared[0] == '/') {
    ASSERT(count_prefixed(shared) <= 0);
    /* The directory is the suite's own: remove it once it is empty. Any
     * other entry (the emulation's temporary files) makes rmdir fail and is
     * a leftover too. */
    if (rmdir(shared) != 0 && errno != ENOENT)
      test_fail_(__FILE__, __LINE__, "%s is not empty", shared);
  }
}
