/* A small libuv-style test runner.
 *
 * Each test is a function declared with TEST(name) in a tests/test-*.c file;
 * CMake finds the declarations, generates the table and registers every test
 * with CTest as `ipcmem-tests run NAME`. The runner forks, runs the test in
 * the child (its own process group, with a timeout), and afterwards, whatever
 * happened, kills the group and removes every object the test could have
 * named. A test that leaves an object behind fails even if its assertions
 * passed.
 *
 * Multi-process tests re-execute the test binary as a helper process:
 * HELPER(name) declares one, test_spawn() starts it (`ipcmem-tests helper
 * NAME args...`), and a pair of pipes lets each side wait for the other.
 *
 * On Windows (runner-win.c, tests in tests/win/) the test runs in a
 * re-execution of the binary (`ipcmem-tests child NAME`) inside a job
 * object that is killed afterwards, helpers inherit the pipes' handles, and
 * there is no fork: test_wait_pid() gives way to test_spawn_inherit() and
 * test_run_capture(). */
#ifndef IPCMEM_TEST_RUNNER_H
#define IPCMEM_TEST_RUNNER_H

#include "ipcmem.h"

#include <stddef.h>
#include <stdint.h>
#if !defined(_WIN32)
#include <sys/types.h>
#endif

#define TEST(name) void test_##name(void)
#define HELPER(name) int helper_##name(int argc, char **argv)

/* Exit code of a skipped test (CTest's SKIP_RETURN_CODE). */
#define TEST_SKIP_CODE 77
/* Seconds a test or helper may run before it is killed. */
#define TEST_TIMEOUT 60
/* Names a test may use: test_shm_name(0) ... test_shm_name(N - 1). */
#define TEST_NAMES_MAX 32

#if defined(__GNUC__)
#define TEST_NORETURN __attribute__((noreturn))
#define TEST_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TEST_NORETURN
#define TEST_PRINTF(a, b)
#endif

TEST_NORETURN TEST_PRINTF(3, 4) void test_fail_(const char *file, int line,
                                                const char *fmt, ...);
TEST_NORETURN TEST_PRINTF(1, 2) void test_skip(const char *fmt, ...);

