/* What the two halves of the test runner share, and nothing a test uses.
 *
 * runner-common.c holds the portable part: the tables of tests and helpers,
 * test_fail_ and test_skip, the names, keys and scratch paths a test is
 * given, and main() with its report. runner.c (POSIX) and runner-win.c
 * (Windows) hold what depends on the system: how a test and its helpers
 * are started, timed out and killed, and how the objects and files they
 * leave behind are found and removed. Each half reaches the other only
 * through what is declared here. */
#ifndef IPCMEM_TEST_RUNNER_INTERNAL_H
#define IPCMEM_TEST_RUNNER_INTERNAL_H

#include "runner.h"

#include <stdarg.h>
#include <stdint.h>

#if defined(_WIN32)
/* Long enough for any path the suite makes; the tests never go near
 * MAX_PATH. */
#define RUNNER_PATH_BUF 1024
/* The separator of the scratch paths handed to tests. */
#define RUNNER_PATH_SEP "\\"
#else
#include <limits.h>
/* realpath() may write up to PATH_MAX bytes into the test binary's path. */
#define RUNNER_PATH_BUF PATH_MAX
#define RUNNER_PATH_SEP "/"
#endif

/* Long enough for any name test_shm_name() makes. */
#define RUNNER_NAME_BUF 64
/* The most arguments a helper's command line holds, its terminating NULL
 * included. */
#define RUNNER_HELPER_ARGV 32

typedef struct runner__test {
  const char *name;
  void (*fn)(void);
} runner__test;

/* --- defined in runner-common.c ---------------------------------------- */

/* The pid that names and keys are derived from: the runner's own, which the
 * platform half sets at start-up and passes on to the test and its helpers
 * in IPCMEM_TEST_NAME_PID. A pid_t and a DWORD both fit. */
extern unsigned long runner__name_pid;
/* Absolute path of the test binary, filled in by runner__init(). */
extern char runner__exe_path[RUNNER_PATH_BUF];
/* The scratch directory of the current test: made and removed by the
 * platform half, read by test_tmp_dir(). */
extern char runner__tmp_dir[RUNNER_PATH_BUF];
/* Nonzero in a helper process, whose failures say so. */
extern int runner__is_helper;

/* Writes v in base 36 (at most 13 characters and a NUL). */
void runner__fmt_base36(char *out, unsigned long v);

/* The value of test_xsi_key(k) in the run whose name pid is `pid`. */
int32_t runner__xsi_key_value(unsigned long pid, int k);

/* Fills argv with `exe helper NAME args...` from the NULL-terminated
 * arguments in ap, drops any beyond RUNNER_HELPER_ARGV - 1, and ends it
 * with NULL. */
void runner__helper_argv(char *argv[RUNNER_HELPER_ARGV], const char *helper,
                         va_list ap);

/* Removes every shm name the test could have used, reporting each that
 * existed, and calls also(name) (if not NULL) for each name as well, so that
 * a platform can look for objects of its own under it; returns how many
 * leftovers there were, those also() counted included. */
int runner__remove_names(int (*also)(const char *name));

/* The result of a test that exited with rc and left `leftovers` objects or
 * files behind: 0 (pass), 1 (fail) or TEST_SKIP_CODE. */
int runner__verdict(int rc, int leftovers);

/* --- defined by the platform half (runner.c or runner-win.c) ----------- */

/* Nonzero if a test runs in a re-execution of the binary (`ipcmem-tests
 * child NAME`), as on Windows, which has no fork; main() then accepts that
 * command. */
extern const int runner__child_mode;

/* Sets up the process before main() looks at its arguments: fills
 * runner__exe_path and runner__name_pid, prepares the shared directory of
 * emulated objects and whatever the system needs. Returns 0, or -1 after
 * saying why on standard error. */
int runner__init(const char *argv0);

/* Called in a helper process before it runs: finds the pipes to the test
 * and arms the helper's timeout. */
void runner__helper_init(void);

/* Runs one test in a process of its own, with a timeout, and afterwards
 * kills whatever it left running and removes what it left behind. Returns
 * 0 (pass), 1 (fail) or TEST_SKIP_CODE. */
int runner__run_test(const runner__test *t);

/* Ends the process with `code` at once, without the atexit handlers, once
 * the streams that must not lose output are flushed. */
TEST_NORETURN void runner__exit(int code);

#endif /* IPCMEM_TEST_RUNNER_INTERNAL_H */
