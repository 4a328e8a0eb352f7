/* ipcmem-bench: what ipcmem costs over bare POSIX calls and over
 * Boost.Interprocess, for the three things programs do most with shared
 * memory (create an object, open an existing one, map anonymous memory).
 *
 * Every operation is timed in batches, and the three ways take turns batch
 * by batch, so that whatever else the machine does slows all three alike.
 * The figure reported is the median of the per-batch averages, which a few
 * disturbed batches cannot move.
 *
 * Every call is checked: a failed call ends the program with its error,
 * because a benchmark that measures failures measures nothing. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS and shm_open under -std=c11 */

#include <ipcmem.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(IPCMEM_BENCH_HAVE_BOOST)
#include "bench_boost.h"
#endif

#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS MAP_ANON /* older BSDs and macOS spell it so */
#endif

#define OBJ_SIZE ((size_t)1 << 20)

enum { WAY_IPCMEM, WAY_BARE, WAY_BOOST, NWAYS };
enum { OP_CREATE, OP_OPEN, OP_ANON, NOPS };

static const char *const op_names[NOPS] = {"create", "open", "anon"};
static const char *const way_names[NWAYS] = {"ipcmem", "bare", "boost"};

/* The only names this program ever creates: one per way for `create` (each
 * way reuses its own name, created and removed once per operation) and one
 * for the object that `open` opens. Knowing them all up front is what lets
 * the signal handler remove them without allocating. A leading '/' plus at
 * most IPCMEM_NAME_MAX characters fits every supported system. */
#define NAME_BUF (IPCMEM_NAME_MAX + 2)
static char create_names[NWAYS][NAME_BUF];
static char open_name[NAME_BUF];
static volatile sig_atomic_t names_ready;

/* The message of the first failure; the operation that failed returns -1
 * and main reports it. */
static char errbuf[512];

/* ------------------------------------------------------------------ */
/* Errors and cleanup                                                 */
/* ------------------------------------------------------------------ */

static int failf(const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
  va_end(ap);
  return -1;
}

/* Formats an ipcmem failure with the system error behind it. Called before
 * any cleanup call, which could replace ipcmem_last_os_error(). */
static int fail_ipcmem(const char *call, int rc) {
  int os = ipcmem_last_os_error();

  if (os != 0)
    return failf("%s: %s [%s] (%s)", call, ipcmem_strerror(rc),
                 ipcmem_err_name(rc), strerror(os));
  return failf("%s: %s [%s]", call, ipcmem_strerror(rc), ipcmem_err_name(rc));
}

static int fail_os(const char *call) {
  return failf("%s: %s", call, strerror(errno));
}

/* Removes every name this program may have created. Absent names are the
 * normal case (ENOENT). Runs from the signal handler too: shm_unlink is not
 * on POSIX's list of async-signal-safe functions, but on the systems that
 * have it, it is unlink() of a name built in a local buffer, which is. */
static void remove_names(void) {
  int saved = errno, w;

  if (!names_ready)
    return;
  for (w = 0; w < NWAYS; w++)
    shm_unlink(create_names[w]);
  shm_unlink(open_name);
  errno = saved;
}

static void on_signal(int sig) {
  remove_names();
  /* Die of the signal itself, so that the parent sees the real cause. */
  signal(sig, SIG_DFL);
  raise(sig);
}

static void install_cleanup(void) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  struct sigaction sa;
  size_t i;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
    sigaddset(&sa.sa_mask, sigs[i]);
  for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
    if (sigaction(sigs[i], &sa, NULL) != 0) {
      fprintf(stderr, "ipcmem-bench: sigaction: %s\n", strerror(errno));
      exit(1);
    }
  }
  /* exit() from any path, including the error paths, removes the names. */
  if (atexit(remove_names) != 0) {
    fprintf(stderr, "ipcmem-bench: atexit failed\n");
    exit(1);
  }
}

