/* ipcmem: relative pointers for data structures inside mapped regions.
 *
 * A region can be mapped at a different address in every process, so a raw
 * pointer stored in it is only meaningful to the process that wrote it. A
 * *self-relative pointer* (Boost's offset_ptr) stores instead the distance
 * from its own address to its target; both move together when the region
 * moves, so the distance is the same in every process. See docs/relptr.md.
 *
 * Declaring one, for any type T (T may still be incomplete, so a struct can
 * point to its own type):
 *
 *   typedef struct node node;
 *   IPCMEM_RELPTR(node_ptr, node);   // pointer-sized, any distance
 *   IPCMEM_RELPTR32(node_ref, node); // 4 bytes, targets within 2 GiB
 *   struct node { node_ptr next; int value; };
 *
 * generates the type `node_ptr` and these static inline functions (the same
 * for both forms):
 *
 *   node *node_ptr_get(const node_ptr *p);       target, or NULL
 *   void node_ptr_set(node_ptr *p, node *t);     t may be NULL
 *   int node_ptr_set_checked(node_ptr *p, node *t);  0 or an error
 *   void node_ptr_set_null(node_ptr *p);
 *   int node_ptr_is_null(const node_ptr *p);
 *   void node_ptr_assign(node_ptr *dst, const node_ptr *src);
 *   int node_ptr_assign_checked(node_ptr *dst, const node_ptr *src);
 *   int node_ptr_eq(const node_ptr *a, const node_ptr *b);  same target?
 *   int node_ptr_cmp(const node_ptr *a, const node_ptr *b); -1, 0 or 1
 *
 * Passing a `struct other *` where a `node *` is expected is a compile-time
 * diagnostic (an error in C++, and in C with -Werror). Once T is complete,
 * IPCMEM_RELPTR_ARITH(node_ptr, node) adds element arithmetic:
 *
 *   void node_ptr_add(node_ptr *p, ptrdiff_t n);  p += n (p not null)
 *   ptrdiff_t node_ptr_diff(const node_ptr *a, const node_ptr *b);  a - b
 *
 * Encoding, Boost's: the stored value is the distance target - &pointer in
 * bytes, and 1 means null. 0 is therefore a pointer to itself, which stays
 * valid (an empty circular list's head points to itself), and the one
 * address a pointer cannot hold is its own second byte, where no object of
 * T can be unless T is a character type aimed into the pointer; the setters
 * treat that as an error. The full form has the bit pattern of Boost's
 * offset_ptr<T> on the same platform.
 *
 * So zeroed memory (fresh from ipcmem_shm_truncate(), or memset(0)) holds
 * pointers to themselves, not nulls: initialise every pointer with _set()
 * or _set_null(), or with IPCMEM_RELPTR_NULL_INIT.
 * (The zero-is-null alternative, a distance biased by one, costs an extra
 * add on the critical path of every traversal; see docs/relptr.md.)
 *
 * Never copy a self-relative pointer with `=` or memcpy(), nor a struct that
 * contains one: the copy keeps the distance, not the target. Use _assign(),
 * or copy the struct and then _assign() each pointer field from the source.
 *
 * Checks. The plain setters check their argument when NDEBUG is not defined
 * or IPCMEM_RELPTR_CHECK is defined, and abort() with a message on misuse
 * (a 32-bit distance out of range, or the unrepresentable address), like
 * assert(). Without checks a misused setter stores a wrong pointer. The
 * _checked() setters always check and return 0 or IPCMEM_ERANGE, leaving
 * the pointer unchanged on failure.
 *
 * Base-relative offsets (an offset from the region's start, which survives
 * memcpy() but needs the region to decode) are at the end of this file. */
#ifndef IPCMEM_RELPTR_H
#define IPCMEM_RELPTR_H

#include <stddef.h>
#include <stdint.h>

#include "../ipcmem.h"

#if !defined(NDEBUG) || defined(IPCMEM_RELPTR_CHECK)
#define IPCMEM__RELPTR_CHECKS 1
#include <stdio.h>
#include <stdlib.h>
#else
#define IPCMEM__RELPTR_CHECKS 0
#endif

#if defined(__GNUC__)
#define IPCMEM__UNUSED __attribute__((unused))
#define IPCMEM__LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define IPCMEM__UNUSED
#define IPCMEM__LIKELY(x) (x)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Addresses are turned into integers (uintptr_t) and differences are taken
 * there, not by subtracting pointers: subtracting pointers into different
 * objects is undefined behaviour in C, and the compiler cannot know that the
 * pointer and its target share a mapping. Converting between pointers and
 * integers is implementation-defined, and on every flat-address-space
 * target ipcmem supports it is the obvious bijection. Unsigned arithmetic
 * wraps, so sums and differences are exact modulo the address width. */

/* The stored value of a null pointer (Boost's). */
#define IPCMEM__RELPTR_NULL 1

