/* The seed's anonymous shared memory example on Windows, where there is no
 * fork(): the parent creates an anonymous object (an unnamed section backed
 * by the paging file), fills it with 1s, makes its handle inheritable and
 * starts its own binary again with CreateProcess, passing the handle's
 * value on the command line. The child wraps the inherited handle with
 * ipcmem_anon_from_handle(), checks the 1s and writes 2s, which the parent
 * then sees. Built as "anonymous_shm" on Windows, in place of the fork()
 * version in anonymous_shm.c.
 *
 * Usage: anonymous_shm                  (parent)
 *        anonymous_shm child HANDLE     (child, started by the parent) */
#include <ipcmem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define SIZE 1000

static int all_equal(const unsigned char *mem, size_t size, int value) {
  size_t i;

  for (i = 0; i < size; i++)
    if (mem[i] != value)
      return 0;
  return 1;
}

static int fail(const char *what, int rc) {
  fprintf(stderr, "%s: %s (%s)\n", what, ipcmem_strerror(rc),
          ipcmem_err_name(rc));
  return 1;
}

static int run_child(const char *handle_text) {
  ipcmem_anon anon;
  ipcmem_region region;
  unsigned char *mem;
  HANDLE h = (HANDLE)(uintptr_t)strtoull(handle_text, NULL, 10);
  int rc;

  /* The inherited handle has the same value in this process. */
  rc = ipcmem_anon_from_handle(&anon, h, SIZE);
  if (rc != 0)
    return fail("child: wrap the handle", rc);
  rc = ipcmem_region_map(&region, &anon.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0);
  ipcmem_anon_close(&anon);
  if (rc != 0)
    return fail("child: map", rc);
  mem = ipcmem_region_addr(&region);
  if (ipcmem_region_size(&region) != SIZE || !all_equal(mem, SIZE, 1)) {
    fprintf(stderr, "child: the 1s are not there\n");
    ipcmem_region_unmap(&region);
    return 1;
  }
  memset(mem, 2, SIZE);
  printf("child: saw the 1s, wrote %d bytes of 2\n", SIZE);
  return ipcmem_region_unmap(&region) == 0 ? 0 : 1;
}

/* Starts "SELF child HANDLE" with handle inheritance on, and returns its
 * exit code. Only handles marked inheritable are passed on. */
static int spawn_child(HANDLE h) {
  char self[MAX_PATH], cmd[MAX_PATH + 64];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  DWORD code = 1;
  DWORD n = GetModuleFileNameA(NULL, self, sizeof(self));

  if (n == 0 || n >= sizeof(self))
    return 1;
  snprintf(cmd, sizeof(cmd), "\"%s\" child %llu", self,
           (unsigned long long)(uintptr_t)h);
  memset(&si, 0, sizeof(si));
  si.cb = sizeof(si);
  fflush(stdout);
  if (!CreateProcessA(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    return 1;
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  return (int)code;
}

static int run_parent(void) {
  ipcmem_anon anon;
  ipcmem_region region;
  HANDLE h;
  int rc, result;

  rc = ipcmem_anon_open(&anon, SIZE);
  if (rc != 0)
    return fail("anon_open", rc);
  rc = ipcmem_region_map(&region, &anon.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0);
  if (rc != 0) {
    ipcmem_anon_close(&anon);
    return fail("map", rc);
  }
  memset(ipcmem_region_addr(&region), 1, SIZE);
  printf("parent: wrote %d bytes of 1\n", SIZE);

  /* ipcmem creates handles non-inheritable (like O_CLOEXEC); this one is
   * meant for the child. */
  h = ipcmem_mappable_handle(&anon.base);
  if (!SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT)) {
    fprintf(stderr, "parent: SetHandleInformation failed\n");
    result = 1;
  } else if ((result = spawn_child(h)) != 0) {
    fprintf(stderr, "parent: the child failed\n");
  } else if (!all_equal(ipcmem_region_addr(&region), SIZE, 2)) {
    fprintf(stderr, "parent: the child's writes are not visible\n");
    result = 1;
  } else {
    printf("parent: saw the child's 2s\n");
  }
  ipcmem_anon_close(&anon);
  /* The memory is freed when the last handle and region are gone. */
  if (ipcmem_region_unmap(&region) != 0)
    result = 1;
  return result;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0)
    return run_child(argv[2]);
  if (argc != 1) {
    fprintf(stderr, "usage: %s\n", argv[0]);
    return 2;
  }
  return run_parent();
}
