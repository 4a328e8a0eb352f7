/* The seed's XSI (System V) shared memory example, in C.
 *
 * The server makes a key from its own path (ftok), removes any segment an
 * earlier run left for that key, creates a 1000-byte segment, maps it, fills
 * it with 1s and runs its own binary again as the client, which opens the
 * segment by key, maps it read-only and checks every byte. The server
 * removes the segment when it ends.
 *
 * Usage: xsi_server_client          (server)
 *        xsi_server_client child    (client, started by the server) */
#include <ipcmem.h>

#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

#define SEG_SIZE 1000

static int fail(const char *what, int rc) {
  fprintf(stderr, "%s: %s (%s)\n", what, ipcmem_strerror(rc),
          ipcmem_err_name(rc));
  return 1;
}

/* Tolerates "not found", like the seed's remove_old_shared_memory(). */
static int remove_old_segment(ipcmem_xsi_key key) {
  ipcmem_xsi old;
  int rc = ipcmem_xsi_open(&old, key, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0, 0);

  if (rc == IPCMEM_ENOENT)
    return 0;
  if (rc != 0)
    return rc;
  rc = ipcmem_xsi_remove(ipcmem_xsi_id(&old));
  return rc == IPCMEM_ENOENT ? 0 : rc;
}

static int run_client(const char *self) {
  ipcmem_xsi_key key;
  ipcmem_xsi shm;
  ipcmem_region region;
  const unsigned char *mem;
  size_t i, size;
  int rc;

  rc = ipcmem_xsi_key_from_path(&key, self, 1);
  if (rc != 0)
    return fail("client: key", rc);
  rc = ipcmem_xsi_open(&shm, key, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0, 0);
  if (rc != 0)
    return fail("client: open", rc);
  rc = ipcmem_region_map(&region, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0);
  if (rc != 0)
    return fail("client: map", rc);
  mem = ipcmem_region_addr(&region);
  size = ipcmem_region_size(&region);
  for (i = 0; i < size && mem[i] == 1; i++)
    ;
  ipcmem_region_unmap(&region);
  if (i != size) {
    fprintf(stderr, "client: byte %zu is not 1\n", i);
    return 1;
  }
  printf("client: verified %zu bytes of segment %d are 1\n", size,
         ipcmem_xsi_id(&shm));
  return 0;
}

static int run_child(const char *self) {
  char *argv[] = {(char *)self, "child", NULL};
  pid_t pid;
  int status;

  fflush(stdout);
  if (posix_spawnp(&pid, self, NULL, NULL, argv, environ) != 0)
    return 1;
  if (waitpid(pid, &status, 0) != pid)
    return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int run_server(const char *self) {
  ipcmem_xsi_key key;
  ipcmem_xsi shm;
  ipcmem_region region;
  int rc, result = 1;

  rc = ipcmem_xsi_key_from_path(&key, self, 1);
  if (rc != 0)
    return fail("server: key", rc);
  rc = remove_old_segment(key);
  if (rc != 0)
    return fail("server: remove old segment", rc);
  rc = ipcmem_xsi_open(&shm, key, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                       SEG_SIZE, 0);
  if (rc != 0)
    return fail("server: create", rc);
  rc = ipcmem_region_map(&region, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0);
  if (rc != 0) {
    fail("server: map", rc);
    goto out_remove;
  }
  memset(ipcmem_region_addr(&region), 1, ipcmem_region_size(&region));
  printf("server: wrote %zu bytes of 1 to segment %d\n",
         ipcmem_region_size(&region), ipcmem_xsi_id(&shm));
  result = run_child(self);
  if (result == 0)
    printf("server: the client saw what the server wrote\n");
  ipcmem_region_unmap(&region);
out_remove:
  ipcmem_xsi_remove(ipcmem_xsi_id(&shm));
  return result;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "child") == 0)
    return run_client(argv[0]);
  if (argc != 1) {
    fprintf(stderr, "usage: %s\n", argv[0]);
    return 2;
  }
  return run_server(argv[0]);
}
