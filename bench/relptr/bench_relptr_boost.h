/* The Boost side of ipcmem-bench-relptr: a list of Boost.Interprocess
 * offset_ptr nodes, built and walked by C++ code with C linkage. */
#ifndef IPCMEM_BENCH_RELPTR_BOOST_H
#define IPCMEM_BENCH_RELPTR_BOOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Size in bytes of one node. */
size_t ipcmem_bench_boost_node_size(void);

/* Links the n nodes of the array at mem into a list that visits them in
 * the order order[0], order[1], ...; node i holds the value i. Returns the
 * first node. */
void *ipcmem_bench_boost_build(void *mem, const uint32_t *order, size_t n);

/* Walks the list from head; writes the number of nodes to *count and
 * returns the sum of their values. */
uint64_t ipcmem_bench_boost_walk(const void *head, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* IPCMEM_BENCH_RELPTR_BOOST_H */
