/* The portable name rule: an optional leading '/', then 1 to
 * IPCMEM_NAME_MAX characters from [A-Za-z0-9._-], and not "." or "..".
 * Checked through the public functions (ipcmem_shm_open and
 * ipcmem_shm_remove) and through ipcmem__name_canon, which tells exactly
 * what a name turns into. */
#include "internal.h"
#include "runner.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

static const char *const valid_names[] = {
    "a",
    "/a",
    "-x",
    "a.b",
    "A-z_0.9",
    "...",
    "_",
    "0",
    "/.a",
    "a..",
    "abcdefghijklmnopqrstuvwxyz0123",  /* 30 characters */
    "/ABCDEFGHIJKLMNOPQRSTUVWXYZ.-_9", /* '/' and 30 characters */
};

static const char *const invalid_names[] = {
    "",
    "/",
    "//",
    "//a",
    "a/b",
    "/a/",
    "a/",
    "/a/b",
    ".",
    "..",
    "/.",
    "/..",
    "abcdefghijklmnopqrstuvwxyz01234",  /* 31 characters */
    "/abcdefghijklmnopqrstuvwxyz01234", /* '/' and 31 characters */
    " ",
    "a b",
    "a\\b",
    "caf\xc3\xa9", /* "café" in UTF-8 */
    "\xc3\xa9",
    "a:b",
    "a\tb",
    "\t",
    "a\n",
    "a*b",
    "~a",
    "a%b",
    "\x7f",
    "\xff",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int name_char_ok(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Fails the test because opening `name` succeeded; if that created an
 * object (a name the runner does not know), removes it first so that a
 * broken rule cannot leave objects behind. */
static void opened_anyway(ipcmem_shm *shm, const char *name, int line) {
  int created = ipcmem_shm_created(shm);

  ipcmem_shm_close(shm);
  if (created)
    ipcmem_shm_remove(name);
  test_fail_(__FILE__, line, "name \"%s\" was accepted", name);
}

/* Asserts that every public entry point refuses `name` with ENAME before
 * any system call. */
static void assert_refused(const char *name) {
  static const int modes[] = {IPCMEM_CREATE_ONLY, IPCMEM_OPEN_OR_CREATE,
                              IPCMEM_OPEN_ONLY};
  static const int access[] = {IPCMEM_READ_WRITE, IPCMEM_READ_ONLY};
  ipcmem_shm shm;
  size_t i, j;
  int rc;

  for (i = 0; i < COUNT(modes); i++) {
    for (j = 0; j < COUNT(access); j++) {
      rc = ipcmem_shm_open(&shm, name, modes[i], access[j], 0644);
      if (rc == 0)
        opened_anyway(&shm, name, __LINE__);
      ASSERT_ERR(rc, IPCMEM_ENAME);
      ASSERT_EQ(ipcmem_last_os_error(), 0);
    }
  }
  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENAME);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
}

/* Asserts that opening `name` reached the system: the name was accepted.
 * The object normally does not exist (ENOENT); if some other program
 * happens to own one by that name, any outcome but a refusal is fine. */
static void assert_accepted(const char *name) {
  ipcmem_shm shm;
  int rc;

  rc = ipcmem_shm_open(&shm, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0);
  if (rc == 0) {
    ASSERT_OK(ipcmem_shm_close(&shm));
    return;
  }
  if (rc == IPCMEM_ENAME || rc == IPCMEM_EINVAL || ipcmem_last_os_error() == 0)
    test_fail_(__FILE__, __LINE__, "name \"%s\" refused: %s", name,
               ipcmem_err_name(rc));
}

/* Writes a name of exactly `len` characters to out: the test prefix (so
 * the leftover check would see it), this process's pid, padding. */
static void long_name(char *out, size_t out_size, size_t len) {
  size_t n;

  n = (size_t)snprintf(out, out_size, "%sL%ld.", test_shm_prefix(),
                       (long)getpid());
  ASSERT(n < len && len < out_size);
  memset(out + n, 'x', len - n);
  out[len] = '\0';
}

TEST(name_valid_canonical_form) {
  char out[IPCMEM_NAME_MAX + 2];
  size_t i;

  for (i = 0; i < COUNT(valid_names); i++) {
    const char *n = valid_names[i];
    const char *bare = n[0] == '/' ? n + 1 : n;

    memset(out, 0x55, sizeof(out));
    ASSERT_OK(ipcmem__name_canon(out, n));
    /* Always exactly one leading slash: "x" and "/x" are one object. */
    ASSERT_EQ(out[0], '/');
    ASSERT_STR_EQ(out + 1, bare);
  }
}

TEST(name_valid_accepted) {
  char slashed[64];
  size_t i;

  for (i = 0; i < COUNT(valid_names); i++)
    assert_accepted(valid_names[i]);
  /* Removing is only tried on this test's own names, which do not exist:
   * an accepted name gets as far as ENOENT. */
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
  snprintf(slashed, sizeof(slashed), "/%s", test_shm_name(0));
  ASSERT_ERR(ipcmem_shm_remove(slashed), IPCMEM_ENOENT);
}

TEST(name_invalid_refused) {
  char out[IPCMEM_NAME_MAX + 2];
  size_t i;

  for (i = 0; i < COUNT(invalid_names); i++) {
    assert_refused(invalid_names[i]);
    ASSERT_ERR(ipcmem__name_canon(out, invalid_names[i]), IPCMEM_ENAME);
  }
}

TEST(name_null) {
  char out[IPCMEM_NAME_MAX + 2];
  ipcmem_shm shm;

  ASSERT_ERR(
      ipcmem_shm_open(&shm, NULL, IPCMEM_OPEN_OR_CREATE, IPCMEM_READ_WRITE, 0),
      IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_shm_remove(NULL), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem__name_canon(out, NULL), IPCMEM_EINVAL);
}

/* Every byte value, in the middle of a name so that neither the leading
 * slash nor "."/".." interferes: only [A-Za-z0-9._-] pass. */
TEST(name_charset_exhaustive) {
  char name[4], out[IPCMEM_NAME_MAX + 2];
  int c;

  for (c = 1; c < 256; c++) {
    name[0] = 'a';
    name[1] = (char)c;
    name[2] = 'a';
    name[3] = '\0';
    if (name_char_ok(c)) {
      ASSERT_OK(ipcmem__name_canon(out, name));
      assert_accepted(name);
    } else {
      ASSERT_ERR(ipcmem__name_canon(out, name), IPCMEM_ENAME);
      assert_refused(name);
    }
  }
}

/* Lengths around the limit, with and without the slash, which does not
 * count. */
TEST(name_length_limit) {
  char name[64], out[IPCMEM_NAME_MAX + 2];
  size_t len;

  for (len = 1; len <= IPCMEM_NAME_MAX + 2; len++) {
    memset(name, 'n', len);
    name[len] = '\0';
    if (len <= IPCMEM_NAME_MAX)
      ASSERT_OK(ipcmem__name_canon(out, name));
    else
      assert_refused(name);
    name[0] = '/';
    memset(name + 1, 'n', len);
    name[len + 1] = '\0';
    if (len <= IPCMEM_NAME_MAX)
      ASSERT_OK(ipcmem__name_canon(out, name));
    else
      assert_refused(name);
  }
}

/* The longest name really makes an object, which can be used through
 * either spelling. It cannot be one of the runner's names, so the work is
 * done in a child and the parent removes the name whatever happened. */
TEST(name_30_chars_creates_object) {
  char name[64], slashed[72];
  pid_t pid;
  int rc;

  long_name(name, sizeof(name), IPCMEM_NAME_MAX);
  ASSERT_EQ(strlen(name), 30);
  snprintf(slashed, sizeof(slashed), "/%s", name);

  fflush(NULL);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    ipcmem_shm a, b;

    ASSERT_OK(
        ipcmem_shm_open(&a, slashed, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
    ASSERT_STR_EQ(ipcmem_shm_name(&a), name);
    ASSERT_OK(ipcmem_shm_truncate(&a, 4096));
    ASSERT_OK(ipcmem_shm_open(&b, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
    ASSERT_EQ(ipcmem_shm_created(&b), 0);
    ASSERT_STR_EQ(ipcmem_shm_name(&b), name);
    ASSERT_OK(ipcmem_shm_close(&b));
    ASSERT_OK(ipcmem_shm_close(&a));
    ASSERT_OK(ipcmem_shm_remove(name));
    ASSERT_ERR(ipcmem_shm_remove(slashed), IPCMEM_ENOENT);
    _exit(0);
  }
  rc = test_wait_pid(pid);
  /* ENOENT here proves the child cleaned up; 0 means it left the object,
   * which this call has now removed. */
  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);
  ASSERT_EQ(rc, 0);
}

/* One character more and the same name is refused, before anything is
 * created. */
TEST(name_31_chars_refused) {
  char name[64], slashed[72];

  long_name(name, sizeof(name), IPCMEM_NAME_MAX + 1);
  snprintf(slashed, sizeof(slashed), "/%s", name);
  assert_refused(name);
  assert_refused(slashed);
  name[IPCMEM_NAME_MAX] = '\0';
  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);
}

/* The check reads at most IPCMEM_NAME_MAX + 1 characters (plus the slash),
 * so an overlong string is refused without being read to its end: here
 * it runs into an inaccessible page, which would crash a strlen(). */
TEST(name_scan_is_bounded) {
  size_t page = ipcmem_page_size();
  char *mem, *name;

  mem = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT(mem != MAP_FAILED);
  ASSERT(mprotect(mem + page, page, PROT_NONE) == 0);
  memset(mem, 'a', page);

  name = mem + page - (IPCMEM_NAME_MAX + 1);
  assert_refused(name);
  name = mem + page - (IPCMEM_NAME_MAX + 2);
  name[0] = '/';
  assert_refused(name);
  ASSERT(munmap(mem, 2 * page) == 0);
}
