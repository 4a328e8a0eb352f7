/* The example programs, run as real processes the way a user would run
 * them: exit status, what they print, and what they leave behind. */
#include "runner.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SERVER IPCMEM_EXAMPLES_DIR "/shm_server_client"
#define ANON IPCMEM_EXAMPLES_DIR "/anonymous_shm"

/* The name must not exist afterwards: neither openable nor removable. */
static void expect_absent(const char *name) {
  ipcmem_shm shm;

  ASSERT_ERR(ipcmem_shm_open(&shm, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);
}

/* Runs the server on `name` and checks that both sides reported success, in
 * order. */
static void run_server_ok(const char *name) {
  char *argv[] = {SERVER, (char *)name, NULL};
  char out[4096], wrote[128], verified[128];
  const char *a, *b, *c;

  snprintf(wrote, sizeof(wrote), "server: wrote 1000 bytes of 1 to '%s'", name);
  snprintf(verified, sizeof(verified),
           "client: verified 1000 bytes of '%s' are 1", name);
  ASSERT_EQ(test_run_capture(argv, out, sizeof(out)), 0);
  a = TEST_EXPECT_OUTPUT(out, wrote);
  b = TEST_EXPECT_OUTPUT(out, verified);
  c = TEST_EXPECT_OUTPUT(out, "server: the client saw what the server wrote");
  ASSERT(a < b && b < c);
}

TEST(example_shm_server_client) {
  const char *name = test_shm_name(0);

  expect_absent(name);
  run_server_ok(name);
  expect_absent(name);
}

/* The server removes an object a crashed earlier run left under its name,
 * and still leaves nothing behind. */
TEST(example_shm_server_client_stale_object) {
  const char *name = test_shm_name(1);
  ipcmem_shm shm;

  ASSERT_OK(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&shm, 5));
  ASSERT_OK(ipcmem_shm_close(&shm));
  run_server_ok(name);
  expect_absent(name);
}

TEST(example_shm_server_client_bad_arguments) {
  char *usage[] = {SERVER, "a", "b", "c", NULL};
  char *badname[] = {SERVER, "no/slashes/inside", NULL};
  char out[4096];

  ASSERT_EQ(test_run_capture(usage, out, sizeof(out)), 2);
  ASSERT_STR_EQ(out, "");
  /* A name the library refuses: the server fails before writing. */
  ASSERT_EQ(test_run_capture(badname, out, sizeof(out)), 1);
  ASSERT(strstr(out, "server: wrote") == NULL);
}

TEST(example_anonymous_shm) {
  char *argv[] = {ANON, NULL};
  char out[4096];
  const char *a, *b, *c;

  ASSERT_EQ(test_run_capture(argv, out, sizeof(out)), 0);
  a = TEST_EXPECT_OUTPUT(out, "parent: wrote 1000 bytes of 1");
  b = TEST_EXPECT_OUTPUT(out, "child: saw the 1s, wrote 1000 bytes of 2");
  c = TEST_EXPECT_OUTPUT(out, "parent: saw the child's 2s");
  ASSERT(a < b && b < c);
}