/* Stored value -> target, for the pointer stored at `self`.
 *
 * The common case (not null) is one add on the critical path of a
 * traversal: the null test is a predicted branch beside it. Boost's
 * branchless form (mask the sum with -(s != 1)) puts two more operations on
 * that path; measured, it walks lists about 1.5 times slower when they are
 * in cache (docs/relptr.md). */
static inline void *ipcmem__relptr_decode(const void *self, intptr_t s) {
  if (IPCMEM__LIKELY(s != IPCMEM__RELPTR_NULL))
    return (void *)((uintptr_t)self + (uintptr_t)s);
  return NULL;
}

/* Target -> stored value; null when t is NULL. When t is self + 1 the
 * result also reads as null, which the callers check where they can. */
static inline intptr_t ipcmem__relptr_encode(const void *self, const void *t) {
  if (t == NULL)
    return IPCMEM__RELPTR_NULL;
  return (intptr_t)((uintptr_t)t - (uintptr_t)self);
}

/* 1 if a non-null t cannot be stored in the pointer at self. */
static inline int ipcmem__relptr_bad(const void *self, const void *t) {
  return t != NULL && (uintptr_t)t == (uintptr_t)self + 1u;
}

/* 1 if a non-null t cannot be stored in a 32-bit pointer at self: too far
 * (on a 64-bit system), or the unrepresentable address. With 32-bit
 * addresses every distance fits, modulo 2^32. */
static inline int ipcmem__relptr32_bad(const void *self, const void *t) {
  intptr_t s;

  if (t == NULL)
    return 0;
  if (ipcmem__relptr_bad(self, t))
    return 1;
  s = ipcmem__relptr_encode(self, t);
#if INTPTR_MAX > INT32_MAX
  return s < (intptr_t)INT32_MIN || s > (intptr_t)INT32_MAX;
#else
  (void)s;
  return 0;
#endif
}

#if IPCMEM__RELPTR_CHECKS
/* The addresses come as integers: they are only printed, and a pointer
 * argument would make gcc suspect that the uninitialised pointer is read. */
static inline void ipcmem__relptr_fail(const char *what, uintptr_t self,
                                       uintptr_t t) {
  fprintf(stderr,
          "ipcmem: %s: cannot point from %p to %p (see ipcmem/relptr.h)\n",
          what, (void *)self, (void *)t);
  fflush(stderr);
  abort();
}
#define IPCMEM__RELPTR_CHECK(bad, what, self, t)                               \
  do {                                                                         \
    if (bad(self, t))                                                          \
      ipcmem__relptr_fail(what, (uintptr_t)(self), (uintptr_t)(t));            \
  } while (0)
#else
#define IPCMEM__RELPTR_CHECK(bad, what, self, t) ((void)0)
#endif

static inline int ipcmem__relptr_cmp(const void *a, const void *b) {
  return (uintptr_t)a < (uintptr_t)b ? -1 : (uintptr_t)a > (uintptr_t)b;
}

/* The functions both forms share; `st` is the stored integer type and
 * `bad` the function that tells whether a target fits. The trailing
 * `struct name` swallows the semicolon after the macro, which ISO C would
 * otherwise flag as an empty declaration. */
#define IPCMEM__RELPTR_FUNCS(name, T, st, bad)                                 \
  static inline IPCMEM__UNUSED T *name##_get(const name *p) {                  \
    return (T *)ipcmem__relptr_decode(p, (intptr_t)p->ipcmem__s);              \
  }                                                                            \
  static inline IPCMEM__UNUSED int name##_is_null(const name *p) {             \
    return p->ipcmem__s == IPCMEM__RELPTR_NULL;                                \
  }                                                                            \
  static inline IPCMEM__UNUSED void name##_set_null(name *p) {                 \
    p->ipcmem__s = IPCMEM__RELPTR_NULL;                                        \
  }                                                                            \
  static inline IPCMEM__UNUSED void name##_set(name *p, T *t) {                \
    IPCMEM__RELPTR_CHECK(bad, #name "_set", (const void *)p, (const void *)t); \
    p->ipcmem__s = (st)ipcmem__relptr_encode(p, (const void *)t);              \
  }                                                                            \
  static inline IPCMEM__UNUSED int name##_set_checked(name *p, T *t) {         \
    if (bad((const void *)p, (const void *)t))                                 \
      return IPCMEM_ERANGE;                                                    \
    p->ipcmem__s = (st)ipcmem__relptr_encode(p, (const void *)t);              \
    return 0;                                                                  \
  }                                                                            \
  static inline IPCMEM__UNUSED void name##_assign(name *dst,                   \
                                                  const name *src) {           \
    name##_set(dst, name##_get(src));                                          \
  }                                                                            \
  static inline IPCMEM__UNUSED int name##_assign_checked(name *dst,            \
                                                         const name *src) {    \
    return name##_set_checked(dst, name##_get(src));                           \
  }                                                                            \
  static inline IPCMEM__UNUSED int name##_eq(const name *a, const name *b) {   \
    return name##_get(a) == name##_get(b);                                     \
  }                                                                            \
  static inline IPCMEM__UNUSED int name##_cmp(const name *a, const name *b) {  \
    return ipcmem__relptr_cmp((const void *)name##_get(a),                     \
                              (const void *)name##_get(b));                    \
  }                                                                            \
  struct name

