/* Relative pointers (<ipcmem/relptr.h>): encoding, null, self-pointing,
 * arithmetic, comparison, re-encoding, the 32-bit form's bounds and checks,
 * base-relative offsets, and a list and a tree shared between processes
 * that map the region at different addresses. */

/* The plain setters' checks are tested here in every build type, including
 * the release ones that define NDEBUG. */
#define IPCMEM_RELPTR_CHECK 1
#include "ipcmem/relptr.h"
#include "runner.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct lnode lnode;
typedef struct tnode tnode;
IPCMEM_RELPTR(lnode_ptr, lnode);
IPCMEM_RELPTR32(tnode_ref, tnode);
IPCMEM_RELPTR(int_ptr, int);
IPCMEM_RELPTR32(int_ref, int);
IPCMEM_RELPTR_ARITH(int_ptr, int);
IPCMEM_RELPTR_ARITH(int_ref, int);
IPCMEM_RELPTR(char_ptr, char);
IPCMEM_RELPTR32(char_ref, char);

struct lnode {
  lnode_ptr next;
  uint32_t value;
};

struct tnode {
  tnode_ref left, right; /* the compact form, to cover both across mappings */
  int32_t key;
};

/* The start of the shared region: everything else is reached from here. */
typedef struct shared_root {
  lnode_ptr head;
  tnode_ref root;
  uint64_t used; /* bump allocator: bytes handed out from the region */
} shared_root;

#define LIST_LEN 1000
#define TREE_LEN 255
#define REGION_SIZE (1u << 20)

/* --- Null, self-pointing, the unrepresentable address ---------------- */

TEST(relptr_null) {
  lnode_ptr p, q;
  tnode_ref r;
  lnode n;

  lnode_ptr init = IPCMEM_RELPTR_NULL_INIT;

  ASSERT(lnode_ptr_is_null(&init));
  ASSERT_PTR_EQ(lnode_ptr_get(&init), NULL);

  /* All-zero memory is a pointer to itself (Boost's encoding), not null:
   * fresh shared memory must be initialised. */
  memset(&p, 0, sizeof(p));
  memset(&r, 0, sizeof(r));
  ASSERT(!lnode_ptr_is_null(&p));
  ASSERT_PTR_EQ(lnode_ptr_get(&p), &p);
  ASSERT(!tnode_ref_is_null(&r));
  ASSERT_PTR_EQ(tnode_ref_get(&r), &r);
  lnode_ptr_set_null(&p);
  tnode_ref_set_null(&r);
  ASSERT(lnode_ptr_is_null(&p));
  ASSERT_PTR_EQ(lnode_ptr_get(&p), NULL);
  ASSERT(tnode_ref_is_null(&r));
  ASSERT_PTR_EQ(tnode_ref_get(&r), NULL);

  lnode_ptr_set(&p, &n);
  ASSERT(!lnode_ptr_is_null(&p));
  lnode_ptr_set(&p, NULL);
  ASSERT(lnode_ptr_is_null(&p));
  lnode_ptr_set(&p, &n);
  lnode_ptr_set_null(&p);
  ASSERT(lnode_ptr_is_null(&p));
  ASSERT_OK(lnode_ptr_set_checked(&p, &n));
  ASSERT_OK(lnode_ptr_set_checked(&p, NULL));
  ASSERT(lnode_ptr_is_null(&p));

  /* Two nulls at different addresses are equal; null orders first. */
  lnode_ptr_set_null(&q);
  ASSERT(lnode_ptr_eq(&p, &q));
  ASSERT_EQ(lnode_ptr_cmp(&p, &q), 0);
  lnode_ptr_set(&q, &n);
  ASSERT(!lnode_ptr_eq(&p, &q));
  ASSERT_EQ(lnode_ptr_cmp(&p, &q), -1);
  ASSERT_EQ(lnode_ptr_cmp(&q, &p), 1);

  /* Assigning a null gives a null, in both forms. */
  lnode_ptr_assign(&q, &p);
  ASSERT(lnode_ptr_is_null(&q));
  ASSERT_OK(tnode_ref_assign_checked(&r, &r));
  ASSERT(tnode_ref_is_null(&r));
}

