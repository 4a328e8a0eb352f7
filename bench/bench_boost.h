/* The Boost.Interprocess side of ipcmem-bench: one C-callable function per
 * measured operation, implemented in bench_boost.cpp. Each performs the
 * operation once, exactly as a C++ program using Boost would, and returns 0,
 * or -1 after writing a message into err[0..errlen). Exceptions never cross
 * into C. */
#ifndef IPCMEM_BENCH_BOOST_H
#define IPCMEM_BENCH_BOOST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* create_only + truncate + map read-write + touch + unmap + close +
 * remove. */
int ipcmem_bench_boost_create(const char *name, size_t size, char *err,
                              size_t errlen);

/* open_only read-only + map the whole object (its size learned from the
 * object) + touch + unmap + close. */
int ipcmem_bench_boost_open(const char *name, char *err, size_t errlen);

/* anonymous_shared_memory + touch + unmap. */
int ipcmem_bench_boost_anon(size_t size, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* IPCMEM_BENCH_BOOST_H */