/* A pointer-sized self-relative pointer to T, named `name`: it reaches any
 * address, so its setters fail only for the unrepresentable one. */
#define IPCMEM_RELPTR(name, T)                                                 \
  typedef struct name {                                                        \
    intptr_t ipcmem__s; /* private: target - this; 1 is null */                \
  } name;                                                                      \
  IPCMEM__RELPTR_FUNCS(name, T, intptr_t, ipcmem__relptr_bad)

/* An initialiser for either form: `node_ptr p = IPCMEM_RELPTR_NULL_INIT;`. */
#define IPCMEM_RELPTR_NULL_INIT                                                \
  { IPCMEM__RELPTR_NULL }

/* The compact form: 4 bytes, half of IPCMEM_RELPTR's on 64-bit systems,
 * for targets from 2 GiB below the pointer to 2 GiB - 1 above it (any
 * region under 2 GiB). With 32-bit addresses it reaches everywhere. */
#define IPCMEM_RELPTR32(name, T)                                               \
  typedef struct name {                                                        \
    int32_t ipcmem__s; /* private: target - this; 1 is null */                 \
  } name;                                                                      \
  IPCMEM__RELPTR_FUNCS(name, T, int32_t, ipcmem__relptr32_bad)

/* Element arithmetic for a pointer declared with IPCMEM_RELPTR or
 * IPCMEM_RELPTR32, once T is complete. _add() moves a non-null pointer by n
 * elements, re-encoding it in place, like `p += n`; the 32-bit form checks
 * the range as its setter does. _diff() is the number of elements from b's
 * target to a's, both non-null and in the same array. */
#define IPCMEM_RELPTR_ARITH(name, T)                                           \
  static inline IPCMEM__UNUSED void name##_add(name *p, ptrdiff_t n) {         \
    name##_set(p, name##_get(p) + n);                                          \
  }                                                                            \
  static inline IPCMEM__UNUSED ptrdiff_t name##_diff(const name *a,            \
                                                     const name *b) {          \
    return (ptrdiff_t)((intptr_t)((uintptr_t)name##_get(a) -                   \
                                  (uintptr_t)name##_get(b)) /                  \
                       (intptr_t)sizeof(T));                                   \
  }                                                                            \
  struct name

/* ------------------------------------------------------------------ */
/* Base-relative offsets                                              */
/* ------------------------------------------------------------------ */

/* A base-relative offset is a plain number of bytes from the start of a
 * region. Unlike a self-relative pointer it survives `=` and memcpy(), even
 * into another region or a file, but decoding it needs the region. Offsets
 * are uint64_t so that 32-bit and 64-bit processes agree on the layout. */

/* The null offset: no byte of any region has it. */
#define IPCMEM_OFFSET_NULL UINT64_MAX

/* Writes to *off the offset of p from the start of region r, or
 * IPCMEM_OFFSET_NULL when p is NULL. Returns 0, IPCMEM_EINVAL (off or r
 * NULL, r not mapped) or IPCMEM_ERANGE (p is outside [start, start + size)
 * of r); *off is written only on success. */
static inline int ipcmem_region_offset_of(uint64_t *off, const ipcmem_region *r,
                                          const void *p) {
  uintptr_t base, a;
  size_t size;

  if (off == NULL || ipcmem_region_addr(r) == NULL)
    return IPCMEM_EINVAL;
  if (p == NULL) {
    *off = IPCMEM_OFFSET_NULL;
    return 0;
  }
  base = (uintptr_t)ipcmem_region_addr(r);
  size = ipcmem_region_size(r);
  a = (uintptr_t)p;
  if (a < base || a - base >= size)
    return IPCMEM_ERANGE;
  *off = (uint64_t)(a - base);
  return 0;
}

/* Returns the address at offset `off` of region r, or NULL when r is NULL or
 * not mapped, or off is IPCMEM_OFFSET_NULL or not below the region's
 * size. */
static inline void *ipcmem_region_at(const ipcmem_region *r, uint64_t off) {
  char *base = (char *)ipcmem_region_addr(r);

  if (base == NULL || off >= (uint64_t)ipcmem_region_size(r))
    return NULL;
  return base + (size_t)off;
}

#ifdef __cplusplus
}
#endif

#endif /* IPCMEM_RELPTR_H */
