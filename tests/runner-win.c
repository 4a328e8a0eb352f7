/* The test runner on Windows: the API of runner.h, built on CreateProcess.
 *
 * Windows has no fork, so every test runs in a re-execution of the test
 * binary (`ipcmem-tests child NAME`), and so does every helper
 * (`ipcmem-tests helper NAME args...`). The runner puts the test's process
 * in a job object that kills every process in it when the runner closes
 * it (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE): helpers are created inside the
 * job, so the job is what the process group is on Unix. Helpers talk to
 * the test through anonymous pipes whose handles they inherit; their
 * values travel in the environment, as the fds do on Unix.
 *
 * After each test, whatever happened, the runner kills the job, removes
 * every named object and the scratch directory the test could have used,
 * and fails the test if it found one. */
#include "runner.h"

#include <windows.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Long enough for any path the suite makes; the tests never go near
 * MAX_PATH. */
#define PATH_BUF 1024

static char exe_path[PATH_BUF];
/* The pid that names are derived from: the runner's own, passed to the test
 * process and its helpers through the environment. */
static unsigned long name_pid;
static char prefix[16];
static int is_helper;

void test_fail_(const char *file, int line, const char *fmt, ...) {
  va_list ap;

  fprintf(stderr, "%s%s:%d: ", is_helper ? "[helper] " : "", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(NULL);
  _exit(1);
}

void test_skip(const char *fmt, ...) {
  va_list ap;

  fputs("SKIP: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(NULL);
  _exit(TEST_SKIP_CODE);
}

/* Sets (value non-NULL) or removes an environment variable in both the C
 * library's copy, which getenv() reads, and the process's, which
 * CreateProcess passes on: _putenv updates both. */
static void set_env(const char *name, const char *value) {
  char buf[PATH_BUF + 64];

  snprintf(buf, sizeof(buf), "%s=%s", name, value != NULL ? value : "");
  if (_putenv(buf) != 0)
    test_fail_(__FILE__, __LINE__, "cannot set %s", name);
}

static void init_prefix(void) {
  const char *tag = getenv("IPCMEM_TEST_TAG");

  if (tag == NULL || strlen(tag) != 4)
    tag = "0000";
  snprintf(prefix, sizeof(prefix), "ipcmemt%s.", tag);
}

const char *test_shm_prefix(void) { return prefix; }

const char *test_shm_path(const char *name) {
  static char path[PATH_BUF + 64];
  char dir[PATH_BUF];

  /* Named objects always live in the emulation's directory on Windows. */
  if (ipcmem_shm_dir(dir, sizeof(dir)) != 0)
    test_fail_(__FILE__, __LINE__, "cannot tell the emulation's directory");
  snprintf(path, sizeof(path), "%s\\%s", dir, name);
  return path;
}

/* CMake passes the suite's directory for emulated objects with forward
 * slashes (a path it knows as Z:/build/...); the library gets it with
 * backslashes, the separator every Windows API accepts. */
static void normalize_shared_dir(void) {
  const char *d = getenv("IPCMEM_SHARED_DIR");
  char buf[PATH_BUF];
  char *c;

  if (d == NULL || d[0] == '\0' || strlen(d) >= sizeof(buf))
    return;
  strcpy(buf, d);
  for (c = buf; *c != '\0'; c++)
    if (*c == '/')
      *c = '\\';
  if (strcmp(buf, d) != 0)
    set_env("IPCMEM_SHARED_DIR", buf);
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

static void format_name(char out[NAME_BUF], unsigned long pid, int k) {
  char p36[16];

  fmt_base36(p36, pid);
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

/* XSI does not exist on Windows; the keys only serve to show that every
 * XSI call says so. */
ipcmem_xsi_key test_xsi_key(int k) {
  ipcmem_xsi_key key;

  if (k < 0 || k >= TEST_NAMES_MAX)
    test_fail_(__FILE__, __LINE__, "test_xsi_key(%d): only %d keys", k,
               TEST_NAMES_MAX);
  ipcmem_xsi_key_from_value(
      &key, (int32_t)(0x40000000L | (long)((name_pid & 0x3fffffUL) << 5) | k));
  return key;
}

/* --- scratch files ---------------------------------------------------- */

static char tmp_dir[PATH_BUF];

const char *test_tmp_dir(void) {
  const char *d = getenv("IPCMEM_TEST_TMPDIR");

  if (tmp_dir[0] == '\0' && d != NULL)
    snprintf(tmp_dir, sizeof(tmp_dir), "%s", d);
  if (tmp_dir[0] == '\0')
    test_fail_(__FILE__, __LINE__, "no scratch directory for this test");
  return tmp_dir;
}

const char *test_tmp_path(int k) {
  static char paths[TEST_NAMES_MAX][PATH_BUF + 16];

  if (k < 0 || k >= TEST_NAMES_MAX)
    test_fail_(__FILE__, __LINE__, "test_tmp_path(%d): only %d paths", k,
               TEST_NAMES_MAX);
  snprintf(paths[k], sizeof(paths[k]), "%s\\f%d", test_tmp_dir(), k);
  return paths[k];
}

/* Makes the scratch directory of one test under %TEMP%. Its name starts
 * with the build's prefix, so that the leftover check can find any that a
 * runner failed to remove. */
static int make_tmp_dir(void) {
  static unsigned serial;
  char base[PATH_BUF], p36[16];
  DWORD n = GetTempPathA(sizeof(base), base);

  if (n == 0 || n >= sizeof(base)) {
    fprintf(stderr, "GetTempPath failed: %lu\n", GetLastError());
    return -1;
  }
  fmt_base36(p36, name_pid);
  for (;;) {
    snprintf(tmp_dir, sizeof(tmp_dir), "%s%s%s.t%u", base, prefix, p36,
             serial++);
    if (CreateDirectoryA(tmp_dir, NULL))
      break;
    if (GetLastError() != ERROR_ALREADY_EXISTS) {
      fprintf(stderr, "cannot create %s: %lu\n", tmp_dir, GetLastError());
      return -1;
    }
  }
  set_env("IPCMEM_TEST_TMPDIR", tmp_dir);
  return 0;
}

/* Removes path and, if it is a real directory (not a link to one),
 * everything below it. Read-only files are made writable first. */
static void remove_tree(const char *path) {
  char pattern[PATH_BUF + 8], child[PATH_BUF * 2];
  WIN32_FIND_DATAA fd;
  HANDLE h;
  DWORD attr = GetFileAttributesA(path);

  if (attr == INVALID_FILE_ATTRIBUTES)
    return;
  if (attr & FILE_ATTRIBUTE_READONLY)
    SetFileAttributesA(path, attr & ~(DWORD)FILE_ATTRIBUTE_READONLY);
  if (!(attr & FILE_ATTRIBUTE_DIRECTORY)) {
    DeleteFileA(path);
    return;
  }
  if (!(attr & FILE_ATTRIBUTE_REPARSE_POINT)) {
    snprintf(pattern, sizeof(pattern), "%s\\*", path);
    h = FindFirstFileA(pattern, &fd);
    if (h != INVALID_HANDLE_VALUE) {
      do {
        if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
          continue;
        snprintf(child, sizeof(child), "%s\\%s", path, fd.cFileName);
        remove_tree(child);
      } while (FindNextFileA(h, &fd));
      FindClose(h);
    }
  }
  RemoveDirectoryA(path);
}

/* Empties and removes the scratch directory; returns how many entries the
 * test left at its top level. */
static int remove_tmp_dir(void) {
  char pattern[PATH_BUF + 8];
  WIN32_FIND_DATAA fd;
  HANDLE h;
  int n = 0;

  snprintf(pattern, sizeof(pattern), "%s\\*", tmp_dir);
  h = FindFirstFileA(pattern, &fd);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
        continue;
      fprintf(stderr, "leftover: the test left %s\\%s behind\n", tmp_dir,
              fd.cFileName);
      n++;
    } while (FindNextFileA(h, &fd));
    FindClose(h);
  }
  remove_tree(tmp_dir);
  if (GetFileAttributesA(tmp_dir) != INVALID_FILE_ATTRIBUTES) {
    fprintf(stderr, "leftover: cannot remove %s\n", tmp_dir);
    n++;
  }
  return n;
}

/* --- processes --------------------------------------------------------- */

/* Appends arg to the command line cmd (of capacity cap), quoted so that
 * CommandLineToArgvW and the C runtime give it back unchanged: backslashes
 * are literal except before a quote, where they must be doubled. */
static void append_arg(char *cmd, size_t cap, const char *arg) {
  size_t len = strlen(cmd);
  const char *a;
  int slashes = 0;

#define PUT(c)                                                                 \
  do {                                                                         \
    if (len + 2 >= cap)                                                        \
      test_fail_(__FILE__, __LINE__, "command line too long");                 \
    cmd[len++] = (c);                                                          \
  } while (0)

  if (len > 0)
    PUT(' ');
  PUT('"');
  for (a = arg; *a != '\0'; a++) {
    if (*a == '\\') {
      slashes++;
    } else {
      if (*a == '"') {
        for (; slashes > 0; slashes--)
          PUT('\\');
        PUT('\\');
      }
      slashes = 0;
    }
    PUT(*a);
  }
  for (; slashes > 0; slashes--)
    PUT('\\');
  PUT('"');
  cmd[len] = '\0';
#undef PUT
}

/* Returns an inheritable duplicate of standard handle `which`, or NULL if
 * the process has none. */
static HANDLE inheritable_std(DWORD which) {
  HANDLE h = GetStdHandle(which), dup = NULL;

  if (h == NULL || h == INVALID_HANDLE_VALUE)
    return NULL;
  if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0,
                       TRUE, DUPLICATE_SAME_ACCESS))
    return NULL;
  return dup;
}

