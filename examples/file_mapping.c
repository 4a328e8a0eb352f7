/* The seed's memory-mapped file example, in C.
 *
 * The parent creates a 10000-byte file, maps it read-write, fills it with
 * 1s and runs its own binary again as the child, which maps the file
 * read-only and checks every byte, then reads the file with plain read()
 * calls and checks it again. The file is removed when the parent ends.
 *
 * Usage: file_mapping [PATH]          (parent; default file.bin)
 *        file_mapping child PATH      (child, started by the parent) */
#include <ipcmem.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if !defined(O_CLOEXEC)
#define O_CLOEXEC 0 /* Windows: handles are not inherited unless asked */
#endif
#if !defined(O_BINARY)
#define O_BINARY 0 /* Unix: files have no text mode */
#endif

/* Starting the child is the one platform-specific step: posix_spawn on
 * Unix, CreateProcess on Windows. */
#if defined(_WIN32)
#include <windows.h>
#else
#include <spawn.h>
#include <sys/wait.h>
extern char **environ;
#endif

#define FILE_SIZE 10000

static int fail(const char *what, int rc) {
  fprintf(stderr, "%s: %s (%s)\n", what, ipcmem_strerror(rc),
          ipcmem_err_name(rc));
  return 1;
}

static int check_mapping(const char *path) {
  ipcmem_file file;
  ipcmem_region region;
  const unsigned char *mem;
  size_t i, size;
  int rc;

  rc = ipcmem_file_open(&file, path, IPCMEM_READ_ONLY);
  if (rc != 0)
    return fail("child: open", rc);
  rc = ipcmem_region_map(&region, &file.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0);
  ipcmem_file_close(&file);
  if (rc != 0)
    return fail("child: map", rc);
  mem = ipcmem_region_addr(&region);
  size = ipcmem_region_size(&region);
  for (i = 0; i < size && mem[i] == 1; i++)
    ;
  ipcmem_region_unmap(&region);
  if (i != size || size != FILE_SIZE) {
    fprintf(stderr, "child: the mapping does not hold %d 1s\n", FILE_SIZE);
    return 1;
  }
  printf("child: the mapping holds %zu bytes of 1\n", size);
  return 0;
}

static int check_file(const char *path) {
  unsigned char buf[FILE_SIZE];
  size_t got = 0, i;
  ssize_t n;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_BINARY);

  if (fd < 0)
    return 1;
  while (got < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
    got += (size_t)n;
  close(fd);
  for (i = 0; i < got && buf[i] == 1; i++)
    ;
  if (got != FILE_SIZE || i != got) {
    fprintf(stderr, "child: the file does not hold %d 1s\n", FILE_SIZE);
    return 1;
  }
  printf("child: read() sees the same %zu bytes in the file\n", got);
  return 0;
}

#if defined(_WIN32)
/* Runs "SELF child ARG" and returns its exit code. The example's names and
 * paths need no quoting beyond the double quotes. */
static int run_child(const char *self, const char *path) {
  char cmd[2 * MAX_PATH + 64];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  DWORD code = 1;

  snprintf(cmd, sizeof(cmd), "\"%s\" child \"%s\"", self, path);
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
static int run_child(const char *self, const char *path) {
  char *argv[] = {(char *)self, "child", (char *)path, NULL};
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

static int run_parent(const char *self, const char *path) {
  ipcmem_file file;
  ipcmem_region region;
  int fd, rc, result = 1;

  /* Create the file and give it its size, as the seed does with a filebuf. */
  ipcmem_file_remove(path);
  fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_BINARY, 0600);
  if (fd < 0 || ftruncate(fd, FILE_SIZE) != 0) {
    perror(path);
    return 1;
  }
  close(fd);

  rc = ipcmem_file_open(&file, path, IPCMEM_READ_WRITE);
  if (rc != 0) {
    fail("parent: open", rc);
    goto out_remove;
  }
  rc = ipcmem_region_map(&region, &file.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0);
  ipcmem_file_close(&file);
  if (rc != 0) {
    fail("parent: map", rc);
    goto out_remove;
  }
  memset(ipcmem_region_addr(&region), 1, ipcmem_region_size(&region));
  printf("parent: wrote %zu bytes of 1 to %s through a mapping\n",
         ipcmem_region_size(&region), path);
  result = run_child(self, path);
  if (result == 0)
    printf("parent: the child saw the data in the mapping and the file\n");
  ipcmem_region_unmap(&region);
out_remove:
  ipcmem_file_remove(path);
  return result;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0)
    return check_mapping(argv[2]) || check_file(argv[2]);
  if (argc > 2) {
    fprintf(stderr, "usage: %s [PATH]\n", argv[0]);
    return 2;
  }
  return run_parent(argv[0], argc == 2 ? argv[1] : "file.bin");
}
