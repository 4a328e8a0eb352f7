/* ipcmem-bench-relptr: the cost of following relative pointers.
 *
 * A list of 1M nodes lives in anonymous shared memory, once per layout: raw
 * pointers, ipcmem's pointer-sized relative pointer (IPCMEM_RELPTR), its
 * 32-bit form (IPCMEM_RELPTR32) and Boost.Interprocess's offset_ptr. Each
 * is walked end to end, with the nodes linked in address order
 * ("sequential") and in a random order ("random", pointer chasing that
 * misses the caches). Walks of the layouts are interleaved, repeated, and
 * the median time per node is reported.
 *
 * Usage: ipcmem-bench-relptr [--json] [--nodes N] [--reps R] */
#include <ipcmem.h>
#include <ipcmem/relptr.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(IPCMEM_BENCH_HAVE_BOOST)
#include "bench_relptr_boost.h"
#endif

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* --- The layouts --------------------------------------------------- */

typedef struct raw_node {
  struct raw_node *next;
  uint32_t value;
} raw_node;

typedef struct rel_node rel_node;
IPCMEM_RELPTR(rel_ptr, rel_node);
struct rel_node {
  rel_ptr next;
  uint32_t value;
};

typedef struct rel32_node rel32_node;
IPCMEM_RELPTR32(rel32_ptr, rel32_node);
struct rel32_node {
  rel32_ptr next;
  uint32_t value;
};

/* Each walk is the loop a user writes, kept out of line so that the
 * compiler treats every layout alike. */
static NOINLINE uint64_t walk_raw(const void *head, size_t *count) {
  const raw_node *n = (const raw_node *)head;
  uint64_t sum = 0;
  size_t c = 0;

  while (n != NULL) {
    sum += n->value;
    c++;
    n = n->next;
  }
  *count = c;
  return sum;
}

static NOINLINE uint64_t walk_rel(const void *head, size_t *count) {
  const rel_node *n = (const rel_node *)head;
  uint64_t sum = 0;
  size_t c = 0;

  while (n != NULL) {
    sum += n->value;
    c++;
    n = rel_ptr_get(&n->next);
  }
  *count = c;
  return sum;
}

static NOINLINE uint64_t walk_rel32(const void *head, size_t *count) {
  const rel32_node *n = (const rel32_node *)head;
  uint64_t sum = 0;
  size_t c = 0;

  while (n != NULL) {
    sum += n->value;
    c++;
    n = rel32_ptr_get(&n->next);
  }
  *count = c;
  return sum;
}

static void *build_raw(void *mem, const uint32_t *order, size_t n) {
  raw_node *nodes = (raw_node *)mem;
  size_t k;

  for (k = 0; k < n; k++) {
    raw_node *cur = &nodes[order[k]];
    cur->value = order[k];
    cur->next = k + 1 < n ? &nodes[order[k + 1]] : NULL;
  }
  return &nodes[order[0]];
}

static void *build_rel(void *mem, const uint32_t *order, size_t n) {
  rel_node *nodes = (rel_node *)mem;
  size_t k;

  for (k = 0; k < n; k++) {
    rel_node *cur = &nodes[order[k]];
    cur->value = order[k];
    rel_ptr_set(&cur->next, k + 1 < n ? &nodes[order[k + 1]] : NULL);
  }
  return &nodes[order[0]];
}

static void *build_rel32(void *mem, const uint32_t *order, size_t n) {
  rel32_node *nodes = (rel32_node *)mem;
  size_t k;

  for (k = 0; k < n; k++) {
    rel32_node *cur = &nodes[order[k]];
    cur->value = order[k];
    rel32_ptr_set(&cur->next, k + 1 < n ? &nodes[order[k + 1]] : NULL);
  }
  return &nodes[order[0]];
}

typedef struct layout {
  const char *name;
  size_t node_size;
  void *(*build)(void *mem, const uint32_t *order, size_t n);
  uint64_t (*walk)(const void *head, size_t *count);
} layout;

static const layout layouts[] = {
    {"raw", sizeof(raw_node), build_raw, walk_raw},
    {"relptr", sizeof(rel_node), build_rel, walk_rel},
    {"relptr32", sizeof(rel32_node), build_rel32, walk_rel32},
#if defined(IPCMEM_BENCH_HAVE_BOOST)
    {"boost", 0, ipcmem_bench_boost_build, ipcmem_bench_boost_walk},
#endif
};
#define NLAYOUTS (sizeof(layouts) / sizeof(layouts[0]))

static const char *const patterns[] = {"sequential", "random"};
#define NPATTERNS 2

/* --- Measuring ------------------------------------------------------- */

static double now_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(*v), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A fixed-seed xorshift: the same random order in every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void usage(const char *argv0) {
  fprintf(stderr, "usage: %s [--json] [--nodes N] [--reps R]\n", argv0);
  exit(2);
}

