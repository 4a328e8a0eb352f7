/* The portable half of the test runner (see runner.h and
 * runner-internal.h): everything that is the same on every system, so that
 * the POSIX and the Windows runner name, report and judge tests alike. */
#include "runner-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_ENTRY(name) TEST(name);
#define HELPER_ENTRY(name) HELPER(name);
#include "test-list.h"
#undef TEST_ENTRY
#undef HELPER_ENTRY

typedef struct helper_entry {
  const char *name;
  int (*fn)(int, char **);
} helper_entry;

#define TEST_ENTRY(name) {#name, test_##name},
#define HELPER_ENTRY(name)
static const runner__test tests[] = {
#include "test-list.h"
    {NULL, NULL}};
#undef TEST_ENTRY
#undef HELPER_ENTRY

#define TEST_ENTRY(name)
#define HELPER_ENTRY(name) {#name, helper_##name},
static const helper_entry helpers[] = {
#include "test-list.h"
    {NULL, NULL}};
#undef TEST_ENTRY
#undef HELPER_ENTRY

unsigned long runner__name_pid;
char runner__exe_path[RUNNER_PATH_BUF];
char runner__tmp_dir[RUNNER_PATH_BUF];
int runner__is_helper;

static char prefix[16];

void test_fail_(const char *file, int line, const char *fmt, ...) {
  va_list ap;

  fprintf(stderr, "%s%s:%d: ", runner__is_helper ? "[helper] " : "", file,
          line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  runner__exit(1);
}

void test_skip(const char *fmt, ...) {
  va_list ap;

  fputs("SKIP: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  runner__exit(TEST_SKIP_CODE);
}

/* --- names ------------------------------------------------------------- */

static void init_prefix(void) {
  const char *tag = getenv("IPCMEM_TEST_TAG");

  if (tag == NULL || strlen(tag) != 4)
    tag = "0000";
  snprintf(prefix, sizeof(prefix), "ipcmemt%s.", tag);
}

const char *test_shm_prefix(void) { return prefix; }

/* Base 36 keeps names short: the portable limit is 30 characters. */
void runner__fmt_base36(char *out, unsigned long v) {
  char tmp[16];
  int n = 0;

  do {
    tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
    v /= 36;
  } while (v != 0);
  while (n > 0)
    *out++ = tmp[--n];
  *out = '\0';
}

static void format_name(char out[RUNNER_NAME_BUF], unsigned long pid, int k) {
  char p36[16];

  runner__fmt_base36(p36, pid);
  snprintf(out, RUNNER_NAME_BUF, "%s%s.%d", prefix, p36, k);
  if (strlen(out) > IPCMEM_NAME_MAX)
    test_fail_(__FILE__, __LINE__, "test name %s is too long", out);
}

const char *test_shm_name(int k) {
  static char names[TEST_NAMES_MAX][RUNNER_NAME_BUF];

  if (k < 0 || k >= TEST_NAMES_MAX)
    test_fail_(__FILE__, __LINE__, "test_shm_name(%d): only %d names", k,
               TEST_NAMES_MAX);
  format_name(names[k], runner__name_pid, k);
  return names[k];
}

int runner__remove_names(int (*also)(const char *name)) {
  char name[RUNNER_NAME_BUF];
  int k, n = 0;

  for (k = 0; k < TEST_NAMES_MAX; k++) {
    format_name(name, runner__name_pid, k);
    if (ipcmem_shm_remove(name) == 0) {
      fprintf(stderr, "leftover: the test left shm object %s behind\n", name);
      n++;
    }
    if (also != NULL)
      n += also(name);
  }
  return n;
}

const char *test_exe(void) { return runner__exe_path; }

/* --- XSI keys ---------------------------------------------------------- */

/* 'I' in the top bits, then the pid (Linux's pid_max is at most 2^22; a
 * larger pid is cut to its low bits) and k: unique per process and small
 * enough to stay clear of ftok's usual values. Windows has no XSI: there
 * the keys only serve to show that every XSI call says so. */
int32_t runner__xsi_key_value(unsigned long pid, int k) {
  return (int32_t)(0x40000000L | (long)((pid & 0x3fffffUL) << 5) | (long)k);
}

ipcmem_xsi_key test_xsi_key(int k) {
  ipcmem_xsi_key key;

  if (k < 0 || k >= TEST_NAMES_MAX)
    test_fail_(__FILE__, __LINE__, "test_xsi_key(%d): only %d keys", k,
               TEST_NAMES_MAX);
  ipcmem_xsi_key_from_value(&key, runner__xsi_key_value(runner__name_pid, k));
  return key;
}

/* --- scratch files ----------------------------------------------------- */

/* A forked test already has the path in runner__tmp_dir; a re-executed
 * process (a helper, or the test's own process on Windows) finds it in the
 * environment, where the runner put it when it made the directory. */
const char *test_tmp_dir(void) {
  const char *d = getenv("IPCMEM_TEST_TMPDIR");

  if (runner__tmp_dir[0] == '\0' && d != NULL)
    snprintf(runner__tmp_dir, sizeof(runner__tmp_dir), "%s", d);
  if (runner__tmp_dir[0] == '\0')
    test_fail_(__FILE__, __LINE__, "no scratch directory for this test");
  return runner__tmp_dir;
}

const char *test_tmp_path(int k) {
  static char paths[TEST_NAMES_MAX][RUNNER_PATH_BUF + 16];

  if (k < 0 || k >= TEST_NAMES_MAX)
    test_fail_(__FILE__, __LINE__, "test_tmp_path(%d): only %d paths", k,
               TEST_NAMES_MAX);
  snprintf(paths[k], sizeof(paths[k]), "%s" RUNNER_PATH_SEP "f%d",
           test_tmp_dir(), k);
  return paths[k];
}

/* --- helpers and output ------------------------------------------------ */

void runner__helper_argv(char *argv[RUNNER_HELPER_ARGV], const char *helper,
                         va_list ap) {
  const char *a;
  int argc = 0;

  argv[argc++] = runner__exe_path;
  argv[argc++] = "helper";
  argv[argc++] = (char *)helper;
  while ((a = va_arg(ap, const char *)) != NULL &&
         argc < RUNNER_HELPER_ARGV - 1)
    argv[argc++] = (char *)a;
  argv[argc] = NULL;
}

const char *test_expect_output_(const char *file, int line, const char *out,
                                const char *needle) {
  const char *at = strstr(out, needle);

  if (at == NULL)
    test_fail_(file, line, "the output lacks \"%s\"; it was:\n%s", needle, out);
  return at;
}

/* --- running ----------------------------------------------------------- */

static const runner__test *find_test(const char *name) {
  const runner__test *t;

  for (t = tests; t->name != NULL; t++)
    if (strcmp(t->name, name) == 0)
      return t;
  return NULL;
}

int runner__verdict(int rc, int leftovers) {
  if (leftovers != 0 && (rc == 0 || rc == TEST_SKIP_CODE))
    rc = 1;
  if (rc != 0 && rc != TEST_SKIP_CODE)
    rc = 1;
  return rc;
}

/* A helper, and on Windows the test's own process, is a new process: the
 * runner passes the pid its names derive from in the environment. */
static void load_name_pid(void) {
  const char *np = getenv("IPCMEM_TEST_NAME_PID");

  if (np != NULL)
    runner__name_pid = strtoul(np, NULL, 10);
}

static int run_child(const char *name) {
  const runner__test *t = find_test(name);

  if (t == NULL) {
    fprintf(stderr, "no test named %s\n", name);
    return 2;
  }
  load_name_pid();
  t->fn();
  fflush(NULL);
  return 0;
}

static int run_helper(const char *name, int argc, char **argv) {
  const helper_entry *h;

  runner__is_helper = 1;
  runner__helper_init();
  load_name_pid();
  for (h = helpers; h->name != NULL; h++)
    if (strcmp(h->name, name) == 0)
      return h->fn(argc, argv);
  fprintf(stderr, "no helper named %s\n", name);
  return 2;
}

static void usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s                 run every test\n"
          "       %s run NAME        run one test\n"
          "       %s list            list the tests\n",
          argv0, argv0, argv0);
  if (runner__child_mode)
    fprintf(stderr,
            "       %s child NAME      (internal) the test's own process\n",
            argv0);
  fprintf(stderr, "       %s helper NAME ... (internal) run a helper process\n",
          argv0);
}

