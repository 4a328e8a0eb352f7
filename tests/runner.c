/* The test runner: see runner.h. */
/* nftw() is an XSI function. */
#define _XOPEN_SOURCE 700
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_ENTRY(name) TEST(name);
#define HELPER_ENTRY(name) HELPER(name);
#include "test-list.h"
#undef TEST_ENTRY
#undef HELPER_ENTRY

typedef struct test_entry {
  const char *name;
  void (*fn)(void);
} test_entry;

typedef struct helper_entry {
  const char *name;
  int (*fn)(int, char **);
} helper_entry;

#define TEST_ENTRY(name) {#name, test_##name},
#define HELPER_ENTRY(name)
static const test_entry tests[] = {
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

static char exe_path[PATH_MAX];
/* The pid that names are derived from: the runner's own pid, inherited by
 * the test child; a helper gets it from the environment. */
static long name_pid;
static char prefix[16];
static int is_helper;

void test_fail_(const char *file, int line, const char *fmt, ...) {
  va_list ap;

  fprintf(stderr, "%s%s:%d: ", is_helper ? "[helper] " : "", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  _exit(1);
}

void test_skip(const char *fmt, ...) {
  va_list ap;

  fputs("SKIP: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  _exit(TEST_SKIP_CODE);
}

static void init_prefix(void) {
  const char *tag = getenv("IPCMEM_TEST_TAG");

  if (tag == NULL || strlen(tag) != 4)
    tag = "0000";
  snprintf(prefix, sizeof(prefix), "ipcmemt%s.", tag);
}

const char *test_shm_prefix(void) { return prefix; }

const char *test_shm_path(const char *name) {
  static char path[PATH_MAX + 64];
  char dir[PATH_MAX];
  int backend;

  if (ipcmem_shm_get_backend(&backend) != 0)
    test_fail_(__FILE__, __LINE__, "cannot tell the shm backend");
  if (backend == IPCMEM_BACKEND_EMULATED) {
    if (ipcmem_shm_dir(dir, sizeof(dir)) != 0)
      test_fail_(__FILE__, __LINE__, "cannot tell the emulation's directory");
    snprintf(path, sizeof(path), "%s/%s", dir, name);
  } else {
    snprintf(path, sizeof(path), "/dev/shm/%s", name);
  }
  return path;
}

/* The emulated suite runs with IPCMEM_SHARED_DIR set to a directory shared
 * by the build's tests. It is made sticky and world-writable, like
 * /dev/shm, so that the tests that run a child as another user behave the
 * same in both backends. */
static void make_shared_dir(void) {
  const char *d = getenv("IPCMEM_SHARED_DIR");

  if (d != NULL && d[0] == '/' && (mkdir(d, 0700) == 0 || errno == EEXIST))
    chmod(d, 01777);
}

/* Base 36 keeps names short: the portable limit is 30 characters. */
static void fmt_base36(char *out, unsigned long v) {
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

#define NAME_BUF 64

static void format_name(char out[NAME_BUF], long pid, int k) {
  char p36[16];

  fmt_base36(p36, (unsigned long)pid);
  snprintf(out, NAME_BUF, "%s%s.%d", prefix, p36, k);
  if (strlen(out) > IPCMEM_NAME_MAX)
    test_fail_(__FILE__, __LINE__, "test name %s is too long", out);
}

const char *test_shm_name(int k) {
  static char names[TEST_NAMES_MAX][NAME_BUF];

  if (k < 0 || k >= TEST_NAMES_MAX)
    test_fail_(__FILE__, __LINE__, "test_shm_name(%d): only %d names", k,
               TEST_NAMES_MAX);
  format_name(names[k], name_pid, k);
  return names[k];
}

const char *test_exe(void) { return exe_path; }

/* --- scratch files ---------------------------------------------------- */

static char tmp_dir[PATH_MAX];

const char *test_tmp_dir(void) {
  const char *d = getenv("IPCMEM_TEST_TMPDIR");

  if (tmp_dir[0] == '\0' && d != NULL)
    snprintf(tmp_dir, sizeof(tmp_dir), "%s", d);
  if (tmp_dir[0] == '\0')
    test_fail_(__FILE__, __LINE__, "no scratch directory for this test");
  return tmp_dir;
}

const char *test_tmp_path(int k) {
  static char paths[TEST_NAMES_MAX][PATH_MAX + 16];

  if (k < 0 || k >= TEST_NAMES_MAX)
    test_fail_(__FILE__, __LINE__, "test_tmp_path(%d): only %d paths", k,
               TEST_NAMES_MAX);
  snprintf(paths[k], sizeof(paths[k]), "%s/f%d", test_tmp_dir(), k);
  return paths[k];
}

/* Makes the scratch directory of one test; the path is passed to the test
 * and its helpers through the environment. */
static int make_tmp_dir(void) {
  const char *base = getenv("TMPDIR");

  snprintf(tmp_dir, sizeof(tmp_dir), "%s/ipcmem-test.XXXXXX",
           base != NULL && base[0] != '\0' ? base : "/tmp");
  if (mkdtemp(tmp_dir) == NULL) {
    perror("mkdtemp");
    return -1;
  }
  setenv("IPCMEM_TEST_TMPDIR", tmp_dir, 1);
  return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw) {
  (void)st;
  (void)ftw;
  if (flag == FTW_DP)
    rmdir(path);
  else
    unlink(path);
  return 0;
}

/* Empties and removes the scratch directory; returns how many entries the
 * test left at its top level (a test may make directories of its own, and
 * everything below them goes too). */
static int remove_tmp_dir(void) {
  struct dirent *e;
  DIR *d = opendir(tmp_dir);
  int n = 0;

  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    fprintf(stderr, "leftover: the test left %s/%s behind\n", tmp_dir,
            e->d_name);
    n++;
  }
  closedir(d);
  nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return n;
}

/* --- XSI keys ---------------------------------------------------------- */

/* 'I' in the top bits, then the pid (pid_max is at most 2^22) and k: unique
 * per process and small enough to stay clear of ftok's usual values. */
static int32_t xsi_key_value(long pid, int k) {
  return (int32_t)(0x40000000L | ((pid & 0x3fffffL) << 5) | (long)k);
}

ipcmem_xsi_key test_xsi_key(int k) {
  ipcmem_xsi_key key;

  if (k < 0 || k >= TEST_NAMES_MAX)
    test_fail_(__FILE__, __LINE__, "test_xsi_key(%d): only %d keys", k,
               TEST_NAMES_MAX);
  ipcmem_xsi_key_from_value(&key, xsi_key_value(name_pid, k));
  return key;
}

/* Removes the segments of this test's keys, and on Linux those the test
 * process created with the private key; returns how many it found. */
static int remove_xsi_leftovers(long pid, pid_t child) {
  char line[512];
  FILE *f;
  int k, id, n = 0;
  long key, cpid;

  for (k = 0; k < TEST_NAMES_MAX; k++) {
    id = shmget((key_t)xsi_key_value(pid, k), 0, 0);
    if (id >= 0 && shmctl(id, IPC_RMID, NULL) == 0) {
      fprintf(stderr, "leftover: the test left XSI segment %d behind\n", id);
      n++;
    }
  }
  f = fopen("/proc/sysvipc/shm", "r");
  if (f == NULL)
    return n;
  while (fgets(line, sizeof(line), f) != NULL) {
    if (sscanf(line, "%ld %d %*s %*s %ld", &key, &id, &cpid) == 3 && key == 0 &&
        cpid == (long)child && shmctl(id, IPC_RMID, NULL) == 0) {
      fprintf(stderr, "leftover: the test left private XSI segment %d\n", id);
      n++;
    }
  }
  fclose(f);
  return n;
}

/* --- helper processes ------------------------------------------------ */

static int helper_ready_fd = -1, helper_go_fd = -1;

void test_spawn(test_proc *p, const char *helper, ...) {
  char *argv[32];
  char fds[64], pidbuf[32];
  int ready[2], go[2], argc = 0;
  const char *a;
  va_list ap;
  pid_t pid;

  argv[argc++] = exe_path;
  argv[argc++] = "helper";
  argv[argc++] = (char *)helper;
  va_start(ap, helper);
  while ((a = va_arg(ap, const char *)) != NULL && argc < 31)
    argv[argc++] = (char *)a;
  va_end(ap);
  argv[argc] = NULL;

  if (pipe(ready) != 0 || pipe(go) != 0)
    test_fail_(__FILE__, __LINE__, "pipe: %s", strerror(errno));
  fflush(NULL);
  pid = fork();
  if (pid < 0)
    test_fail_(__FILE__, __LINE__, "fork: %s", strerror(errno));
  if (pid == 0) {
    close(ready[0]);
    close(go[1]);
    snprintf(fds, sizeof(fds), "%d,%d", ready[1], go[0]);
    snprintf(pidbuf, sizeof(pidbuf), "%ld", name_pid);
    setenv("IPCMEM_TEST_FDS", fds, 1);
    setenv("IPCMEM_TEST_NAME_PID", pidbuf, 1);
    execv(exe_path, argv);
    _exit(127);
  }
  close(ready[1]);
  close(go[0]);
  p->pid = pid;
  p->ready_r = ready[0];
  p->go_w = go[1];
}

void test_proc_wait_ready(test_proc *p) {
  char c;
  ssize_t n;

  do
    n = read(p->ready_r, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1)
    test_fail_(__FILE__, __LINE__, "helper %ld exited before it was ready",
               (long)p->pid);
}

void test_proc_go(test_proc *p) {
  char c = 'g';

  if (write(p->go_w, &c, 1) != 1)
    test_fail_(__FILE__, __LINE__, "helper %ld is gone", (long)p->pid);
}

int test_wait_pid(pid_t pid) {
  int status;

  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      test_fail_(__FILE__, __LINE__, "waitpid: %s", strerror(errno));
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int test_proc_join(test_proc *p) {
  int rc = test_wait_pid(p->pid);

  close(p->ready_r);
  close(p->go_w);
  p->pid = -1;
  return rc;
}

int test_run_capture(char *const argv[], char *out, size_t cap) {
  char sink[256];
  size_t len = 0;
  ssize_t n;
  int fds[2], overflow = 0, rc;
  pid_t pid;

  if (cap == 0)
    return -1;
  out[0] = '\0';
  if (pipe(fds) != 0)
    return -1;
  fflush(NULL);
  pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
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
    /* Output that fills the buffer is more than any example prints: it is
     * drained and dropped, and the call reports -1 once the program ends. */
    if (len >= cap - 1)
      n = read(fds[0], sink, sizeof(sink));
    else
      n = read(fds[0], out + len, cap - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (len >= cap - 1)
      overflow = 1;
    else
      len += (size_t)n;
  }
  out[len] = '\0';
  close(fds[0]);
  rc = test_wait_pid(pid);
  return overflow ? -1 : rc;
}

const char *test_expect_output_(const char *file, int line, const char *out,
                                const char *needle) {
  const char *at = strstr(out, needle);

  if (at == NULL)
    test_fail_(file, line, "the output lacks \"%s\"; it was:\n%s", needle, out);
  return at;
}

void helper_ready(void) {
  char c = 'r';

  if (helper_ready_fd < 0 || write(helper_ready_fd, &c, 1) != 1)
    test_fail_(__FILE__, __LINE__, "helper_ready: no test to tell");
}

void helper_wait_go(void) {
  char c;
  ssize_t n;

  if (helper_go_fd < 0)
    test_fail_(__FILE__, __LINE__, "helper_wait_go: no test to wait for");
  do
    n = read(helper_go_fd, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1)
    test_fail_(__FILE__, __LINE__, "helper_wait_go: the test is gone");
}

/* --- running --------------------------------------------------------- */

static const test_entry *find_test(const char *name) {
  const test_entry *t;

  for (t = tests; t->name != NULL; t++)
    if (strcmp(t->name, name) == 0)
      return t;
  return NULL;
}

/* Removes every name the test could have used; returns how many existed. */
static int remove_leftovers(long pid) {
  char name[NAME_BUF];
  int k, n = 0;

  for (k = 0; k < TEST_NAMES_MAX; k++) {
    format_name(name, pid, k);
    if (ipcmem_shm_remove(name) == 0) {
      fprintf(stderr, "leftover: the test left shm object %s behind\n", name);
      n++;
    }
  }
  return n;
}

/* Runs one test in a child process; returns 0 (pass), 1 (fail) or
 * TEST_SKIP_CODE. */
static int run_test(const test_entry *t) {
  int rc, leftovers;
  pid_t pid;

  if (make_tmp_dir() != 0)
    return 1;
  fflush(NULL);
  pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    alarm(TEST_TIMEOUT);
    t->fn();
    fflush(NULL);
    _exit(0);
  }
  setpgid(pid, pid); /* also here: whichever runs first wins the race */
  rc = test_wait_pid(pid);
  /* Helpers the test left running would keep objects alive or create new
   * ones after the cleanup below. */
  kill(-pid, SIGKILL);
  if (rc == 128 + SIGALRM)
    fprintf(stderr, "timeout: %s ran longer than %d s\n", t->name,
            TEST_TIMEOUT);
  else if (rc > 128)
    fprintf(stderr, "crash: %s died of signal %d\n", t->name, rc - 128);
  leftovers = remove_leftovers(name_pid);
  leftovers += remove_xsi_leftovers(name_pid, pid);
  leftovers += remove_tmp_dir();
  if (leftovers != 0 && (rc == 0 || rc == TEST_SKIP_CODE))
    rc = 1;
  if (rc != 0 && rc != TEST_SKIP_CODE)
    rc = 1;
  return rc;
}

static int run_helper(const char *name, int argc, char **argv) {
  const helper_entry *h;
  const char *fds = getenv("IPCMEM_TEST_FDS");
  const char *np = getenv("IPCMEM_TEST_NAME_PID");

  is_helper = 1;
  if (fds != NULL)
    sscanf(fds, "%d,%d", &helper_ready_fd, &helper_go_fd);
  if (np != NULL)
    name_pid = atol(np);
  alarm(TEST_TIMEOUT);
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
          "       %s list            list the tests\n"
          "       %s helper NAME ... (internal) run a helper process\n",
          argv0, argv0, argv0, argv0);
}

int main(int argc, char **argv) {
  const test_entry *t;
  int passed = 0, failed = 0, skipped = 0, rc;

  if (realpath(argv[0], exe_path) == NULL) {
    perror("realpath");
    return 2;
  }
  init_prefix();
  make_shared_dir();
  name_pid = (long)getpid();
  /* Tests that write to a pipe whose reader died must see EPIPE, not die. */
  signal(SIGPIPE, SIG_IGN);

  if (argc >= 3 && strcmp(argv[1], "helper") == 0)
    return run_helper(argv[2], argc - 3, argv + 3);
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
    rc = run_test(t);
    printf("%s %s\n",
           rc == 0                ? "ok"
           : rc == TEST_SKIP_CODE ? "skip"
                                  : "FAIL",
           t->name);
    return rc;
  }
  if (argc != 1) {
    usage(argv[0]);
    return 2;
  }
  for (t = tests; t->name != NULL; t++) {
    rc = run_test(t);
    printf("%s %s\n",
           rc == 0                ? "ok"
           : rc == TEST_SKIP_CODE ? "skip"
                                  : "FAIL",
           t->name);
    fflush(stdout);
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