TEST(relptr_self) {
  /* A struct whose first member points to the struct: the pointer points to
   * its own address, which must not read as null. */
  struct selfish {
    char_ptr me;
    char_ref me32;
  } s;
  char_ptr *p = &s.me;
  char_ref *q = &s.me32;

  char_ptr_set(p, (char *)p);
  ASSERT(!char_ptr_is_null(p));
  ASSERT_PTR_EQ(char_ptr_get(p), p);
  char_ref_set(q, (char *)q);
  ASSERT(!char_ref_is_null(q));
  ASSERT_PTR_EQ(char_ref_get(q), q);

  /* Its own second byte is the one address it cannot hold: the checked
   * setters refuse it and leave the pointer as it was. */
  ASSERT_ERR(char_ptr_set_checked(p, (char *)p + 1), IPCMEM_ERANGE);
  ASSERT_PTR_EQ(char_ptr_get(p), p);
  ASSERT_ERR(char_ref_set_checked(q, (char *)q + 1), IPCMEM_ERANGE);
  ASSERT_PTR_EQ(char_ref_get(q), q);
  /* Its first and third bytes are fine. */
  ASSERT_OK(char_ptr_set_checked(p, (char *)p + 2));
  ASSERT_PTR_EQ(char_ptr_get(p), (char *)p + 2);
  ASSERT_OK(char_ref_set_checked(q, (char *)q + 2));
  ASSERT_PTR_EQ(char_ref_get(q), (char *)q + 2);
}

/* --- Arithmetic and comparison ----------------------------------------- */

TEST(relptr_arith) {
  int a[10], i;
  int_ptr p, q;
  int_ref r;

  for (i = 0; i < 10; i++)
    a[i] = 100 + i;
  int_ptr_set(&p, &a[2]);
  int_ptr_add(&p, 3);
  ASSERT_PTR_EQ(int_ptr_get(&p), &a[5]);
  ASSERT_EQ(*int_ptr_get(&p), 105);
  int_ptr_add(&p, -5);
  ASSERT_PTR_EQ(int_ptr_get(&p), &a[0]);
  int_ptr_add(&p, 0);
  ASSERT_PTR_EQ(int_ptr_get(&p), &a[0]);

  int_ptr_set(&q, &a[7]);
  ASSERT_EQ(int_ptr_diff(&q, &p), 7);
  ASSERT_EQ(int_ptr_diff(&p, &q), -7);
  ASSERT_EQ(int_ptr_diff(&p, &p), 0);

  int_ref_set(&r, &a[9]);
  int_ref_add(&r, -4);
  ASSERT_PTR_EQ(int_ref_get(&r), &a[5]);
  ASSERT_EQ(*int_ref_get(&r), 105);
  /* The pointers live at different addresses; the elements count. */
  int_ref_set(&r, &a[1]);
  int_ptr_set(&p, &a[8]);
  ASSERT_EQ(int_ref_diff(&r, &r), 0);
  ASSERT_EQ(int_ptr_diff(&p, &q), 1);
}

TEST(relptr_compare) {
  int a[4];
  /* Pointers stored at different places hold different numbers for the
   * same target: comparison must be by target. */
  struct {
    int_ptr x;
    char pad[40];
    int_ptr y;
  } s;

  int_ptr_set(&s.x, &a[1]);
  int_ptr_set(&s.y, &a[1]);
  ASSERT(memcmp(&s.x, &s.y, sizeof(s.x)) != 0);
  ASSERT(int_ptr_eq(&s.x, &s.y));
  ASSERT(int_ptr_eq(&s.y, &s.x));
  ASSERT_EQ(int_ptr_cmp(&s.x, &s.y), 0);

  int_ptr_set(&s.y, &a[3]);
  ASSERT(!int_ptr_eq(&s.x, &s.y));
  ASSERT_EQ(int_ptr_cmp(&s.x, &s.y), -1);
  ASSERT_EQ(int_ptr_cmp(&s.y, &s.x), 1);
  ASSERT(int_ptr_eq(&s.x, &s.x));
}

/* --- Copying ----------------------------------------------------------- */

TEST(relptr_assign) {
  int target = 42;
  struct holder {
    int_ptr p;
    int_ref r;
  } a, b;

  int_ptr_set(&a.p, &target);
  int_ref_set(&a.r, &target);

  /* The pitfall: a struct copy keeps the distance, so b's pointers aim at
   * whatever lies that far from b. */
  b = a;
  ASSERT(int_ptr_get(&b.p) != &target);
  ASSERT(int_ref_get(&b.r) != &target);

  /* The fix: re-encode each field against its new address. */
  int_ptr_assign(&b.p, &a.p);
  ASSERT_OK(int_ref_assign_checked(&b.r, &a.r));
  ASSERT_PTR_EQ(int_ptr_get(&b.p), &target);
  ASSERT_PTR_EQ(int_ref_get(&b.r), &target);
  ASSERT_EQ(*int_ptr_get(&b.p), 42);
  ASSERT(int_ptr_eq(&a.p, &b.p));

  /* Assignment through a pointer that moved with memcpy(), as when a
   * struct is copied into another region. */
  memcpy(&b, &a, sizeof(a));
  int_ref_assign(&b.r, &a.r);
  ASSERT_PTR_EQ(int_ref_get(&b.r), &target);
}