/* The line CTest and a reader of the whole run see for each test. It is
 * flushed at once, so that it stays in order with what the next test
 * prints on standard error. */
static void report(const runner__test *t, int rc) {
  printf("%s %s\n",
         rc == 0                ? "ok"
         : rc == TEST_SKIP_CODE ? "skip"
                                : "FAIL",
         t->name);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const runner__test *t;
  int passed = 0, failed = 0, skipped = 0, rc;

  if (runner__init(argv[0]) != 0)
    return 2;
  init_prefix();

  if (argc >= 3 && strcmp(argv[1], "helper") == 0)
    return run_helper(argv[2], argc - 3, argv + 3);
  if (runner__child_mode && argc == 3 && strcmp(argv[1], "child") == 0)
    return run_child(argv[2]);
  if (argc == 2 && strcmp(argv[1], "list") == 0) {
    for (t = tests; t->name != NULL; t++)
      puts(t->name);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "run") == 0) {
    t = find_test(argv[2]);
    if (t == NULL) {
      fprintf(stderr, "no test named %s\n", argv[2]);
      return 2;
    }
    rc = runner__run_test(t);
    report(t, rc);
    return rc;
  }
  if (argc != 1) {
    usage(argv[0]);
    return 2;
  }
  for (t = tests; t->name != NULL; t++) {
    rc = runner__run_test(t);
    report(t, rc);
    if (rc == 0)
      passed++;
    else if (rc == TEST_SKIP_CODE)
      skipped++;
    else
      failed++;
  }
  printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed != 0;
}