/* ------------------------------------------------------------------ */
/* The ipcmem way (public API only)                                   */
/* ------------------------------------------------------------------ */

static int ipcmem_way_create(void) {
  const char *name = create_names[WAY_IPCMEM];
  ipcmem_shm shm;
  ipcmem_region r;
  int rc;

  /* Zeroed structs are "not open", so the error path can release both
   * whatever happened. */
  memset(&r, 0, sizeof(r));
  rc = ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0);
  if (rc != 0)
    return fail_ipcmem("ipcmem_shm_open", rc);
  rc = ipcmem_shm_truncate(&shm, OBJ_SIZE);
  if (rc != 0) {
    fail_ipcmem("ipcmem_shm_truncate", rc);
    goto undo;
  }
  rc =
      ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, OBJ_SIZE, NULL, 0);
  if (rc != 0) {
    fail_ipcmem("ipcmem_region_map", rc);
    goto undo;
  }
  ((volatile char *)ipcmem_region_addr(&r))[0] = 1;
  rc = ipcmem_region_unmap(&r);
  if (rc != 0) {
    fail_ipcmem("ipcmem_region_unmap", rc);
    goto undo;
  }
  rc = ipcmem_shm_close(&shm);
  if (rc != 0) {
    fail_ipcmem("ipcmem_shm_close", rc);
    goto undo;
  }
  rc = ipcmem_shm_remove(name);
  if (rc != 0)
    return fail_ipcmem("ipcmem_shm_remove", rc);
  return 0;

undo:
  ipcmem_region_unmap(&r);
  ipcmem_shm_close(&shm);
  ipcmem_shm_remove(name);
  return -1;
}

static int ipcmem_way_open(void) {
  ipcmem_shm shm;
  ipcmem_region r;
  int rc;

  rc = ipcmem_shm_open(&shm, open_name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0);
  if (rc != 0)
    return fail_ipcmem("ipcmem_shm_open", rc);
  /* Size 0: the whole object, whatever its size. */
  rc = ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0);
  if (rc != 0) {
    fail_ipcmem("ipcmem_region_map", rc);
    ipcmem_shm_close(&shm);
    return -1;
  }
  if (ipcmem_region_size(&r) != OBJ_SIZE) {
    failf("ipcmem_region_map: mapped %zu bytes, expected %zu",
          ipcmem_region_size(&r), OBJ_SIZE);
    ipcmem_region_unmap(&r);
    ipcmem_shm_close(&shm);
    return -1;
  }
  (void)((const volatile char *)ipcmem_region_addr(&r))[0];
  rc = ipcmem_region_unmap(&r);
  if (rc != 0) {
    fail_ipcmem("ipcmem_region_unmap", rc);
    ipcmem_shm_close(&shm);
    return -1;
  }
  rc = ipcmem_shm_close(&shm);
  if (rc != 0)
    return fail_ipcmem("ipcmem_shm_close", rc);
  return 0;
}

static int ipcmem_way_anon(void) {
  ipcmem_region r;
  int rc = ipcmem_anon_map(&r, OBJ_SIZE);

  if (rc != 0)
    return fail_ipcmem("ipcmem_anon_map", rc);
  ((volatile char *)ipcmem_region_addr(&r))[0] = 1;
  rc = ipcmem_region_unmap(&r);
  if (rc != 0)
    return fail_ipcmem("ipcmem_region_unmap", rc);
  return 0;
}

/* ------------------------------------------------------------------ */
/* The bare POSIX way                                                 */
/* ------------------------------------------------------------------ */

static int bare_way_create(void) {
  const char *name = create_names[WAY_BARE];
  void *p;
  int fd;

  fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return fail_os("shm_open");
  if (ftruncate(fd, (off_t)OBJ_SIZE) != 0) {
    fail_os("ftruncate");
    goto undo;
  }
  p = mmap(NULL, OBJ_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    fail_os("mmap");
    goto undo;
  }
  ((volatile char *)p)[0] = 1;
  if (munmap(p, OBJ_SIZE) != 0) {
    fail_os("munmap");
    goto undo;
  }
  if (close(fd) != 0) {
    fail_os("close");
    shm_unlink(name);
    return -1;
  }
  if (shm_unlink(name) != 0)
    return fail_os("shm_unlink");
  return 0;

undo:
  close(fd);
  shm_unlink(name);
  return -1;
}