/* --- The 32-bit form's range ------------------------------------------ */

/* An address `d` bytes from p, as an integer: it is never dereferenced. */
static char *addr_at(const void *p, int64_t d) {
  return (char *)((uintptr_t)p + (uintptr_t)(intptr_t)d);
}

TEST(relptr32_bounds) {
  char_ref r = IPCMEM_RELPTR_NULL_INIT;
  char_ptr full = IPCMEM_RELPTR_NULL_INIT;
  const int64_t two_gib = INT64_C(1) << 31;

  ASSERT_EQ(sizeof(char_ref), 4);
  ASSERT_EQ(sizeof(char_ptr), sizeof(void *));

  char_ref_set_null(&r);
  if (sizeof(void *) > 4) {
    /* The stored value is target - this in an int32_t, so targets from
     * this - 2 GiB to this + 2 GiB - 1 fit, and one byte beyond either end
     * does not. */
    ASSERT_OK(char_ref_set_checked(&r, addr_at(&r, two_gib - 1)));
    ASSERT_PTR_EQ(char_ref_get(&r), addr_at(&r, two_gib - 1));
    ASSERT_OK(char_ref_set_checked(&r, addr_at(&r, -two_gib)));
    ASSERT_PTR_EQ(char_ref_get(&r), addr_at(&r, -two_gib));
    ASSERT_ERR(char_ref_set_checked(&r, addr_at(&r, two_gib)), IPCMEM_ERANGE);
    ASSERT_PTR_EQ(char_ref_get(&r), addr_at(&r, -two_gib));
    ASSERT_ERR(char_ref_set_checked(&r, addr_at(&r, -two_gib - 1)),
               IPCMEM_ERANGE);
    ASSERT_ERR(char_ref_set_checked(&r, addr_at(&r, 3 * two_gib)),
               IPCMEM_ERANGE);
    ASSERT_PTR_EQ(char_ref_get(&r), addr_at(&r, -two_gib));
    /* The full form reaches anywhere. */
    ASSERT_OK(char_ptr_set_checked(&full, addr_at(&full, 3 * two_gib)));
    ASSERT_PTR_EQ(char_ptr_get(&full), addr_at(&full, 3 * two_gib));
  } else {
    /* With 32-bit addresses the distance wraps modulo 2^32, so every
     * address fits, even 3 GiB away. */
    ASSERT_OK(char_ref_set_checked(&r, addr_at(&r, 3 * (two_gib / 2))));
    ASSERT_PTR_EQ(char_ref_get(&r), addr_at(&r, 3 * (two_gib / 2)));
    ASSERT_OK(char_ref_set_checked(&r, addr_at(&r, -3 * (two_gib / 2))));
    ASSERT_PTR_EQ(char_ref_get(&r), addr_at(&r, -3 * (two_gib / 2)));
  }
}

/* Runs fn in a forked child and returns how the child ended, as
 * test_wait_pid() does. The child's stderr goes to /dev/null so that the
 * expected message does not clutter the log. */
static int run_in_child(void (*fn)(void)) {
  pid_t pid;

  fflush(NULL);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    if (freopen("/dev/null", "w", stderr) == NULL)
      _exit(3);
    signal(SIGABRT, SIG_DFL);
    fn();
    _exit(0);
  }
  return test_wait_pid(pid);
}

static void set32_too_far(void) {
  char_ref r = IPCMEM_RELPTR_NULL_INIT;

  char_ref_set(&r, addr_at(&r, INT64_C(1) << 32));
}

static void set32_in_range(void) {
  char_ref r = IPCMEM_RELPTR_NULL_INIT;

  char_ref_set(&r, addr_at(&r, 1000));
}

static void set_own_second_byte(void) {
  char_ptr p = IPCMEM_RELPTR_NULL_INIT;

  char_ptr_set(&p, (char *)&p + 1);
}

TEST(relptr32_set_aborts) {
  /* Control: a valid set in the same kind of child exits normally. */
  ASSERT_EQ(run_in_child(set32_in_range), 0);
  ASSERT_EQ(run_in_child(set_own_second_byte), 128 + SIGABRT);
  /* With 32-bit addresses every distance fits (see relptr32_bounds). */
  if (sizeof(void *) > 4)
    ASSERT_EQ(run_in_child(set32_too_far), 128 + SIGABRT);
}

