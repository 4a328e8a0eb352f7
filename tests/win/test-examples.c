/* The example programs, run as real processes the way a user would run
 * them: exit status, what they print, and what they leave behind. */
#include "wintest.h"

/* The path of example `name`, next to the test binary's directory. */
static const char *example(const char *name) {
  static char path[4][1200];
  static unsigned next;
  char dir[1100], *slash, *p = path[next++ % 4];

  snprintf(dir, sizeof(dir), "%s", test_exe());
  slash = strrchr(dir, '\\');
  ASSERT(slash != NULL);
  *slash = '\0';
  snprintf(p, sizeof(path[0]), "%s\\%s\\%s.exe", dir, IPCMEM_EXAMPLES_REL,
           name);
  for (slash = p; *slash != '\0'; slash++)
    if (*slash == '/')
      *slash = '\\';
  if (!path_exists(p))
    test_fail_(__FILE__, __LINE__, "no example at %s", p);
  return p;
}

static void expect_shm_absent(const char *name) {
  ipcmem_shm shm;

  ASSERT_ERR(ipcmem_shm_open(&shm, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);
}

TEST(example_shm_server_client) {
  const char *name = test_shm_name(0);
  char *argv[] = {(char *)example("shm_server_client"), (char *)name, NULL};
  char out[4096], wrote[128], verified[128];
  const char *a, *b, *c;

  expect_shm_absent(name);
  snprintf(wrote, sizeof(wrote), "server: wrote 1000 bytes of 1 to '%s'", name);
  snprintf(verified, sizeof(verified),
           "client: verified 1000 bytes of '%s' are 1", name);
  ASSERT_EQ(test_run_capture(argv, out, sizeof(out)), 0);
  a = TEST_EXPECT_OUTPUT(out, wrote);
  b = TEST_EXPECT_OUTPUT(out, verified);
  c = TEST_EXPECT_OUTPUT(out, "server: the client saw what the server wrote");
  ASSERT(a < b && b < c);
  expect_shm_absent(name);
}

TEST(example_shm_server_client_bad_name) {
  char *argv[] = {(char *)example("shm_server_client"), "no\\backslash", NULL};
  char out[4096];

  ASSERT_EQ(test_run_capture(argv, out, sizeof(out)), 1);
  ASSERT(strstr(out, "server: wrote") == NULL);
}

TEST(example_windows_shm) {
  char name[64], created[128], verified[128], gone[128];
  char *argv[3];
  char out[4096];
  const char *a, *b, *c, *d;
  ipcmem_winshm w;

  snprintf(name, sizeof(name), "Local\\%s", test_shm_name(1));
  argv[0] = (char *)example("windows_shm");
  argv[1] = name;
  argv[2] = NULL;
  snprintf(created, sizeof(created), "server: created '%s'", name);
  snprintf(verified, sizeof(verified),
           "client: verified 1000 bytes of '%s' are 1", name);
  snprintf(gone, sizeof(gone), "server: '%s' is gone with its last handle",
           name);
  ASSERT_EQ(test_run_capture(argv, out, sizeof(out)), 0);
  a = TEST_EXPECT_OUTPUT(out, created);
  b = TEST_EXPECT_OUTPUT(out, verified);
  c = TEST_EXPECT_OUTPUT(out, "server: the client saw what the server wrote");
  d = TEST_EXPECT_OUTPUT(out, gone);
  ASSERT(a < b && b < c && c < d);
  ASSERT_ERR(
      ipcmem_winshm_open(&w, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0),
      IPCMEM_ENOENT);
}

TEST(example_anonymous_shm) {
  char *argv[] = {(char *)example("anonymous_shm"), NULL};
  char out[4096];
  const char *a, *b, *c;

  ASSERT_EQ(test_run_capture(argv, out, sizeof(out)), 0);
  a = TEST_EXPECT_OUTPUT(out, "parent: wrote 1000 bytes of 1");
  b = TEST_EXPECT_OUTPUT(out, "child: saw the 1s, wrote 1000 bytes of 2");
  c = TEST_EXPECT_OUTPUT(out, "parent: saw the child's 2s");
  ASSERT(a < b && b < c);
}

TEST(example_file_mapping) {
  char *argv[] = {(char *)example("file_mapping"), (char *)test_tmp_path(0),
                  NULL};
  char out[8192], wrote[1300];
  const char *a, *b, *c, *d;

  snprintf(wrote, sizeof(wrote),
           "parent: wrote 10000 bytes of 1 to %s through a mapping",
           test_tmp_path(0));
  ASSERT_EQ(test_run_capture(argv, out, sizeof(out)), 0);
  a = TEST_EXPECT_OUTPUT(out, wrote);
  b = TEST_EXPECT_OUTPUT(out, "child: the mapping holds 10000 bytes of 1");
  c = TEST_EXPECT_OUTPUT(out, "child: read() sees the same 10000 bytes in the "
                              "file");
  d = TEST_EXPECT_OUTPUT(out,
                         "parent: the child saw the data in the mapping and "
                         "the file");
  ASSERT(a < b && b < c && c < d);
  /* The example removes its file when it is done. */
  ASSERT(!path_exists(test_tmp_path(0)));
}