/* Starts argv (argv[0] is the program) with the `n` handles of inherit[]
 * inheritable for the duration of the call, and the test's standard
 * handles (standard output replaced by out if it is not NULL). The
 * handles are made inheritable only around CreateProcess, so a helper
 * gets exactly those and the ones ipcmem would (wrongly) have left
 * inheritable: that is what the close-on-exec tests look for. Returns 0
 * and fills *pi, or the Windows error. */
static DWORD start_process(PROCESS_INFORMATION *pi, char *const argv[],
                           HANDLE const *inherit, int n, HANDLE out,
                           DWORD flags) {
  static char cmd[32768];
  STARTUPINFOA si;
  HANDLE std_in, std_out, std_err;
  DWORD err = 0;
  int i;

  cmd[0] = '\0';
  for (i = 0; argv[i] != NULL; i++)
    append_arg(cmd, sizeof(cmd), argv[i]);
  memset(&si, 0, sizeof(si));
  si.cb = sizeof(si);
  si.dwFlags = STARTF_USESTDHANDLES;
  std_in = inheritable_std(STD_INPUT_HANDLE);
  std_out = out != NULL ? NULL : inheritable_std(STD_OUTPUT_HANDLE);
  std_err = inheritable_std(STD_ERROR_HANDLE);
  si.hStdInput = std_in;
  si.hStdOutput = out != NULL ? out : std_out;
  si.hStdError = std_err;
  for (i = 0; i < n; i++)
    if (!SetHandleInformation(inherit[i], HANDLE_FLAG_INHERIT,
                              HANDLE_FLAG_INHERIT))
      test_fail_(__FILE__, __LINE__, "cannot make handle %p inheritable: %lu",
                 inherit[i], GetLastError());
  if (out != NULL)
    SetHandleInformation(out, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  fflush(NULL);
  if (!CreateProcessA(argv[0], cmd, NULL, NULL, TRUE, flags, NULL, NULL, &si,
                      pi))
    err = GetLastError();
  for (i = 0; i < n; i++)
    SetHandleInformation(inherit[i], HANDLE_FLAG_INHERIT, 0);
  if (out != NULL)
    SetHandleInformation(out, HANDLE_FLAG_INHERIT, 0);
  if (std_in != NULL)
    CloseHandle(std_in);
  if (std_out != NULL)
    CloseHandle(std_out);
  if (std_err != NULL)
    CloseHandle(std_err);
  return err;
}

/* Waits for a process to end and returns its exit code. */
static int wait_process(HANDLE process) {
  DWORD code;

  if (WaitForSingleObject(process, INFINITE) != WAIT_OBJECT_0 ||
      !GetExitCodeProcess(process, &code))
    test_fail_(__FILE__, __LINE__, "cannot wait for a process: %lu",
               GetLastError());
  return (int)code;
}

/* --- helper processes -------------------------------------------------- */

static HANDLE helper_ready_h, helper_go_h;

const char *test_handle_str(int k, void *handle) {
  static char bufs[4][32];

  if (k < 0 || k >= 4)
    test_fail_(__FILE__, __LINE__, "test_handle_str(%d): only 4 buffers", k);
  snprintf(bufs[k], sizeof(bufs[k]), "%llx",
           (unsigned long long)(uintptr_t)handle);
  return bufs[k];
}

void *test_handle_parse(const char *s) {
  char *end;
  unsigned long long v = strtoull(s, &end, 16);

  if (*s == '\0' || *end != '\0')
    test_fail_(__FILE__, __LINE__, "\"%s\" is not a handle", s);
  return (void *)(uintptr_t)v;
}

static void spawn_va(test_proc *p, void *const *handles, int n,
                     const char *helper, va_list ap) {
  char *argv[32];
  HANDLE inherit[16];
  HANDLE ready_r, ready_w, go_r, go_w;
  char hbuf[64], pidbuf[32];
  PROCESS_INFORMATION pi;
  const char *a;
  DWORD err;
  int argc = 0, i;

  if (n < 0 || n > 14)
    test_fail_(__FILE__, __LINE__, "test_spawn_inherit: %d handles", n);
  argv[argc++] = exe_path;
  argv[argc++] = "helper";
  argv[argc++] = (char *)helper;
  while ((a = va_arg(ap, const char *)) != NULL && argc < 31)
    argv[argc++] = (char *)a;
  argv[argc] = NULL;

  /* Pipes are created non-inheritable; the helper's ends become
   * inheritable only while it is being created. */
  if (!CreatePipe(&ready_r, &ready_w, NULL, 0) ||
      !CreatePipe(&go_r, &go_w, NULL, 0))
    test_fail_(__FILE__, __LINE__, "CreatePipe: %lu", GetLastError());
  for (i = 0; i < n; i++)
    inherit[i] = handles[i];
  inherit[n] = ready_w;
  inherit[n + 1] = go_r;
  /* Not test_handle_str(): its buffers may hold the helper's arguments. */
  snprintf(hbuf, sizeof(hbuf), "%llx,%llx",
           (unsigned long long)(uintptr_t)ready_w,
           (unsigned long long)(uintptr_t)go_r);
  snprintf(pidbuf, sizeof(pidbuf), "%lu", name_pid);
  set_env("IPCMEM_TEST_HANDLES", hbuf);
  set_env("IPCMEM_TEST_NAME_PID", pidbuf);
  err = start_process(&pi, argv, inherit, n + 2, NULL, 0);
  set_env("IPCMEM_TEST_HANDLES", NULL);
  if (err != 0)
    test_fail_(__FILE__, __LINE__, "CreateProcess(%s): %lu", exe_path, err);
  CloseHandle(pi.hThread);
  CloseHandle(ready_w);
  CloseHandle(go_r);
  p->process = pi.hProcess;
  p->pid = pi.dwProcessId;
  p->ready_r = ready_r;
  p->go_w = go_w;
}

void test_spawn(test_proc *p, const char *helper, ...) {
  va_list ap;

  va_start(ap, helper);
  spawn_va(p, NULL, 0, helper, ap);
  va_end(ap);
}

void test_spawn_inherit(test_proc *p, void *const *handles, int n,
                        const char *helper, ...) {
  va_list ap;

  va_start(ap, helper);
  spawn_va(p, handles, n, helper, ap);
  va_end(ap);
}

void test_proc_wait_ready(test_proc *p) {
  char c;
  DWORD n = 0;

  /* The read fails (broken pipe) once the helper is gone without a word. */
  if (!ReadFile(p->ready_r, &c, 1, &n, NULL) || n != 1)
    test_fail_(__FILE__, __LINE__, "helper %lu exited before it was ready",
               p->pid);
}

void test_proc_go(test_proc *p) {
  char c = 'g';
  DWORD n = 0;

  if (!WriteFile(p->go_w, &c, 1, &n, NULL) || n != 1)
    test_fail_(__FILE__, __LINE__, "helper %lu is gone", p->pid);
}

int test_proc_join(test_proc *p) {
  int rc = wait_process(p->process);

  CloseHandle(p->process);
  CloseHandle(p->ready_r);
  CloseHandle(p->go_w);
  p->process = NULL;
  p->ready_r = NULL;
  p->go_w = NULL;
  return rc;
}

void helper_ready(void) {
  char c = 'r';
  DWORD n = 0;

  if (helper_ready_h == NULL || !WriteFile(helper_ready_h, &c, 1, &n, NULL) ||
      n != 1)
    test_fail_(__FILE__, __LINE__, "helper_ready: no test to tell");
}

void helper_wait_go(void) {
  char c;
  DWORD n = 0;

  if (helper_go_h == NULL)
    test_fail_(__FILE__, __LINE__, "helper_wait_go: no test to wait for");
  if (!ReadFile(helper_go_h, &c, 1, &n, NULL) || n != 1)
    test_fail_(__FILE__, __LINE__, "helper_wait_go: the test is gone");
}

int test_run_capture(char *const argv[], char *out, size_t cap) {
  PROCESS_INFORMATION pi;
  HANDLE r, w;
  size_t len = 0;
  DWORD n, err;
  int rc, overflow = 0;

  out[0] = '\0';
  if (cap == 0 || !CreatePipe(&r, &w, NULL, 0))
    return -1;
  err = start_process(&pi, argv, NULL, 0, w, 0);
  if (err != 0) {
    fprintf(stderr, "CreateProcess(%s): %lu\n", argv[0], err);
    CloseHandle(r);
    CloseHandle(w);
    return -1;
  }
  CloseHandle(pi.hThread);
  /* Our copy of the write end goes, so that the read below ends when the
   * program (and anything it started) closes its copies. */
  CloseHandle(w);
  for (;;) {
    /* Output that fills the buffer is more than any example prints: it is
     * drained and dropped, and the call reports -1 once the program ends. */
    if (len >= cap - 1) {
      char sink[256];

      if (!ReadFile(r, sink, sizeof(sink), &n, NULL) || n == 0)
        break;
      overflow = 1;
      continue;
    }
    if (!ReadFile(r, out + len, (DWORD)(cap - 1 - len), &n, NULL) || n == 0)
      break;
    len += n;
  }
  out[len] = '\0';
  CloseHandle(r);
  rc = wait_process(pi.hProcess);
  CloseHandle(pi.hProcess);
  return overflow ? -1 : rc;
}

const char *test_expect_output_(const char *file, int line, const char *out,
                                const char *needle) {
  const char *at = strstr(out, needle);

  if (at == NULL)
    test_fail_(file, line, "the output lacks \"%s\"; it was:\n%s", needle, out);
  return at;
}

/* --- running ----------------------------------------------------------- */

static const test_entry *find_test(const char *name) {
  const test_entry *t;

  for (t = tests; t->name != NULL; t++)
    if (strcmp(t->name, name) == 0)
      return t;
  return NULL;
}

/* Removes every name the test could have used; returns how many existed.
 * Native Windows objects die with the last process that holds them, so
 * one that can still be opened after the job is gone means that the job
 * did not kill everything. */
static int remove_leftovers(unsigned long pid) {
  static const char *const ns[] = {"", "Local\\", "Global\\"};
  char name[NAME_BUF], wname[NAME_BUF + 16];
  ipcmem_winshm w;
  size_t i;
  int k, n = 0;

  for (k = 0; k < TEST_NAMES_MAX; k++) {
    format_name(name, pid, k);
    if (ipcmem_shm_remove(name) == 0) {
      fprintf(stderr, "leftover: the test left shm object %s behind\n", name);
      n++;
    }
    for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
      snprintf(wname, sizeof(wname), "%s%s", ns[i], name);
      if (ipcmem_winshm_open(&w, wname, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY,
                             0) == 0) {
        fprintf(stderr, "leftover: Windows object %s outlived the test\n",
                wname);
        ipcmem_winshm_close(&w);
        n++;
      }
    }
  }
  return n;
}