/* --- Base-relative offsets -------------------------------------------- */

TEST(relptr_base_offsets) {
  ipcmem_region r, none;
  uint64_t off = 7;
  char *base;
  size_t size = 3 * 4096 + 100;

  ASSERT_OK(ipcmem_anon_map(&r, size));
  base = (char *)ipcmem_region_addr(&r);

  ASSERT_OK(ipcmem_region_offset_of(&off, &r, base));
  ASSERT_U64_EQ(off, 0);
  ASSERT_OK(ipcmem_region_offset_of(&off, &r, base + 5000));
  ASSERT_U64_EQ(off, 5000);
  ASSERT_PTR_EQ(ipcmem_region_at(&r, off), base + 5000);
  ASSERT_OK(ipcmem_region_offset_of(&off, &r, base + size - 1));
  ASSERT_U64_EQ(off, size - 1);
  ASSERT_PTR_EQ(ipcmem_region_at(&r, size - 1), base + size - 1);
  ASSERT_PTR_EQ(ipcmem_region_at(&r, 0), base);

  /* Outside the region: an error, and *off unchanged. */
  off = 7;
  ASSERT_ERR(ipcmem_region_offset_of(&off, &r, addr_at(base, (int64_t)size)),
             IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_offset_of(&off, &r, addr_at(base, -1)),
             IPCMEM_ERANGE);
  ASSERT_U64_EQ(off, 7);
  ASSERT_PTR_EQ(ipcmem_region_at(&r, size), NULL);
  ASSERT_PTR_EQ(ipcmem_region_at(&r, UINT64_C(1) << 40), NULL);

  /* NULL and the null offset map to each other. */
  ASSERT_OK(ipcmem_region_offset_of(&off, &r, NULL));
  ASSERT_U64_EQ(off, IPCMEM_OFFSET_NULL);
  ASSERT_PTR_EQ(ipcmem_region_at(&r, IPCMEM_OFFSET_NULL), NULL);

  /* No region, or no output. */
  memset(&none, 0, sizeof(none));
  off = 7;
  ASSERT_ERR(ipcmem_region_offset_of(&off, &none, base), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_offset_of(&off, NULL, base), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_region_offset_of(NULL, &r, base), IPCMEM_EINVAL);
  ASSERT_U64_EQ(off, 7);
  ASSERT_PTR_EQ(ipcmem_region_at(&none, 0), NULL);
  ASSERT_PTR_EQ(ipcmem_region_at(NULL, 0), NULL);

  ASSERT_OK(ipcmem_region_unmap(&r));
}

/* --- A list and a tree across processes -------------------------------- */

/* Hands out `size` bytes of the region after the root, 8-byte aligned. */
static void *shared_alloc(shared_root *root, size_t size) {
  char *p = (char *)root + root->used;

  root->used += (size + 7) & ~(size_t)7;
  if (root->used > REGION_SIZE)
    test_fail_(__FILE__, __LINE__, "shared_alloc: region full");
  return p;
}

static uint32_t list_value(int i) { return (uint32_t)i * 7u + 1u; }

/* The tree's keys, in insertion order: a permutation of 0..TREE_LEN-1 so
 * that the tree is neither a list nor perfectly balanced. */
static int32_t tree_key(int i) { return (int32_t)((i * 97) % TREE_LEN); }

static void tree_insert(shared_root *root, int32_t key) {
  tnode *n = (tnode *)shared_alloc(root, sizeof(tnode));
  tnode_ref *link = &root->root;
  tnode *cur;

  n->key = key;
  tnode_ref_set_null(&n->left);
  tnode_ref_set_null(&n->right);
  while ((cur = tnode_ref_get(link)) != NULL)
    link = key < cur->key ? &cur->left : &cur->right;
  ASSERT_OK(tnode_ref_set_checked(link, n));
}

/* Builds the list (with nodes placed out of order, so that the distances
 * are negative and positive) and the tree in the region at root. */
static void build(shared_root *root) {
  lnode *nodes[LIST_LEN];
  int i;

  /* The region is zero-filled, and zero is not null: set the roots. */
  root->used = sizeof(*root);
  lnode_ptr_set_null(&root->head);
  tnode_ref_set_null(&root->root);
  for (i = 0; i < LIST_LEN; i++)
    nodes[(i * 389) % LIST_LEN] = (lnode *)shared_alloc(root, sizeof(lnode));
  for (i = 0; i < LIST_LEN; i++) {
    nodes[i]->value = list_value(i);
    lnode_ptr_set(&nodes[i]->next, i + 1 < LIST_LEN ? nodes[i + 1] : NULL);
  }
  lnode_ptr_set(&root->head, nodes[0]);
  for (i = 0; i < TREE_LEN; i++)
    tree_insert(root, tree_key(i));
}

