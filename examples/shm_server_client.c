/* The seed's portable shared memory example, in C.
 *
 * The server creates a named shared memory object, sets its size, maps it,
 * fills it with 1s, then runs its own binary again as the client, which
 * opens the object read-only, maps it and checks every byte. The object is
 * removed when the server starts (in case an earlier run crashed) and when
 * it ends.
 *
 * Usage: shm_server_client [NAME]          (server; default MySharedMemory)
 *        shm_server_client child NAME      (client, started by the server) */
#include <ipcmem.h>

#include <stdio.h>
#include <string.h>

/* Starting the child is the one platform-specific step: posix_spawn on
 * Unix, CreateProcess on Windows. */
#if defined(_WIN32)
#include <windows.h>
#else
#include <spawn.h>
#include <sys/wait.h>
extern char **environ;
#endif

#define SHM_SIZE 1000

static int fail(const char *what, int rc) {
  fprintf(stderr, "%s: %s (%s)\n", what, ipcmem_strerror(rc),
          ipcmem_err_name(rc));
  return 1;
}

static int run_client(const char *name) {
  ipcmem_shm shm;
  ipcmem_region region;
  const unsigned char *mem;
  size_t i, size;
  int rc;

  rc = ipcmem_shm_open(&shm, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0);
  if (rc != 0)
    return fail("client: open", rc);
  rc = ipcmem_region_map(&region, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0);
  ipcmem_shm_close(&shm);
  if (rc != 0)
    return fail("client: map", rc);
  mem = ipcmem_region_addr(&region);
  size = ipcmem_region_size(&region);
  for (i = 0; i < size; i++) {
    if (mem[i] != 1) {
      fprintf(stderr, "client: byte %zu is %d, not 1\n", i, mem[i]);
      ipcmem_region_unmap(&region);
      return 1;
    }
  }
  printf("client: verified %zu bytes of '%s' are 1\n", size, name);
  ipcmem_region_unmap(&region);
  return 0;
}

#if defined(_WIN32)
/* Runs "SELF child ARG" and returns its exit code. The example's names and
 * paths need no quoting beyond the double quotes. */
static int run_child(const char *self, const char *name) {
  char cmd[2 * MAX_PATH + 64];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  DWORD code = 1;

  snprintf(cmd, sizeof(cmd), "\"%s\" child \"%s\"", self, name);
  memset(&si, 0, sizeof(si));
  si.cb = sizeof(si);
  fflush(stdout);
  if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    return 1;
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  return (int)code;
}
#else
static int run_child(const char *self, const char *name) {
  char *argv[] = {(char *)self, "child", (char *)name, NULL};
  pid_t pid;
  int status;

  fflush(stdout);
  if (posix_spawnp(&pid, self, NULL, NULL, argv, environ) != 0)
    return 1;
  if (waitpid(pid, &status, 0) != pid)
    return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
#endif

static int run_server(const char *self, const char *name) {
  ipcmem_shm shm;
  ipcmem_region region;
  int rc, result = 1;

  ipcmem_shm_remove(name); /* a crashed earlier run may have left it */
  rc = ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0);
  if (rc != 0)
    return fail("server: create", rc);
  rc = ipcmem_shm_truncate(&shm, SHM_SIZE);
  if (rc != 0) {
    fail("server: truncate", rc);
    goto out_close;
  }
  rc = ipcmem_region_map(&region, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0);
  if (rc != 0) {
    fail("server: map", rc);
    goto out_close;
  }
  memset(ipcmem_region_addr(&region), 1, ipcmem_region_size(&region));
  printf("server: wrote %zu bytes of 1 to '%s'\n", ipcmem_region_size(&region),
         name);
  result = run_child(self, name);
  if (result != 0)
    fprintf(stderr, "server: the client failed\n");
  else
    printf("server: the client saw what the server wrote\n");
  ipcmem_region_unmap(&region);
out_close:
  ipcmem_shm_close(&shm);
  ipcmem_shm_remove(name);
  return result;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0)
    return run_client(argv[2]);
  if (argc > 2) {
    fprintf(stderr, "usage: %s [NAME]\n", argv[0]);
    return 2;
  }
  return run_server(argv[0], argc == 2 ? argv[1] : "MySharedMemory");
}