/* Kills every process of the job and waits until they are all gone, so
 * that none of them holds a file or creates an object during the cleanup.
 * The loop ends when the system has reaped them; how long that takes is
 * not a test's business. */
static void kill_job(HANDLE job) {
  JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;

  TerminateJobObject(job, 1);
  for (;;) {
    if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation,
                                   &info, sizeof(info), NULL) ||
        info.ActiveProcesses == 0)
      break;
    Sleep(10);
  }
}

/* Runs one test in a child process; returns 0 (pass), 1 (fail) or
 * TEST_SKIP_CODE. */
static int run_test(const test_entry *t) {
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
  PROCESS_INFORMATION pi;
  char *argv[4];
  char pidbuf[32];
  HANDLE job;
  DWORD err, code = 1, w;
  int rc, leftovers;

  if (make_tmp_dir() != 0)
    return 1;
  job = CreateJobObjectA(NULL, NULL);
  if (job == NULL) {
    fprintf(stderr, "CreateJobObject: %lu\n", GetLastError());
    return 1;
  }
  memset(&lim, 0, sizeof(lim));
  lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim,
                               sizeof(lim))) {
    fprintf(stderr, "SetInformationJobObject: %lu\n", GetLastError());
    return 1;
  }
  snprintf(pidbuf, sizeof(pidbuf), "%lu", name_pid);
  set_env("IPCMEM_TEST_NAME_PID", pidbuf);
  argv[0] = exe_path;
  argv[1] = "child";
  argv[2] = (char *)t->name;
  argv[3] = NULL;
  /* Suspended until it is in the job, so that nothing it starts can
   * escape. */
  err = start_process(&pi, argv, NULL, 0, NULL, CREATE_SUSPENDED);
  if (err != 0) {
    fprintf(stderr, "CreateProcess(%s): %lu\n", exe_path, err);
    return 1;
  }
  if (!AssignProcessToJobObject(job, pi.hProcess)) {
    fprintf(stderr, "AssignProcessToJobObject: %lu\n", GetLastError());
    TerminateProcess(pi.hProcess, 1);
    code = 1;
  } else {
    ResumeThread(pi.hThread);
    w = WaitForSingleObject(pi.hProcess, TEST_TIMEOUT * 1000);
    if (w == WAIT_TIMEOUT) {
      fprintf(stderr, "timeout: %s ran longer than %d s\n", t->name,
              TEST_TIMEOUT);
      code = 1;
    } else if (!GetExitCodeProcess(pi.hProcess, &code)) {
      code = 1;
    }
  }
  /* Helpers the test left running would keep objects alive or create new
   * ones after the cleanup below. */
  kill_job(job);
  CloseHandle(job);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  if (code >= 0xC0000000UL)
    fprintf(stderr, "crash: %s died of exception 0x%08lx\n", t->name, code);
  rc = (int)code;
  leftovers = remove_leftovers(name_pid);
  leftovers += remove_tmp_dir();
  if (leftovers != 0 && (rc == 0 || rc == TEST_SKIP_CODE))
    rc = 1;
  if (rc != 0 && rc != TEST_SKIP_CODE)
    rc = 1;
  return rc;
}

