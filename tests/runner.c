/* The POSIX half of the test runner (see runner.h): each test runs in a
 * fork of the runner, in a process group of its own, and helpers are
 * re-executions that find their pipes' fds in the environment. The
 * portable half is runner-common.c. */
/* nftw() is an XSI function. */
#define _XOPEN_SOURCE 700
#include "runner-internal.h"

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

/* Only standard error, which carries the message of a failure or skip, is
 * flushed: whatever the test left unflushed elsewhere goes with it, as
 * _exit() intends. */
void runner__exit(int code) {
  fflush(stderr);
  _exit(code);
}

const char *test_shm_path(const char *name) {
  static char path[RUNNER_PATH_BUF + 64];
  char dir[RUNNER_PATH_BUF];
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

/* --- scratch files ---------------------------------------------------- */

/* Makes the scratch directory of one test; the path is passed to the test
 * and its helpers through the environment. */
static int make_tmp_dir(void) {
  const char *base = getenv("TMPDIR");

  snprintf(runner__tmp_dir, sizeof(runner__tmp_dir), "%s/ipcmem-test.XXXXXX",
           base != NULL && base[0] != '\0' ? base : "/tmp");
  if (mkdtemp(runner__tmp_dir) == NULL) {
    perror("mkdtemp");
    return -1;
  }
  setenv("IPCMEM_TEST_TMPDIR", runner__tmp_dir, 1);
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
  DIR *d = opendir(runner__tmp_dir);
  int n = 0;

  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    fprintf(stderr, "leftover: the test left %s/%s behind\n", runner__tmp_dir,
            e->d_name);
    n++;
  }
  closedir(d);
  nftw(runner__tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return n;
}

/* --- XSI keys ---------------------------------------------------------- */

/* Removes the segments of this test's keys, and on Linux those the test
 * process created with the private key; returns how many it found. */
static int remove_xsi_leftovers(pid_t child) {
  char line[512];
  FILE *f;
  int k, id, n = 0;
  long key, cpid;

  for (k = 0; k < TEST_NAMES_MAX; k++) {
    id = shmget((key_t)runner__xsi_key_value(runner__name_pid, k), 0, 0);
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
  char *argv[RUNNER_HELPER_ARGV];
  char fds[64], pidbuf[32];
  int ready[2], go[2];
  va_list ap;
  pid_t pid;

  va_start(ap, helper);
  runner__helper_argv(argv, helper, ap);
  va_end(ap);

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
    snprintf(pidbuf, sizeof(pidbuf), "%lu", runner__name_pid);
    setenv("IPCMEM_TEST_FDS", fds, 1);
    setenv("IPCMEM_TEST_NAME_PID", pidbuf, 1);
    execv(runner__exe_path, argv);
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

const char *test_use_private_shm_dir(const char *leaf) {
  static char dir[PATH_MAX];

  snprintf(dir, sizeof(dir), "%s/%s", test_tmp_dir(), leaf);
  ASSERT(setenv("IPCMEM_SHARED_DIR", dir, 1) == 0);
  ASSERT(setenv("IPCMEM_SHM_BACKEND", "emulated", 1) == 0);
  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_DEFAULT));
  return dir;
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

/* Runs one test in a child process; returns 0 (pass), 1 (fail) or
 * TEST_SKIP_CODE. */
int runner__run_test(const runner__test *t) {
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
  leftovers = runner__remove_names(NULL);
  leftovers += remove_xsi_leftovers(pid);
  leftovers += remove_tmp_dir();
  return runner__verdict(rc, leftovers);
}

/* A test runs in a fork of the runner, never as `ipcmem-tests child`. */
const int runner__child_mode = 0;

void runner__helper_init(void) {
  const char *fds = getenv("IPCMEM_TEST_FDS");

  if (fds != NULL)
    sscanf(fds, "%d,%d", &helper_ready_fd, &helper_go_fd);
  alarm(TEST_TIMEOUT);
}

int runner__init(const char *argv0) {
  if (realpath(argv0, runner__exe_path) == NULL) {
    perror("realpath");
    return -1;
  }
  make_shared_dir();
  runner__name_pid = (unsigned long)getpid();
  /* Tests that write to a pipe whose reader died must see EPIPE, not die. */
  signal(SIGPIPE, SIG_IGN);
  return 0;
}