static int bare_way_open(void) {
  struct stat st;
  size_t size;
  void *p;
  int fd;

  fd = shm_open(open_name, O_RDONLY, 0);
  if (fd < 0)
    return fail_os("shm_open");
  /* A program opening an object it did not create learns its size. */
  if (fstat(fd, &st) != 0) {
    fail_os("fstat");
    close(fd);
    return -1;
  }
  if (st.st_size != (off_t)OBJ_SIZE) {
    failf("fstat: size %lld, expected %zu", (long long)st.st_size, OBJ_SIZE);
    close(fd);
    return -1;
  }
  size = (size_t)st.st_size;
  p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    fail_os("mmap");
    close(fd);
    return -1;
  }
  (void)((const volatile char *)p)[0];
  if (munmap(p, size) != 0) {
    fail_os("munmap");
    close(fd);
    return -1;
  }
  if (close(fd) != 0)
    return fail_os("close");
  return 0;
}

static int bare_way_anon(void) {
  void *p = mmap(NULL, OBJ_SIZE, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

  if (p == MAP_FAILED)
    return fail_os("mmap");
  ((volatile char *)p)[0] = 1;
  if (munmap(p, OBJ_SIZE) != 0)
    return fail_os("munmap");
  return 0;
}

/* ------------------------------------------------------------------ */
/* The Boost.Interprocess way (bench_boost.cpp)                       */
/* ------------------------------------------------------------------ */

#if defined(IPCMEM_BENCH_HAVE_BOOST)
static int boost_way_create(void) {
  return ipcmem_bench_boost_create(create_names[WAY_BOOST], OBJ_SIZE, errbuf,
                                   sizeof(errbuf));
}

static int boost_way_open(void) {
  return ipcmem_bench_boost_open(open_name, errbuf, sizeof(errbuf));
}

static int boost_way_anon(void) {
  return ipcmem_bench_boost_anon(OBJ_SIZE, errbuf, sizeof(errbuf));
}
#define BOOST_FN(f) f
#else
#define BOOST_FN(f) NULL
#endif

typedef int (*op_fn)(void);

/* NULL where a way is not built: Boost's column then reads "n/a". */
static const op_fn ops[NOPS][NWAYS] = {
    {ipcmem_way_create, bare_way_create, BOOST_FN(boost_way_create)},
    {ipcmem_way_open, bare_way_open, BOOST_FN(boost_way_open)},
    {ipcmem_way_anon, bare_way_anon, BOOST_FN(boost_way_anon)},
};

/* ------------------------------------------------------------------ */
/* Measurement                                                        */
/* ------------------------------------------------------------------ */

static int64_t now_ns(void) {
  struct timespec ts;

  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    fprintf(stderr, "ipcmem-bench: clock_gettime: %s\n", strerror(errno));
    exit(1);
  }
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Runs `iters` operations and returns the average ns per operation, or
 * ends the program with the error of the first failed operation. */
static double run_batch(int op, int way, int iters) {
  op_fn fn = ops[op][way];
  int64_t t0, t1;
  int i;

  t0 = now_ns();
  for (i = 0; i < iters; i++) {
    if (fn() != 0) {
      fprintf(stderr, "ipcmem-bench: %s %s: %s\n", way_names[way], op_names[op],
              errbuf);
      exit(1);
    }
  }
  t1 = now_ns();
  return (double)(t1 - t0) / iters;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(*v), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The object that `open` opens: 1 MiB, its first page already written, so
 * that every open finds the same resident page to touch. Made with bare
 * calls, so that no way's setup favours it. */
static void make_open_object(void) {
  void *p;
  int fd;

  fd = shm_open(open_name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    fprintf(stderr, "ipcmem-bench: shm_open %s: %s\n", open_name,
            strerror(errno));
    exit(1);
  }
  if (ftruncate(fd, (off_t)OBJ_SIZE) != 0) {
    fprintf(stderr, "ipcmem-bench: ftruncate: %s\n", strerror(errno));
    close(fd);
    exit(1);
  }
  p = mmap(NULL, OBJ_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    fprintf(stderr, "ipcmem-bench: mmap: %s\n", strerror(errno));
    close(fd);
    exit(1);
  }
  ((volatile char *)p)[0] = 1;
  if (munmap(p, OBJ_SIZE) != 0 || close(fd) != 0) {
    fprintf(stderr, "ipcmem-bench: munmap/close: %s\n", strerror(errno));
    exit(1);
  }
}

static void make_names(void) {
  long pid = (long)getpid();
  int w, n;

  for (w = 0; w < NWAYS; w++) {
    n = snprintf(create_names[w], NAME_BUF, "/ipcmem-bench.%ld.%d", pid, w);
    if (n < 0 || n >= NAME_BUF) {
      fprintf(stderr, "ipcmem-bench: pid %ld makes too long a name\n", pid);
      exit(1);
    }
  }
  n = snprintf(open_name, NAME_BUF, "/ipcmem-bench.%ld.%d", pid, NWAYS);
  if (n < 0 || n >= NAME_BUF) {
    fprintf(stderr, "ipcmem-bench: pid %ld makes too long a name\n", pid);
    exit(1);
  }
  names_ready = 1;
}

/* ------------------------------------------------------------------ */
/* Command line and report                                            */
/* ------------------------------------------------------------------ */

static void usage(FILE *f) {
  fprintf(f, "usage: ipcmem-bench [--json] [--quick] [--reps N] [--iters N]\n"
             "  Times create / open / anon of a 1 MiB shared memory object\n"
             "  through ipcmem, bare POSIX calls and Boost.Interprocess.\n"
             "  --json     one JSON object per operation and line\n"
             "  --quick    few iterations (a smoke test, not a measurement)\n"
             "  --reps N   batches per operation and way (default 101)\n"
             "  --iters N  operations per batch (default 50)\n");
}

static int parse_count(const char *opt, const char *arg, int max) {
  char *end;
  long v;

  if (arg == NULL) {
    fprintf(stderr, "ipcmem-bench: %s needs a number\n", opt);
    exit(2);
  }
  errno = 0;
  v = strtol(arg, &end, 10);
  if (errno != 0 || end == arg || *end != '\0' || v < 1 || v > max) {
    fprintf(stderr, "ipcmem-bench: %s wants a number from 1 to %d\n", opt, max);
    exit(2);
  }
  return (int)v;
}

/* A JSON number, or null for a way that was not built. */
static void json_num(char *buf, size_t len, double v, int have,
                     const char *fmt) {
  if (have)
    snprintf(buf, len, fmt, v);
  else
    snprintf(buf, len, "null");
}

int main(int argc, char **argv) {
  static const int orders[6][NWAYS] = {{0, 1, 2}, {1, 2, 0}, {2, 0, 1},
                                       {0, 2, 1}, {2, 1, 0}, {1, 0, 2}};
  int json = 0, quick = 0, reps = 101, iters = 50, warm = 50;
  int reps_set = 0, iters_set = 0;
  double *samples[NOPS][NWAYS];
  double med[NOPS][NWAYS];
  int i, r, op, k, way;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) {
      json = 1;
    } else if (strcmp(argv[i], "--quick") == 0) {
      quick = 1;
    } else if (strcmp(argv[i], "--reps") == 0) {
      reps = parse_count("--reps", argv[i + 1], 100000);
      reps_set = 1;
      i++;
    } else if (strcmp(argv[i], "--iters") == 0) {
      iters = parse_count("--iters", argv[i + 1], 10000000);
      iters_set = 1;
      i++;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "ipcmem-bench: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  if (quick) {
    /* An explicit --reps or --iters still wins over --quick's defaults. */
    if (!reps_set)
      reps = 3;
    if (!iters_set)
      iters = 5;
    warm = 1;
  }

  for (op = 0; op < NOPS; op++)
    for (way = 0; way < NWAYS; way++) {
      samples[op][way] = calloc((size_t)reps, sizeof(double));
      if (samples[op][way] == NULL) {
        fprintf(stderr, "ipcmem-bench: out of memory\n");
        return 1;
      }
    }

  make_names();
  install_cleanup();
  make_open_object();

  /* Warm-up: first-touch costs (page tables, the C library's lazy binding,
   * the kernel's dentry for each name) are paid before any timing. */
  for (op = 0; op < NOPS; op++)
    for (way = 0; way < NWAYS; way++)
      if (ops[op][way] != NULL)
        (void)run_batch(op, way, warm);

  /* Round-robin: each repetition runs one short batch of every way, so
   * that drift in the machine's speed hits all three alike. The order of
   * the ways cycles through all six permutations, so that no way always
   * runs first or always follows the same other way. */
  for (r = 0; r < reps; r++)
    for (op = 0; op < NOPS; op++)
      for (k = 0; k < NWAYS; k++) {
        way = orders[r % 6][k];
        if (ops[op][way] != NULL)
          samples[op][way][r] = run_batch(op, way, iters);
      }

  if (shm_unlink(open_name) != 0) {
    fprintf(stderr, "ipcmem-bench: shm_unlink %s: %s\n", open_name,
            strerror(errno));
    return 1;
  }

  for (op = 0; op < NOPS; op++)
    for (way = 0; way < NWAYS; way++)
      med[op][way] =
          ops[op][way] != NULL ? median(samples[op][way], reps) : 0.0;

  if (!json) {
    printf("ipcmem-bench: 1 MiB objects; median of %d batches x %d ops; "
           "ns per op\n",
           reps, iters);
    printf("%-7s %11s %11s %11s %12s %13s\n", "op", "ipcmem ns", "bare ns",
           "boost ns", "ipcmem/bare", "ipcmem/boost");
  }
  for (op = 0; op < NOPS; op++) {
    double ipc = med[op][WAY_IPCMEM], bare = med[op][WAY_BARE];
    double boost = med[op][WAY_BOOST];
    int have_boost = ops[op][WAY_BOOST] != NULL;
    char bbuf[32], rbuf[32];

    if (json) {
      json_num(bbuf, sizeof(bbuf), boost, have_boost, "%.1f");
      json_num(rbuf, sizeof(rbuf), ipc / boost, have_boost, "%.4f");
      printf("{\"op\":\"%s\",\"ipcmem_ns\":%.1f,\"bare_ns\":%.1f,"
             "\"boost_ns\":%s,\"ipcmem_over_bare\":%.4f,"
             "\"ipcmem_over_boost\":%s,\"reps\":%d,\"iters\":%d}\n",
             op_names[op], ipc, bare, bbuf, ipc / bare, rbuf, reps, iters);
    } else {
      if (have_boost) {
        snprintf(bbuf, sizeof(bbuf), "%.1f", boost);
        snprintf(rbuf, sizeof(rbuf), "%.3f", ipc / boost);
      } else {
        snprintf(bbuf, sizeof(bbuf), "n/a");
        snprintf(rbuf, sizeof(rbuf), "n/a");
      }
      printf("%-7s %11.1f %11.1f %11s %12.3f %13s\n", op_names[op], ipc, bare,
             bbuf, ipc / bare, rbuf);
    }
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "ipcmem-bench: writing the report failed\n");
    return 1;
  }

  for (op = 0; op < NOPS; op++)
    for (way = 0; way < NWAYS; way++)
      free(samples[op][way]);
  return 0;
}
