/* The seed's native Windows shared memory example, in C (Windows only).
 *
 * The server creates a 1000-byte native Windows shared memory object
 * (ipcmem_winshm_open: a section backed by the paging file), maps it, fills
 * it with 1s, then runs its own binary again as the client with
 * CreateProcess and waits for it. The client opens the object open-only and
 * read-only, maps it and checks every byte. Nothing needs removing: the
 * object is destroyed when its last handle and region are gone, so the
 * server must keep its handle open until the client has finished.
 *
 * Usage: windows_shm [NAME]          (server; default MySharedMemory)
 *        windows_shm child NAME      (client, started by the server) */
#include <ipcmem.h>

#include <stdio.h>
#include <string.h>
#include <windows.h>

#define SHM_SIZE 1000

static int fail(const char *what, int rc) {
  fprintf(stderr, "%s: %s (%s, Windows error %d)\n", what, ipcmem_strerror(rc),
          ipcmem_err_name(rc), ipcmem_last_os_error());
  return 1;
}

static int run_client(const char *name) {
  ipcmem_winshm shm;
  ipcmem_region region;
  const unsigned char *mem;
  size_t i, size;
  int rc;

  rc = ipcmem_winshm_open(&shm, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0);
  if (rc != 0)
    return fail("client: open", rc);
  /* The 1000 bytes the server wrote. Size 0 would map the whole object,
   * which Windows has rounded up to a whole page. */
  rc = ipcmem_region_map(&region, &shm.base, IPCMEM_READ_ONLY, 0, SHM_SIZE,
                         NULL, 0);
  ipcmem_winshm_close(&shm);
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

/* Runs this program again as "PROGRAM child NAME" and returns its exit
 * code. Names with a double quote are refused by the caller. */
static int run_child(const char *name) {
  char self[MAX_PATH], cmd[2 * MAX_PATH + 64];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  DWORD code = 1;
  DWORD n = GetModuleFileNameA(NULL, self, sizeof(self));

  if (n == 0 || n >= sizeof(self))
    return 1;
  snprintf(cmd, sizeof(cmd), "\"%s\" child \"%s\"", self, name);
  memset(&si, 0, sizeof(si));
  si.cb = sizeof(si);
  fflush(stdout);
  if (!CreateProcessA(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    return 1;
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  return (int)code;
}

static int run_server(const char *name) {
  ipcmem_winshm shm;
  ipcmem_region region;
  uint64_t size = 0;
  int rc, result;

  rc = ipcmem_winshm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                          SHM_SIZE);
  if (rc != 0)
    return fail("server: create", rc);
  ipcmem_winshm_size(&shm, &size);
  rc = ipcmem_region_map(&region, &shm.base, IPCMEM_READ_WRITE, 0, SHM_SIZE,
                         NULL, 0);
  if (rc != 0) {
    ipcmem_winshm_close(&shm);
    return fail("server: map", rc);
  }
  memset(ipcmem_region_addr(&region), 1, ipcmem_region_size(&region));
  printf("server: created '%s' (%d bytes asked, %llu reported by Windows), "
         "wrote %zu bytes of 1\n",
         name, SHM_SIZE, (unsigned long long)size, ipcmem_region_size(&region));
  result = run_child(name);
  if (result != 0)
    fprintf(stderr, "server: the client failed\n");
  else
    printf("server: the client saw what the server wrote\n");
  /* The last handle and region: the object is destroyed here. */
  ipcmem_region_unmap(&region);
  ipcmem_winshm_close(&shm);
  rc = ipcmem_winshm_open(&shm, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0);
  if (rc != IPCMEM_ENOENT) {
    fprintf(stderr, "server: the object outlived its handles (%s)\n",
            ipcmem_err_name(rc));
    if (rc == 0)
      ipcmem_winshm_close(&shm);
    return 1;
  }
  printf("server: '%s' is gone with its last handle\n", name);
  return result;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0)
    return run_client(argv[2]);
  if (argc > 2 || (argc == 2 && strchr(argv[1], '"') != NULL)) {
    fprintf(stderr, "usage: %s [NAME]\n", argv[0]);
    return 2;
  }
  return run_server(argc == 2 ? argv[1] : "MySharedMemory");
}
