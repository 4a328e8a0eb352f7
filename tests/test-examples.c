/* The example programs, run as real processes the way a user would run
 * them: exit status, what they print, and what they leave behind. */
#include "runner.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SERVER IPCMEM_EXAMPLES_DIR "/shm_server_client"
#define ANON IPCMEM_EXAMPLES_DIR "/anonymous_shm"

/* Runs argv[0] with the arguments argv (NULL-terminated), collects its
 * standard output into out (NUL-terminated) and returns its exit code as
 * test_wait_pid does. Standard error stays the test's, for diagnosis. */
static int run_capture(char *const argv[], char *out, size_t cap) {
  size_t len = 0;
  ssize_t n;
  int fds[2];
  pid_t pid;

  ASSERT_EQ(pipe(fds), 0);
  fflush(NULL);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    if (dup2(fds[1], STDOUT_FILENO) < 0)
      _exit(126);
    close(fds[1]);
    execv(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  for (;;) {
    n = read(fds[0], out + len, cap - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    ASSERT(n >= 0);
    if (n == 0)
      break;
    len += (size_t)n;
    /* Output that fills the buffer is more than any example prints. */
    ASSERT(len < cap - 1);
  }
  out[len] = '\0';
  close(fds[0]);
  return test_wait_pid(pid);
}

/* Fails unless `needle` occurs in the output; returns where it does, so
 * that the order of lines can be checked. */
#define EXPECT_OUTPUT(out, needle) expect_output_(__LINE__, (out), (needle))
static const char *expect_output_(int line, const char *out,
                                  const char *needle) {
  const char *at = strstr(out, needle);

  if (at == NULL)
    test_fail_(__FILE__, line, "the output lacks \"%s\"; it was:\n%s", needle,
               out);
  return at;
}

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
  ASSERT_EQ(run_capture(argv, out, sizeof(out)), 0);
  a = EXPECT_OUTPUT(out, wrote);
  b = EXPECT_OUTPUT(out, verified);
  c = EXPECT_OUTPUT(out, "server: the client saw what the server wrote");
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

  ASSERT_EQ(run_capture(usage, out, sizeof(out)), 2);
  ASSERT_STR_EQ(out, "");
  /* A name the library refuses: the server fails before writing. */
  ASSERT_EQ(run_capture(badname, out, sizeof(out)), 1);
  ASSERT(strstr(out, "server: wrote") == NULL);
}

TEST(example_anonymous_shm) {
  char *argv[] = {ANON, NULL};
  char out[4096];
  const char *a, *b, *c;

  ASSERT_EQ(run_capture(argv, out, sizeof(out)), 0);
  a = EXPECT_OUTPUT(out, "parent: wrote 1000 bytes of 1");
  b = EXPECT_OUTPUT(out, "child: saw the 1s, wrote 1000 bytes of 2");
  c = EXPECT_OUTPUT(out, "parent: saw the child's 2s");
  ASSERT(a < b && b < c);
}
