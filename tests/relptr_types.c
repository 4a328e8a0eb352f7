/* Compiled by check-relptr-types.sh, as C and as C++: it must compile
 * cleanly as it is, and fail to compile with RELPTR_MISTAKE defined, where
 * a pointer to one struct is stored in a relative pointer to another. */
#include <ipcmem/relptr.h>

struct apple {
  int seeds;
};
struct pear {
  int seeds;
};
IPCMEM_RELPTR(apple_ptr, struct apple);
IPCMEM_RELPTR32(apple_ref, struct apple);

int main(void) {
  struct apple a = {1};
  struct pear p = {2};
  apple_ptr ap;
  apple_ref ar;

  (void)p;
  apple_ptr_set(&ap, &a);
  apple_ref_set(&ar, &a);
#if RELPTR_MISTAKE == 1
  apple_ptr_set(&ap, &p);
#elif RELPTR_MISTAKE == 2
  apple_ref_set(&ar, &p);
#elif RELPTR_MISTAKE == 3
  /* Two relative pointer types are distinct even with the same target. */
  apple_ptr_assign(&ap, &ar);
#elif RELPTR_MISTAKE == 4
  {
    struct pear *q = apple_ptr_get(&ap);
    (void)q;
  }
#endif
  return apple_ptr_get(&ap)->seeds + apple_ref_get(&ar)->seeds == 2 ? 0 : 1;
}
