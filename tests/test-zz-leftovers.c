/* Runs last (CTest fixture cleanup): proves that the suite left nothing in
 * /dev/shm under this build's prefix. */
#include "runner.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

TEST(no_leftovers) {
  const char *prefix = test_shm_prefix();
  struct dirent *e;
  DIR *d = opendir("/dev/shm");
  int found = 0;

  if (d == NULL)
    test_skip("no /dev/shm on this system to inspect");
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
      fprintf(stderr, "left behind: /dev/shm/%s\n", e->d_name);
      found++;
    }
  }
  closedir(d);
  ASSERT_EQ(found, 0);
}
