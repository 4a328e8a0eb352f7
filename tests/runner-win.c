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
 * and fails the test if it found one. The portable half of the runner is
 * runner-common.c. */
#include "runner-internal.h"

#include <windows.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every stream is flushed, so that whatever the test or helper wrote before
 * it failed reaches its destination, as if it had returned from main(). */
void runner__exit(int code) {
  fflush(NULL);
  _exit(code);
}

/* Sets (value non-NULL) or removes an environment variable in both the C
 * library's copy, which getenv() reads, and the process's, which
 * CreateProcess passes on: _putenv updates both. */
static void set_env(const char *name, const char *value) {
  char buf[RUNNER_PATH_BUF + 64];

  snprintf(buf, sizeof(buf), "%s=%s", name, value != NULL ? value : "");
  if (_putenv(buf) != 0)
    test_fail_(__FILE__, __LINE__, "cannot set %s", name);
}

const char *test_shm_path(const char *name) {
  static char path[RUNNER_PATH_BUF + 64];
  char dir[RUNNER_PATH_BUF];

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
  char buf[RUNNER_PATH_BUF];
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

/* --- scratch files ---------------------------------------------------- */

/* Makes the scratch directory of one test under %TEMP%. Its name starts
 * with the build's prefix, so that the leftover check can find any that a
 * runner failed to remove. */
static int make_tmp_dir(void) {
  static unsigned serial;
  char base[RUNNER_PATH_BUF], p36[16];
  DWORD n = GetTempPathA(sizeof(base), base);

  if (n == 0 || n >= sizeof(base)) {
    fprintf(stderr, "GetTempPath failed: %lu\n", GetLastError());
    return -1;
  }
  runner__fmt_base36(p36, runner__name_pid);
  for (;;) {
    snprintf(runner__tmp_dir, sizeof(runner__tmp_dir), "%s%s%s.t%u", base,
             test_shm_prefix(), p36, serial++);
    if (CreateDirectoryA(runner__tmp_dir, NULL))
      break;
    if (GetLastError() != ERROR_ALREADY_EXISTS) {
      fprintf(stderr, "cannot create %s: %lu\n", runner__tmp_dir,
              GetLastError());
      return -1;
    }
  }
  set_env("IPCMEM_TEST_TMPDIR", runner__tmp_dir);
  return 0;
}

/* Removes path and, if it is a real directory (not a link to one),
 * everything below it. Read-only files are made writable first. */
static void remove_tree(const char *path) {
  char pattern[RUNNER_PATH_BUF + 8], child[RUNNER_PATH_BUF * 2];
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
  char pattern[RUNNER_PATH_BUF + 8];
  WIN32_FIND_DATAA fd;
  HANDLE h;
  int n = 0;

  snprintf(pattern, sizeof(pattern), "%s\\*", runner__tmp_dir);
  h = FindFirstFileA(pattern, &fd);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
        continue;
      fprintf(stderr, "leftover: the test left %s\\%s behind\n",
              runner__tmp_dir, fd.cFileName);
      n++;
    } while (FindNextFileA(h, &fd));
    FindClose(h);
  }
  remove_tree(runner__tmp_dir);
  if (GetFileAttributesA(runner__tmp_dir) != INVALID_FILE_ATTRIBUTES) {
    fprintf(stderr, "leftover: cannot remove %s\n", runner__tmp_dir);
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
  char *argv[RUNNER_HELPER_ARGV];
  HANDLE inherit[16];
  HANDLE ready_r, ready_w, go_r, go_w;
  char hbuf[64], pidbuf[32];
  PROCESS_INFORMATION pi;
  DWORD err;
  int i;

  if (n < 0 || n > 14)
    test_fail_(__FILE__, __LINE__, "test_spawn_inherit: %d handles", n);
  runner__helper_argv(argv, helper, ap);

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
  snprintf(pidbuf, sizeof(pidbuf), "%lu", runner__name_pid);
  set_env("IPCMEM_TEST_HANDLES", hbuf);
  set_env("IPCMEM_TEST_NAME_PID", pidbuf);
  err = start_process(&pi, argv, inherit, n + 2, NULL, 0);
  set_env("IPCMEM_TEST_HANDLES", NULL);
  if (err != 0)
    test_fail_(__FILE__, __LINE__, "CreateProcess(%s): %lu", runner__exe_path,
               err);
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

/* --- running ----------------------------------------------------------- */

/* Looks for the native Windows objects a test could have made under one of
 * its names; returns how many there were. They die with the last process
 * that holds them, so one that can still be opened after the job is gone
 * means that the job did not kill everything. */
static int remove_windows_objects(const char *name) {
  static const char *const ns[] = {"", "Local\\", "Global\\"};
  char wname[RUNNER_NAME_BUF + 16];
  ipcmem_winshm w;
  size_t i;
  int n = 0;

  for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    snprintf(wname, sizeof(wname), "%s%s", ns[i], name);
    if (ipcmem_winshm_open(&w, wname, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0) ==
        0) {
      fprintf(stderr, "leftover: Windows object %s outlived the test\n", wname);
      ipcmem_winshm_close(&w);
      n++;
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
int runner__run_test(const runner__test *t) {
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
  snprintf(pidbuf, sizeof(pidbuf), "%lu", runner__name_pid);
  set_env("IPCMEM_TEST_NAME_PID", pidbuf);
  argv[0] = runner__exe_path;
  argv[1] = "child";
  argv[2] = (char *)t->name;
  argv[3] = NULL;
  /* Suspended until it is in the job, so that nothing it starts can
   * escape. */
  err = start_process(&pi, argv, NULL, 0, NULL, CREATE_SUSPENDED);
  if (err != 0) {
    fprintf(stderr, "CreateProcess(%s): %lu\n", runner__exe_path, err);
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
  leftovers = runner__remove_names(remove_windows_objects);
  leftovers += remove_tmp_dir();
  return runner__verdict(rc, leftovers);
}

/* A test runs in a re-execution of the binary: Windows has no fork. */
const int runner__child_mode = 1;

void runner__helper_init(void) {
  const char *hs = getenv("IPCMEM_TEST_HANDLES");
  unsigned long long r, g;

  if (hs != NULL && sscanf(hs, "%llx,%llx", &r, &g) == 2) {
    helper_ready_h = (HANDLE)(uintptr_t)r;
    helper_go_h = (HANDLE)(uintptr_t)g;
  }
  /* The helper's own helpers must not inherit its pipe ends' values as if
   * they were theirs. */
  set_env("IPCMEM_TEST_HANDLES", NULL);
}

/* A crash prints what it was and ends the process with the exception code,
 * instead of starting a debugger (Wine) or an error report (Windows). */
static LONG WINAPI on_crash(EXCEPTION_POINTERS *e) {
  DWORD code = e->ExceptionRecord->ExceptionCode;

  fprintf(stderr, "%sexception 0x%08lx at %p\n",
          runner__is_helper ? "[helper] " : "", code,
          e->ExceptionRecord->ExceptionAddress);
  fflush(NULL);
  TerminateProcess(GetCurrentProcess(), code);
  return EXCEPTION_EXECUTE_HANDLER;
}

int runner__init(const char *argv0) {
  DWORD n;

  /* argv[0] need not hold a path on Windows; the system knows the
   * binary's own. */
  (void)argv0;
  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
  SetUnhandledExceptionFilter(on_crash);
  /* Standard error is unbuffered, and standard output goes to a pipe under
   * CTest: unbuffered too, it stays in order with standard error. */
  setvbuf(stdout, NULL, _IONBF, 0);
  n = GetModuleFileNameA(NULL, runner__exe_path, sizeof(runner__exe_path));
  if (n == 0 || n >= sizeof(runner__exe_path)) {
    fprintf(stderr, "GetModuleFileName failed: %lu\n", GetLastError());
    return -1;
  }
  normalize_shared_dir();
  runner__name_pid = GetCurrentProcessId();
  return 0;
}