static void load_name_pid(void) {
  const char *np = getenv("IPCMEM_TEST_NAME_PID");

  if (np != NULL)
    name_pid = strtoul(np, NULL, 10);
}

static int run_child(const char *name) {
  const test_entry *t = find_test(name);

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
  const char *hs = getenv("IPCMEM_TEST_HANDLES");
  unsigned long long r, g;

  is_helper = 1;
  if (hs != NULL && sscanf(hs, "%llx,%llx", &r, &g) == 2) {
    helper_ready_h = (HANDLE)(uintptr_t)r;
    helper_go_h = (HANDLE)(uintptr_t)g;
  }
  /* The helper's own helpers must not inherit its pipe ends' values as if
   * they were theirs. */
  set_env("IPCMEM_TEST_HANDLES", NULL);
  load_name_pid();
  for (h = helpers; h->name != NULL; h++)
    if (strcmp(h->name, name) == 0)
      return h->fn(argc, argv);
  fprintf(stderr, "no helper named %s\n", name);
  return 2;
}

/* A crash prints what it was and ends the process with the exception code,
 * instead of starting a debugger (Wine) or an error report (Windows). */
static LONG WINAPI on_crash(EXCEPTION_POINTERS *e) {
  DWORD code = e->ExceptionRecord->ExceptionCode;

  fprintf(stderr, "%sexception 0x%08lx at %p\n", is_helper ? "[helper] " : "",
          code, e->ExceptionRecord->ExceptionAddress);
  fflush(NULL);
  TerminateProcess(GetCurrentProcess(), code);
  return EXCEPTION_EXECUTE_HANDLER;
}

