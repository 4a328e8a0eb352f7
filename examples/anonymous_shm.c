/* The seed's anonymous shared memory example, in C, carried one step
 * further: after filling the memory with 1s, the process forks and the child
 * checks the 1s and writes 2s, which the parent then sees. */
#include <ipcmem.h>

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE 1000

static int all_equal(const unsigned char *mem, size_t size, int value) {
  size_t i;

  for (i = 0; i < size; i++)
    if (mem[i] != value)
      return 0;
  return 1;
}

int main(void) {
  ipcmem_region region;
  unsigned char *mem;
  int rc, status;
  pid_t pid;

  rc = ipcmem_anon_map(&region, SIZE);
  if (rc != 0) {
    fprintf(stderr, "anon_map: %s\n", ipcmem_strerror(rc));
    return 1;
  }
  mem = ipcmem_region_addr(&region);
  memset(mem, 1, ipcmem_region_size(&region));
  printf("parent: wrote %d bytes of 1\n", SIZE);
  fflush(stdout);

  pid = fork();
  if (pid < 0)
    return 1;
  if (pid == 0) {
    if (!all_equal(mem, SIZE, 1))
      _exit(1);
    memset(mem, 2, SIZE);
    printf("child: saw the 1s, wrote %d bytes of 2\n", SIZE);
    fflush(stdout);
    _exit(0);
  }
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    fprintf(stderr, "parent: the child failed\n");
    return 1;
  }
  if (!all_equal(mem, SIZE, 2)) {
    fprintf(stderr, "parent: the child's writes are not visible\n");
    return 1;
  }
  printf("parent: saw the child's 2s\n");
  /* The segment is unmapped when the region is. */
  return ipcmem_region_unmap(&region) == 0 ? 0 : 1;
}