int main(int argc, char **argv) {
  size_t nodes = (size_t)1 << 20, i, count;
  int reps = 15, json = 0, a, p, l, r, rc;
  uint32_t *order[NPATTERNS];
  ipcmem_region regions[NLAYOUTS][NPATTERNS];
  void *heads[NLAYOUTS][NPATTERNS];
  double *samples, med[NLAYOUTS][NPATTERNS];
  uint64_t expect;

  for (a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--json") == 0)
      json = 1;
    else if (strcmp(argv[a], "--nodes") == 0 && a + 1 < argc)
      nodes = (size_t)strtoul(argv[++a], NULL, 10);
    else if (strcmp(argv[a], "--reps") == 0 && a + 1 < argc)
      reps = atoi(argv[++a]);
    else
      usage(argv[0]);
  }
  if (nodes < 2 || nodes > UINT32_MAX || reps < 1)
    usage(argv[0]);

  /* Sequential: node i links to node i + 1. Random: a shuffled order. */
  for (p = 0; p < NPATTERNS; p++) {
    order[p] = (uint32_t *)malloc(nodes * sizeof(uint32_t));
    if (order[p] == NULL)
      return fprintf(stderr, "out of memory\n"), 1;
    for (i = 0; i < nodes; i++)
      order[p][i] = (uint32_t)i;
  }
  for (i = nodes - 1; i > 0; i--) {
    size_t j = (size_t)(rng() % (i + 1));
    uint32_t t = order[1][i];
    order[1][i] = order[1][j];
    order[1][j] = t;
  }
  expect = (uint64_t)nodes * (nodes - 1) / 2;

  for (l = 0; l < (int)NLAYOUTS; l++)
    for (p = 0; p < NPATTERNS; p++) {
      size_t size = layouts[l].node_size;
#if defined(IPCMEM_BENCH_HAVE_BOOST)
      if (size == 0)
        size = ipcmem_bench_boost_node_size();
#endif
      rc = ipcmem_anon_map(&regions[l][p], size * nodes);
      if (rc != 0) {
        fprintf(stderr, "ipcmem_anon_map: %s\n", ipcmem_strerror(rc));
        return 1;
      }
      heads[l][p] =
          layouts[l].build(ipcmem_region_addr(&regions[l][p]), order[p], nodes);
    }

  samples =
      (double *)malloc(sizeof(double) * (size_t)reps * NLAYOUTS * NPATTERNS);
  if (samples == NULL)
    return fprintf(stderr, "out of memory\n"), 1;
  /* r == -1 is a warm-up walk, not counted. The layout that goes first
   * rotates, so that none is always measured right after another. */
  for (r = -1; r < reps; r++)
    for (p = 0; p < NPATTERNS; p++)
      for (a = 0; a < (int)NLAYOUTS; a++) {
        double t0, t1;
        uint64_t sum;

        l = (a + r + 1) % (int)NLAYOUTS;
        t0 = now_ns();
        sum = layouts[l].walk(heads[l][p], &count);

        t1 = now_ns();
        /* A wrong result means a broken pointer: fail, don't report. */
        if (sum != expect || count != nodes) {
          fprintf(stderr, "%s %s: walked %zu nodes, sum %llu\n",
                  layouts[l].name, patterns[p], count, (unsigned long long)sum);
          return 1;
        }
        if (r >= 0)
          samples[((size_t)l * NPATTERNS + (size_t)p) * (size_t)reps +
                  (size_t)r] = (t1 - t0) / (double)nodes;
      }
  for (l = 0; l < (int)NLAYOUTS; l++)
    for (p = 0; p < NPATTERNS; p++)
      med[l][p] = median(
          samples + ((size_t)l * NPATTERNS + (size_t)p) * (size_t)reps, reps);

  if (!json) {
    printf("%zu nodes, median of %d walks, ns per node (ratio to raw)\n", nodes,
           reps);
    printf("%-10s %10s %22s %22s\n", "layout", "node bytes", patterns[0],
           patterns[1]);
  }
  for (l = 0; l < (int)NLAYOUTS; l++) {
    size_t size = layouts[l].node_size;
#if defined(IPCMEM_BENCH_HAVE_BOOST)
    if (size == 0)
      size = ipcmem_bench_boost_node_size();
#endif
    if (json) {
      for (p = 0; p < NPATTERNS; p++)
        printf("{\"layout\": \"%s\", \"pattern\": \"%s\", \"ns_per_node\": "
               "%.3f, \"ratio_to_raw\": %.3f, \"node_bytes\": %zu, "
               "\"nodes\": %zu, \"reps\": %d}\n",
               layouts[l].name, patterns[p], med[l][p], med[l][p] / med[0][p],
               size, nodes, reps);
    } else {
      printf("%-10s %10zu %13.3f (%5.2fx) %13.3f (%5.2fx)\n", layouts[l].name,
             size, med[l][0], med[l][0] / med[0][0], med[l][1],
             med[l][1] / med[0][1]);
    }
  }
#if !defined(IPCMEM_BENCH_HAVE_BOOST)
  if (!json)
    printf("boost: n/a (built without Boost.Interprocess)\n");
#endif

  for (l = 0; l < (int)NLAYOUTS; l++)
    for (p = 0; p < NPATTERNS; p++)
      ipcmem_region_unmap(&regions[l][p]);
  for (p = 0; p < NPATTERNS; p++)
    free(order[p]);
  free(samples);
  return 0;
}