static void usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s                 run every test\n"
          "       %s run NAME        run one test\n"
          "       %s list            list the tests\n"
          "       %s child NAME      (internal) the test's own process\n"
          "       %s helper NAME ... (internal) run a helper process\n",
          argv0, argv0, argv0, argv0, argv0);
}

static void report(const test_entry *t, int rc) {
  printf("%s %s\n",
         rc == 0                ? "ok"
         : rc == TEST_SKIP_CODE ? "skip"
                                : "FAIL",
         t->name);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const test_entry *t;
  int passed = 0, failed = 0, skipped = 0, rc;
  DWORD n;

  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
  SetUnhandledExceptionFilter(on_crash);
  /* Standard error is unbuffered, and standard output goes to a pipe under
   * CTest: unbuffered too, it stays in order with standard error. */
  setvbuf(stdout, NULL, _IONBF, 0);
  n = GetModuleFileNameA(NULL, exe_path, sizeof(exe_path));
  if (n == 0 || n >= sizeof(exe_path)) {
    fprintf(stderr, "GetModuleFileName failed: %lu\n", GetLastError());
    return 2;
  }
  init_prefix();
  normalize_shared_dir();
  name_pid = GetCurrentProcessId();

  if (argc >= 3 && strcmp(argv[1], "helper") == 0)
    return run_helper(argv[2], argc - 3, argv + 3);
  if (argc == 3 && strcmp(argv[1], "child") == 0)
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
    rc = run_test(t);
    report(t, rc);
    return rc;
  }
  if (argc != 1) {
    usage(argv[0]);
    return 2;
  }
  for (t = tests; t->name != NULL; t++) {
    rc = run_test(t);
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
