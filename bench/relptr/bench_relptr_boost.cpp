// Boost.Interprocess's offset_ptr in the same list as the C layouts of
// bench_relptr.c, written as a Boost user would write it.
#include "bench_relptr_boost.h"

#include <boost/interprocess/offset_ptr.hpp>

#include <new>

namespace {

struct bnode {
  boost::interprocess::offset_ptr<bnode> next;
  uint32_t value;
};

} // namespace

extern "C" size_t ipcmem_bench_boost_node_size(void) { return sizeof(bnode); }

extern "C" void *ipcmem_bench_boost_build(void *mem, const uint32_t *order,
                                          size_t n) {
  bnode *nodes = static_cast<bnode *>(mem);

  for (size_t i = 0; i < n; i++)
    new (&nodes[i]) bnode();
  for (size_t k = 0; k < n; k++) {
    bnode *cur = &nodes[order[k]];
    cur->value = order[k];
    cur->next = k + 1 < n ? &nodes[order[k + 1]] : 0;
  }
  return &nodes[order[0]];
}

// noinline, like the C walks, so that each is measured as the same
// stand-alone loop.
extern "C" __attribute__((noinline)) uint64_t
ipcmem_bench_boost_walk(const void *head, size_t *count) {
  const bnode *n = static_cast<const bnode *>(head);
  uint64_t sum = 0;
  size_t c = 0;

  while (n) {
    sum += n->value;
    c++;
    n = n->next.get();
  }
  *count = c;
  return sum;
}