/* In-order walk; checks that the keys are exactly `lo`..`hi` in order,
 * skipping `extra` (a key added later) if it is not INT32_MIN. Returns the
 * number of nodes. */
static int tree_walk(const tnode *n, int32_t *next_key, int32_t extra) {
  int count;

  if (n == NULL)
    return 0;
  count = tree_walk(tnode_ref_get(&n->left), next_key, extra);
  if (n->key == extra) {
    count++;
  } else {
    ASSERT_EQ(n->key, *next_key);
    (*next_key)++;
    count++;
  }
  return count + tree_walk(tnode_ref_get(&n->right), next_key, extra);
}

/* Checks everything reachable from root. `bump` is what the helper added
 * to every list value; `extra` the key it inserted, or INT32_MIN. */
static void check(const shared_root *root, uint32_t bump, int32_t extra) {
  const lnode *n = lnode_ptr_get(&root->head);
  int32_t next_key = 0;
  int i;

  for (i = 0; i < LIST_LEN; i++) {
    ASSERT(n != NULL);
    ASSERT_U64_EQ(n->value, list_value(i) + bump);
    n = lnode_ptr_get(&n->next);
  }
  ASSERT_PTR_EQ(n, NULL);
  ASSERT_EQ(tree_walk(tnode_ref_get(&root->root), &next_key, extra),
            TREE_LEN + (extra != INT32_MIN));
  ASSERT_EQ(next_key, TREE_LEN);
}

#define EXTRA_KEY 1000

HELPER(relptr_child) {
  ipcmem_shm shm;
  ipcmem_anon anon;
  ipcmem_region hold, r;
  uintptr_t parent_addr;
  shared_root *root;
  lnode *n;

  if (argc != 2)
    return 2;
  parent_addr = (uintptr_t)strtoull(argv[1], NULL, 16);
  /* Occupy the parent's address first, so that the region cannot land
   * there by chance: it must move. If the address is taken already, the
   * region cannot land there either. */
  memset(&hold, 0, sizeof(hold));
  ASSERT_OK(ipcmem_anon_open(&anon, REGION_SIZE));
  (void)ipcmem_region_map(&hold, &anon.base, IPCMEM_READ_WRITE, 0, REGION_SIZE,
                          (void *)parent_addr, 0);
  ASSERT_OK(
      ipcmem_shm_open(&shm, argv[0], IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  root = (shared_root *)ipcmem_region_addr(&r);
  ASSERT((uintptr_t)root != parent_addr);

  check(root, 0, INT32_MIN);

  /* Change both from here: bump every list value, insert a key into the
   * tree (a new node, linked with this process's addresses). */
  for (n = lnode_ptr_get(&root->head); n != NULL; n = lnode_ptr_get(&n->next))
    n->value += 5;
  tree_insert(root, EXTRA_KEY);

  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_region_unmap(&hold));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_anon_close(&anon));
  helper_ready();
  return 0;
}

TEST(relptr_cross_process) {
  const char *name = test_shm_name(0);
  ipcmem_shm shm;
  ipcmem_region a, b;
  shared_root *root;
  char addr[32];
  test_proc proc;

  ASSERT_OK(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&shm, REGION_SIZE));
  ASSERT_OK(ipcmem_region_map(&a, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  root = (shared_root *)ipcmem_region_addr(&a);
  build(root);
  check(root, 0, INT32_MIN);

  /* A second mapping of the same object in this process is at another
   * address and must read the same structures. */
  ASSERT_OK(ipcmem_region_map(&b, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT(ipcmem_region_addr(&b) != ipcmem_region_addr(&a));
  check((shared_root *)ipcmem_region_addr(&b), 0, INT32_MIN);
  ASSERT_OK(ipcmem_region_unmap(&b));

  snprintf(addr, sizeof(addr), "%" PRIxPTR, (uintptr_t)root);
  test_spawn(&proc, "relptr_child", name, addr, (char *)NULL);
  test_proc_wait_ready(&proc);
  ASSERT_EQ(test_proc_join(&proc), 0);

  /* The child's changes, seen through this process's mapping. */
  check(root, 5, EXTRA_KEY);

  ASSERT_OK(ipcmem_region_unmap(&a));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}