#define ASSERT(c)                                                              \
  do {                                                                         \
    if (!(c))                                                                  \
      test_fail_(__FILE__, __LINE__, "assertion failed: %s", #c);              \
  } while (0)

#define ASSERT_EQ(a, b)                                                        \
  do {                                                                         \
    long long a_ = (long long)(a), b_ = (long long)(b);                        \
    if (a_ != b_)                                                              \
      test_fail_(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_,     \
                 b_);                                                          \
  } while (0)

#define ASSERT_U64_EQ(a, b)                                                    \
  do {                                                                         \
    unsigned long long a_ = (unsigned long long)(a);                           \
    unsigned long long b_ = (unsigned long long)(b);                           \
    if (a_ != b_)                                                              \
      test_fail_(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, a_,     \
                 b_);                                                          \
  } while (0)

#define ASSERT_PTR_EQ(a, b)                                                    \
  do {                                                                         \
    const void *a_ = (a), *b_ = (b);                                           \
    if (a_ != b_)                                                              \
      test_fail_(__FILE__, __LINE__, "%s == %s: %p != %p", #a, #b, a_, b_);    \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
  do {                                                                         \
    const char *a_ = (a), *b_ = (b);                                           \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                       \
      test_fail_(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,     \
                 a_ ? a_ : "(null)", b_ ? b_ : "(null)");                      \
  } while (0)

/* The expression must return 0. */
#define ASSERT_OK(e)                                                           \
  do {                                                                         \
    int rc_ = (e);                                                             \
    if (rc_ != 0)                                                              \
      test_fail_(__FILE__, __LINE__, "%s returned %s (%s), os error %d", #e,   \
                 ipcmem_err_name(rc_), ipcmem_strerror(rc_),                   \
                 ipcmem_last_os_error());                                      \
  } while (0)

/* The expression must return exactly the error code `code`. */
#define ASSERT_ERR(e, code)                                                    \
  do {                                                                         \
    int rc_ = (e);                                                             \
    if (rc_ != (code))                                                         \
      test_fail_(__FILE__, __LINE__, "%s returned %s, expected %s", #e,        \
                 ipcmem_err_name(rc_), ipcmem_err_name(code));                 \
  } while (0)

/* The k-th unique shm name of this test run ("ipcmemt<tag>.<pid>.<k>"), the
 * same in the test process and everything it forks. The runner removes all
 * TEST_NAMES_MAX of them after the test. */
const char *test_shm_name(int k);

/* The path where the object `name` lives in the current backend:
 * /dev/shm/NAME natively (Linux), DIR/NAME in the emulation's directory. */
const char *test_shm_path(const char *name);

/* The prefix every name of this build's test runs starts with; the
 * leftover check looks for it. */
const char *test_shm_prefix(void);

/* The path of the k-th scratch file of this test ("<dir>/f<k>"), inside a
 * directory the runner makes for each test (under $TMPDIR) and removes with
 * everything in it afterwards; a test that leaves a file there fails. The
 * file is not created. */
const char *test_tmp_path(int k);

/* The directory test_tmp_path() files live in. */
const char *test_tmp_dir(void);

/* The k-th unique XSI key of this test run (k in 0..TEST_NAMES_MAX-1); the
 * runner removes any segment with these keys after the test, and any
 * segment the test process itself created with the private key. */
ipcmem_xsi_key test_xsi_key(int k);

/* Absolute path of the test binary. */
const char *test_exe(void);

/* A helper process and the pipes to talk to it. */
#if defined(_WIN32)
/* Windows has no fork: a helper is always a re-execution of the test binary
 * (CreateProcess), and the pipe ends are HANDLEs, kept as void * so that
 * tests need not include <windows.h>. */
typedef struct test_proc {
  void *process; /* the helper's process handle */
  unsigned long pid;
  void *ready_r; /* the helper writes a byte when ready */
  void *go_w;    /* the test writes a byte to let the helper go on */
} test_proc;
#else
typedef struct test_proc {
  pid_t pid;
  int ready_r; /* the helper writes a byte when ready */
  int go_w;    /* the test writes a byte to let the helper go on */
} test_proc;
#endif

/* Starts `ipcmem-tests helper NAME args...`; the argument list ends with
 * NULL. Fails the test if the process cannot be started. */
void test_spawn(test_proc *p, const char *helper, ...);

/* Waits until the helper calls helper_ready(); fails the test if it exits
 * first. */
void test_proc_wait_ready(test_proc *p);

/* Lets a helper blocked in helper_wait_go() continue. */
void test_proc_go(test_proc *p);

/* Waits for the helper to exit and returns its exit code, or 128 + signal
 * number if it was killed. */
int test_proc_join(test_proc *p);

#if defined(_WIN32)
/* Starts a helper as test_spawn() does, and lets it inherit the `n` HANDLEs
 * in handles[] (and no other handle of the test): this is how Windows
 * shares an object with a child, since there is no fork. An inherited
 * handle has the same value in the helper; pass it on the command line with
 * test_handle_str() and read it back with test_handle_parse(). */
void test_spawn_inherit(test_proc *p, void *const *handles, int n,
                        const char *helper, ...);

/* Formats a HANDLE value for a helper's command line (a static buffer per
 * k, k in 0..3), and parses it back. */
const char *test_handle_str(int k, void *handle);
void *test_handle_parse(const char *s);

#else
/* Waits for a forked child and returns its exit code as test_proc_join. */
int test_wait_pid(pid_t pid);

/* Points the emulated backend at a private directory <scratch>/<leaf> (not
 * yet created: the first create makes it) and selects that backend, by
 * setting IPCMEM_SHARED_DIR and IPCMEM_SHM_BACKEND in this process and
 * resetting ipcmem_shm_set_backend(); the environment CTest gave the test
 * no longer matters. Returns the directory's path (a static buffer). */
const char *test_use_private_shm_dir(const char *leaf);
#endif

/* Runs the program argv[0] (a path) with arguments argv (NULL-terminated),
 * collects its standard output into out (NUL-terminated) and returns its
 * exit code (128 + signal number if a signal killed it), or -1 if it could
 * not be started or printed more than cap - 1 bytes. Standard error stays
 * the test's. It never fails the test itself, so a caller can clean up what
 * the program may have left before asserting. */
int test_run_capture(char *const argv[], char *out, size_t cap);

/* Fails the test unless `needle` occurs in `out`; returns where it does, so
 * that the order of lines can be checked. */
#define TEST_EXPECT_OUTPUT(out, needle)                                        \
  test_expect_output_(__FILE__, __LINE__, (out), (needle))
const char *test_expect_output_(const char *file, int line, const char *out,
                                const char *needle);

/* In a helper: tell the test we are ready / wait for it to say go. */
void helper_ready(void);
void helper_wait_go(void);

#endif /* IPCMEM_TEST_RUNNER_H */
