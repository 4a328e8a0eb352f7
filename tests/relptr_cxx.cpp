// <ipcmem/relptr.h> must compile as C++ (with -Wall -Wextra -Wpedantic
// -Werror), and its pointers must behave as they do in C.
#include <ipcmem/relptr.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

struct item;
IPCMEM_RELPTR(item_ptr, item);
IPCMEM_RELPTR32(item_ref, item);
struct item {
  item_ptr next;
  item_ref prev;
  int value;
};
IPCMEM_RELPTR_ARITH(item_ptr, item);
IPCMEM_RELPTR_ARITH(item_ref, item);

int main() {
  item a[3];
  std::memset(a, 0, sizeof(a));
  for (int i = 0; i < 3; i++) {
    a[i].value = i;
    // Zero is a pointer to itself, as in C.
    if (item_ptr_get(&a[i].next) != static_cast<void *>(&a[i].next))
      return 1;
    item_ptr_set_null(&a[i].next);
    item_ref_set_null(&a[i].prev);
    if (!item_ptr_is_null(&a[i].next) || !item_ref_is_null(&a[i].prev))
      return 1;
  }
  item_ptr_set(&a[0].next, &a[1]);
  item_ref_set(&a[1].prev, &a[0]);
  item_ptr_assign(&a[1].next, &a[0].next);
  item_ptr_add(&a[1].next, 1);
  if (item_ptr_get(&a[1].next) != &a[2] || item_ptr_get(&a[0].next)->value != 1)
    return 1;
  if (item_ptr_diff(&a[1].next, &a[0].next) != 1)
    return 1;
  if (item_ref_set_checked(&a[2].prev, &a[1]) != 0 ||
      item_ref_get(&a[2].prev) != &a[1])
    return 1;
  ipcmem_region none;
  std::memset(&none, 0, sizeof(none));
  std::uint64_t off = 0;
  if (ipcmem_region_offset_of(&off, &none, &a[0]) != IPCMEM_EINVAL ||
      ipcmem_region_at(&none, 0) != NULL)
    return 1;
  std::puts("ok");
  return 0;
}
