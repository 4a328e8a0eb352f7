/* XSI (System V) shared memory (Boost's xsi_key and xsi_shared_memory):
 * keys, segments, attaching them through the region API, and the system's
 * own view of them (shmctl IPC_STAT, ipcs, ipcrm). */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#define XSI_EXAMPLE IPCMEM_EXAMPLES_DIR "/xsi_server_client"

/* --- helpers ------------------------------------------------------------ */

static size_t pg(void) { return ipcmem_page_size(); }

static unsigned char pat(size_t i) { return (unsigned char)(i % 251); }

static struct shmid_ds stat_of(int id) {
  struct shmid_ds ds;

  memset(&ds, 0, sizeof(ds));
  if (shmctl(id, IPC_STAT, &ds) != 0)
    test_fail_(__FILE__, __LINE__, "IPC_STAT of segment %d: %s", id,
               strerror(errno));
  return ds;
}

static unsigned long nattch(int id) {
  return (unsigned long)stat_of(id).shm_nattch;
}

/* Whether the key has a segment, to the system itself. */
static int key_exists(ipcmem_xsi_key key) {
  int id = shmget((key_t)ipcmem_xsi_key_value(key), 0, 0);

  if (id < 0)
    ASSERT_EQ(errno, ENOENT);
  return id >= 0;
}

/* Creates a new read-write segment of `size` bytes for test key k. */
static void make_seg(ipcmem_xsi *x, int k, size_t size) {
  ASSERT_OK(ipcmem_xsi_open(x, test_xsi_key(k), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, size, 0));
  ASSERT_EQ(ipcmem_xsi_created(x), 1);
}

static void drop_seg(ipcmem_xsi *x) {
  ASSERT_OK(ipcmem_xsi_remove(ipcmem_xsi_id(x)));
  ASSERT_OK(ipcmem_xsi_close(x));
}

#define EXPECT_XSI_OPEN_FAIL(key, mode, access, size, perms, code)             \
  do {                                                                         \
    ipcmem_xsi got_, want_;                                                    \
    memset(&got_, 0xA5, sizeof(got_));                                         \
    memset(&want_, 0xA5, sizeof(want_));                                       \
    ASSERT_ERR(                                                                \
        ipcmem_xsi_open(&got_, (key), (mode), (access), (size), (perms)),      \
        (code));                                                               \
    ASSERT(memcmp(&got_, &want_, sizeof(got_)) == 0);                          \
  } while (0)

#define EXPECT_MAP_FAIL(m, mode, off, size, addr, code)                        \
  do {                                                                         \
    ipcmem_region got_, want_;                                                 \
    memset(&got_, 0xA5, sizeof(got_));                                         \
    memset(&want_, 0xA5, sizeof(want_));                                       \
    ASSERT_ERR(                                                                \
        ipcmem_region_map(&got_, (m), (mode), (off), (size), (addr), 0),       \
        (code));                                                               \
    ASSERT(memcmp(&got_, &want_, sizeof(got_)) == 0);                          \
  } while (0)

#define EXPECT_KEY_FAIL(path, id, code)                                        \
  do {                                                                         \
    ipcmem_xsi_key got_;                                                       \
    got_.value = 0x5A5A5A5A;                                                   \
    ASSERT_ERR(ipcmem_xsi_key_from_path(&got_, (path), (id)), (code));         \
    ASSERT_EQ(got_.value, 0x5A5A5A5A);                                         \
  } while (0)

/* --- keys --------------------------------------------------------------- */

TEST(xsi_key_from_path) {
  const char *path = test_tmp_path(0);
  ipcmem_xsi_key a, b, c, d;
  int fd, id;

  fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  ASSERT(fd >= 0);
  ASSERT_EQ(close(fd), 0);
  ASSERT_OK(ipcmem_xsi_key_from_path(&a, path, 1));
  ASSERT_OK(ipcmem_xsi_key_from_path(&b, path, 1));
  ASSERT_OK(ipcmem_xsi_key_from_path(&c, path, 2));
  ASSERT_EQ(ipcmem_xsi_key_value(a), ipcmem_xsi_key_value(b));
  ASSERT(ipcmem_xsi_key_value(a) != ipcmem_xsi_key_value(c));
  ASSERT(ipcmem_xsi_key_value(a) != 0);
  /* Every id in range works, and is the system's ftok() value. */
  for (id = 1; id <= 255; id++) {
    ASSERT_OK(ipcmem_xsi_key_from_path(&d, path, id));
    ASSERT_EQ(ipcmem_xsi_key_value(d), (int32_t)ftok(path, id));
    ASSERT(id == 1 || ipcmem_xsi_key_value(d) != ipcmem_xsi_key_value(a));
  }
  /* A directory is a path too. */
  ASSERT_OK(ipcmem_xsi_key_from_path(&d, test_tmp_dir(), 7));
  ASSERT_EQ(ipcmem_xsi_key_value(d), (int32_t)ftok(test_tmp_dir(), 7));

  EXPECT_KEY_FAIL(path, 0, IPCMEM_EINVAL);
  EXPECT_KEY_FAIL(path, 256, IPCMEM_EINVAL);
  EXPECT_KEY_FAIL(path, -1, IPCMEM_EINVAL);
  EXPECT_KEY_FAIL(path, INT_MAX, IPCMEM_EINVAL);
  EXPECT_KEY_FAIL(NULL, 1, IPCMEM_EINVAL);
  EXPECT_KEY_FAIL("", 1, IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_xsi_key_from_path(NULL, path, 1), IPCMEM_EINVAL);
  ASSERT_EQ(unlink(path), 0);
  EXPECT_KEY_FAIL(path, 1, IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
}

TEST(xsi_key_from_value) {
  static const int32_t values[] = {0, 1, -1, 0x12345678, INT32_MIN, INT32_MAX};
  ipcmem_xsi_key k;
  size_t i;

  for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    ASSERT_OK(ipcmem_xsi_key_from_value(&k, values[i]));
    ASSERT_EQ(ipcmem_xsi_key_value(k), values[i]);
  }
  ASSERT_ERR(ipcmem_xsi_key_from_value(NULL, 5), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_xsi_key_value(ipcmem_xsi_key_private()), 0);
  ASSERT_EQ(ipcmem_xsi_key_value(ipcmem_xsi_key_private()),
            (int32_t)IPC_PRIVATE);
}

/* --- segments ----------------------------------------------------------- */

TEST(xsi_create_only) {
  ipcmem_xsi x;

  ASSERT(!key_exists(test_xsi_key(0)));
  ASSERT_OK(ipcmem_xsi_open(&x, test_xsi_key(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 1000, 0));
  ASSERT_EQ(ipcmem_xsi_created(&x), 1);
  ASSERT(ipcmem_xsi_id(&x) >= 0);
  ASSERT_EQ(ipcmem_mappable_kind(&x.base), IPCMEM_KIND_XSI);
  ASSERT_EQ(ipcmem_mappable_handle(&x.base), ipcmem_xsi_id(&x));
  /* The id is the system's id for the key. */
  ASSERT_EQ(shmget((key_t)ipcmem_xsi_key_value(test_xsi_key(0)), 0, 0),
            ipcmem_xsi_id(&x));
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                       1000, 0, IPCMEM_EEXIST);
  ASSERT_EQ(ipcmem_last_os_error(), EEXIST);
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_CREATE_ONLY, IPCMEM_READ_ONLY, 1,
                       0, IPCMEM_EEXIST);
  drop_seg(&x);
  ASSERT(!key_exists(test_xsi_key(0)));
}

TEST(xsi_open_only) {
  ipcmem_xsi x, o;

  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0,
                       0, IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 100,
                       0, IPCMEM_ENOENT);
  /* Opening never creates. */
  ASSERT(!key_exists(test_xsi_key(0)));

  make_seg(&x, 0, 1000);
  ASSERT_OK(ipcmem_xsi_open(&o, test_xsi_key(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0, 0));
  ASSERT_EQ(ipcmem_xsi_id(&o), ipcmem_xsi_id(&x));
  ASSERT_EQ(ipcmem_xsi_created(&o), 0);
  /* Any size up to the segment's is accepted; a larger one is not. */
  ASSERT_OK(ipcmem_xsi_open(&o, test_xsi_key(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_WRITE, 1, 0));
  ASSERT_OK(ipcmem_xsi_open(&o, test_xsi_key(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_WRITE, 1000, 0));
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE,
                       1001, 0, IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY,
                       1 << 20, 0, IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_xsi_close(&o));
  drop_seg(&x);
}

TEST(xsi_open_or_create) {
  ipcmem_xsi a, b;
  uint64_t size = 0;

  ASSERT_OK(ipcmem_xsi_open(&a, test_xsi_key(1), IPCMEM_OPEN_OR_CREATE,
                            IPCMEM_READ_WRITE, 3000, 0));
  ASSERT_EQ(ipcmem_xsi_created(&a), 1);
  ASSERT_OK(ipcmem_xsi_open(&b, test_xsi_key(1), IPCMEM_OPEN_OR_CREATE,
                            IPCMEM_READ_WRITE, 3000, 0));
  ASSERT_EQ(ipcmem_xsi_created(&b), 0);
  ASSERT_EQ(ipcmem_xsi_id(&a), ipcmem_xsi_id(&b));
  /* Opening an existing segment keeps its size: a smaller request opens
   * it, a larger one is refused. */
  ASSERT_OK(ipcmem_xsi_open(&b, test_xsi_key(1), IPCMEM_OPEN_OR_CREATE,
                            IPCMEM_READ_ONLY, 10, 0));
  ASSERT_EQ(ipcmem_xsi_created(&b), 0);
  ASSERT_OK(ipcmem_xsi_size(&b, &size));
  ASSERT_U64_EQ(size, 3000);
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(1), IPCMEM_OPEN_OR_CREATE,
                       IPCMEM_READ_WRITE, 3001, 0, IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_xsi_close(&b));
  drop_seg(&a);
}

TEST(xsi_size_exact) {
  static const size_t sizes[] = {1, 1000, 4095, 4096, 4097, 100000};
  ipcmem_xsi x;
  ipcmem_region r;
  uint64_t size;
  size_t i;

  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    make_seg(&x, (int)i, sizes[i]);
    size = 0;
    ASSERT_OK(ipcmem_xsi_size(&x, &size));
    ASSERT_U64_EQ(size, sizes[i]);
    ASSERT_OK(ipcmem_mappable_size(&x.base, &size));
    ASSERT_U64_EQ(size, sizes[i]);
    /* IPC_STAT reports the requested size, not one rounded to pages. */
    ASSERT_U64_EQ(stat_of(ipcmem_xsi_id(&x)).shm_segsz, sizes[i]);
    ASSERT_OK(ipcmem_region_map(&r, &x.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
    ASSERT_U64_EQ(ipcmem_region_size(&r), sizes[i]);
    /* A new segment is zeroed. */
    ASSERT_EQ(((unsigned char *)ipcmem_region_addr(&r))[sizes[i] - 1], 0);
    ASSERT_OK(ipcmem_region_unmap(&r));
    drop_seg(&x);
  }
  ASSERT_ERR(ipcmem_xsi_size(&x, &size), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_xsi_size(NULL, &size), IPCMEM_EINVAL);
}

TEST(xsi_size_zero_on_create) {
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                       0, 0, IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_OPEN_OR_CREATE,
                       IPCMEM_READ_WRITE, 0, 0, IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(ipcmem_xsi_key_private(), IPCMEM_CREATE_ONLY,
                       IPCMEM_READ_WRITE, 0, 0, IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT(!key_exists(test_xsi_key(0)));
}

TEST(xsi_bad_arguments) {
  ipcmem_xsi_key k = test_xsi_key(0);

  ASSERT_ERR(
      ipcmem_xsi_open(NULL, k, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 100, 0),
      IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(k, 0, IPCMEM_READ_WRITE, 100, 0, IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(k, 4, IPCMEM_READ_WRITE, 100, 0, IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(k, IPCMEM_CREATE_ONLY, 0, 100, 0, IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(k, IPCMEM_CREATE_ONLY, IPCMEM_COPY_ON_WRITE, 100, 0,
                       IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(k, IPCMEM_CREATE_ONLY, IPCMEM_READ_PRIVATE, 100, 0,
                       IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(k, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 100, 01000,
                       IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(k, IPCMEM_OPEN_OR_CREATE, IPCMEM_READ_WRITE, 100, ~0u,
                       IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT(!key_exists(k));
}

TEST(xsi_perms) {
  ipcmem_xsi x;
  mode_t old;

  ASSERT_OK(ipcmem_xsi_open(&x, test_xsi_key(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 100, 0640));
  ASSERT_EQ(stat_of(ipcmem_xsi_id(&x)).shm_perm.mode & 0777, 0640);
  drop_seg(&x);
  ASSERT_OK(ipcmem_xsi_open(&x, test_xsi_key(1), IPCMEM_OPEN_OR_CREATE,
                            IPCMEM_READ_WRITE, 100, 0));
  ASSERT_EQ(stat_of(ipcmem_xsi_id(&x)).shm_perm.mode & 0777, 0600);
  drop_seg(&x);
  ASSERT_OK(ipcmem_xsi_open(&x, ipcmem_xsi_key_private(), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 100, 0604));
  ASSERT_EQ(stat_of(ipcmem_xsi_id(&x)).shm_perm.mode & 0777, 0604);
  drop_seg(&x);
  /* Exactly, whatever the umask. */
  old = umask(077);
  ASSERT_OK(ipcmem_xsi_open(&x, test_xsi_key(2), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 100, 0666));
  umask(old);
  ASSERT_EQ(stat_of(ipcmem_xsi_id(&x)).shm_perm.mode & 0777, 0666);
  /* Ignored when an existing segment is opened. */
  {
    ipcmem_xsi o;

    ASSERT_OK(ipcmem_xsi_open(&o, test_xsi_key(2), IPCMEM_OPEN_OR_CREATE,
                              IPCMEM_READ_WRITE, 100, 0600));
    ASSERT_EQ(ipcmem_xsi_created(&o), 0);
    ASSERT_EQ(stat_of(ipcmem_xsi_id(&x)).shm_perm.mode & 0777, 0666);
    ASSERT_OK(ipcmem_xsi_close(&o));
  }
  drop_seg(&x);
}

TEST(xsi_private_key) {
  ipcmem_xsi a, b;
  ipcmem_region ra, rb;

  ASSERT_OK(ipcmem_xsi_open(&a, ipcmem_xsi_key_private(), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 1000, 0));
  ASSERT_OK(ipcmem_xsi_open(&b, ipcmem_xsi_key_private(), IPCMEM_OPEN_OR_CREATE,
                            IPCMEM_READ_WRITE, 1000, 0));
  ASSERT_EQ(ipcmem_xsi_created(&a), 1);
  ASSERT_EQ(ipcmem_xsi_created(&b), 1);
  ASSERT(ipcmem_xsi_id(&a) != ipcmem_xsi_id(&b));
  /* Two different segments: a write to one is not in the other. */
  ASSERT_OK(ipcmem_region_map(&ra, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&rb, &b.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  memset(ipcmem_region_addr(&ra), 0x77, 1000);
  ASSERT_EQ(((unsigned char *)ipcmem_region_addr(&rb))[0], 0);
  ASSERT_OK(ipcmem_region_unmap(&ra));
  ASSERT_OK(ipcmem_region_unmap(&rb));
#if defined(__GLIBC__)
  /* Its key is IPC_PRIVATE, to the system. */
  ASSERT_EQ(stat_of(ipcmem_xsi_id(&a)).shm_perm.__key, IPC_PRIVATE);
#endif
  EXPECT_XSI_OPEN_FAIL(ipcmem_xsi_key_private(), IPCMEM_OPEN_ONLY,
                       IPCMEM_READ_WRITE, 0, 0, IPCMEM_EINVAL);
  EXPECT_XSI_OPEN_FAIL(ipcmem_xsi_key_private(), IPCMEM_OPEN_ONLY,
                       IPCMEM_READ_ONLY, 1000, 0, IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  drop_seg(&a);
  drop_seg(&b);
}

/* --- mapping ------------------------------------------------------------ */

TEST(xsi_map_read_only_and_read_write) {
  ipcmem_xsi x, ro;
  ipcmem_region rw, r1, r2;
  unsigned char *w;
  size_t i, n = 5000;
  pid_t pid;

  make_seg(&x, 0, n);
  ASSERT_OK(ipcmem_xsi_open(&ro, test_xsi_key(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0, 0));
  ASSERT_OK(ipcmem_region_map(&rw, &x.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&rw), IPCMEM_READ_WRITE);
  ASSERT_U64_EQ(ipcmem_region_size(&rw), n);
  w = ipcmem_region_addr(&rw);
  for (i = 0; i < n; i++)
    w[i] = pat(i);

  /* Read-only through a read-write segment and a read-only one. */
  ASSERT_OK(ipcmem_region_map(&r1, &x.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&r2, &ro.base, IPCMEM_READ_ONLY, 0, n, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&r2), IPCMEM_READ_ONLY);
  ASSERT(ipcmem_region_addr(&r1) != ipcmem_region_addr(&rw));
  ASSERT(memcmp(ipcmem_region_addr(&r1), w, n) == 0);
  ASSERT(memcmp(ipcmem_region_addr(&r2), w, n) == 0);
  /* Later writes show through every attachment. */
  w[n - 1] = 0xAB;
  ASSERT_EQ(((unsigned char *)ipcmem_region_addr(&r2))[n - 1], 0xAB);

  /* A read-only attachment is really read-only: writing to it faults. */
  fflush(NULL);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    /* Default action, whatever a sanitizer installed. */
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    *(volatile unsigned char *)ipcmem_region_addr(&r2) = 1;
    _exit(0);
  }
  ASSERT_EQ(test_wait_pid(pid), 128 + SIGSEGV);
  ASSERT_EQ(w[0], pat(0));

  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_region_unmap(&r1));
  ASSERT_OK(ipcmem_region_unmap(&rw));
  ASSERT_OK(ipcmem_xsi_close(&ro));
  drop_seg(&x);
}

TEST(xsi_map_refused) {
  ipcmem_xsi x, ro;
  ipcmem_region r;
  size_t n = 3000;

  make_seg(&x, 0, n);
  ASSERT_OK(ipcmem_xsi_open(&ro, test_xsi_key(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0, 0));
  EXPECT_MAP_FAIL(&ro.base, IPCMEM_READ_WRITE, 0, 0, NULL, IPCMEM_EMODE);
  /* Private modes cannot be had from shmat, even with write access. */
  EXPECT_MAP_FAIL(&x.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, IPCMEM_ENOTSUP);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, IPCMEM_ENOTSUP);
  EXPECT_MAP_FAIL(&ro.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, IPCMEM_ENOTSUP);
  EXPECT_MAP_FAIL(&ro.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, IPCMEM_ENOTSUP);
  /* Boost ignores an offset; ipcmem refuses it. */
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_WRITE, 1, 0, NULL, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_ONLY, pg(), 0, NULL, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_ONLY, 100, 100, NULL, IPCMEM_EINVAL);
  /* Only the whole segment. */
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_WRITE, 0, 1, NULL, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_WRITE, 0, n - 1, NULL, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_ONLY, 0, n + 1, NULL, IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_ONLY, 0, pg(), NULL, IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  /* None of the refusals attached anything. */
  ASSERT_EQ(nattch(ipcmem_xsi_id(&x)), 0);

  ASSERT_OK(ipcmem_region_map(&r, &x.base, IPCMEM_READ_WRITE, 0, n, NULL, 0));
  ASSERT_U64_EQ(ipcmem_region_size(&r), n);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_xsi_close(&ro));
  drop_seg(&x);
}

TEST(xsi_unmap_detaches) {
  ipcmem_xsi x;
  ipcmem_region a, b;
  int id;

  make_seg(&x, 0, 2 * pg());
  id = ipcmem_xsi_id(&x);
  ASSERT_EQ(nattch(id), 0);
  ASSERT_OK(ipcmem_region_map(&a, &x.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_EQ(nattch(id), 1);
  ASSERT_OK(ipcmem_region_map(&b, &x.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_EQ(nattch(id), 2);
  ASSERT_OK(ipcmem_region_unmap(&a));
  ASSERT_EQ(nattch(id), 1);
  ASSERT(ipcmem_region_addr(&a) == NULL);
  /* Unmapping again is a no-op and detaches nothing else. */
  ASSERT_OK(ipcmem_region_unmap(&a));
  ASSERT_EQ(nattch(id), 1);
  ASSERT_OK(ipcmem_region_unmap(&b));
  ASSERT_EQ(nattch(id), 0);
  drop_seg(&x);
}

TEST(xsi_flush) {
  ipcmem_xsi x;
  ipcmem_region r;
  size_t n = 2 * pg() + 3;

  make_seg(&x, 0, n);
  ASSERT_OK(ipcmem_region_map(&r, &x.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  memset(ipcmem_region_addr(&r), 1, n);
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, IPCMEM_FLUSH_ASYNC));
  ASSERT_OK(ipcmem_region_flush(&r, 5, 10, 0));
  ASSERT_OK(ipcmem_region_flush(&r, n - 1, 1, 0));
  /* The range is still checked. */
  ASSERT_ERR(ipcmem_region_flush(&r, n, 0, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, n + 1, 0), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_flush(&r, 0, 0, 0x2u), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_region_advise(&r, IPCMEM_ADVICE_WILLNEED));
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_seg(&x);
}

/* An address where `len` bytes are free, aligned to SHMLBA (which shmat
 * wants, and which is a multiple of the page size). Found by mapping and
 * unmapping; nothing else maps in this single-threaded test meanwhile. */
static void *free_address(size_t len) {
  size_t align = (size_t)SHMLBA > pg() ? (size_t)SHMLBA : pg();
  uintptr_t a;
  void *p =
      mmap(NULL, len + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  ASSERT(p != MAP_FAILED);
  ASSERT_EQ(munmap(p, len + align), 0);
  a = ((uintptr_t)p + align - 1) / align * align;
  return (void *)a;
}

TEST(xsi_fixed_address) {
  size_t n = 3 * pg() + 10, len = 4 * pg();
  ipcmem_region r, again, anon;
  unsigned char *p, *busy;
  ipcmem_xsi x;
  void *at;

  make_seg(&x, 0, n);
  at = free_address(len);
  ASSERT_OK(ipcmem_region_map(&r, &x.base, IPCMEM_READ_WRITE, 0, 0, at, 0));
  ASSERT_PTR_EQ(ipcmem_region_addr(&r), at);
  ASSERT_U64_EQ(ipcmem_region_size(&r), n);
  p = at;
  memset(p, 0x3C, n);

  /* An address inside the segment's own attachment is busy. */
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_ONLY, 0, 0, at, IPCMEM_EBUSY);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_ONLY, 0, 0, p + pg(), IPCMEM_EBUSY);
  ASSERT_EQ(p[0], 0x3C);
  ASSERT_EQ(p[n - 1], 0x3C);
  ASSERT_EQ(nattch(ipcmem_xsi_id(&x)), 1);

  /* So is an address where another kind of mapping lives, and that mapping
   * keeps its contents. */
  ASSERT_OK(ipcmem_anon_map(&anon, len));
  busy = ipcmem_region_addr(&anon);
  memset(busy, 0x5D, len);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_WRITE, 0, 0, busy, IPCMEM_EBUSY);
  ASSERT_EQ(busy[0], 0x5D);
  ASSERT_EQ(busy[len - 1], 0x5D);
  ASSERT_EQ(nattch(ipcmem_xsi_id(&x)), 1);
  ASSERT_OK(ipcmem_region_unmap(&anon));

  /* A misaligned address is refused before the system sees it. */
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_ONLY, 0, 0, (char *)at + 1,
                  IPCMEM_EINVAL);

  /* After detaching, the same address is free again. */
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_region_map(&again, &x.base, IPCMEM_READ_ONLY, 0, 0, at, 0));
  ASSERT_PTR_EQ(ipcmem_region_addr(&again), at);
  ASSERT_EQ(((unsigned char *)at)[n - 1], 0x3C);
  ASSERT_OK(ipcmem_region_unmap(&again));
  drop_seg(&x);
}

/* --- processes ---------------------------------------------------------- */

/* Opens the segment of test key argv[0] read-write by key, checks what the
 * test wrote, writes its answer and waits until the test has seen it. */
HELPER(xsi_peer) {
  ipcmem_xsi x;
  ipcmem_region r;
  unsigned char *p;
  size_t i, n;

  ASSERT_EQ(argc, 1);
  ASSERT_OK(ipcmem_xsi_open(&x, test_xsi_key(atoi(argv[0])), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_WRITE, 0, 0));
  ASSERT_EQ(ipcmem_xsi_created(&x), 0);
  ASSERT_OK(ipcmem_region_map(&r, &x.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  n = ipcmem_region_size(&r);
  ASSERT_EQ(n, 10000);
  for (i = 0; i < n; i++)
    ASSERT_EQ(p[i], pat(i));
  memcpy(p + 4000, "from the helper", 16);
  helper_ready();
  helper_wait_go();
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_xsi_close(&x));
  return 0;
}

TEST(xsi_shared_between_processes) {
  ipcmem_xsi x;
  ipcmem_region r;
  unsigned char *p;
  size_t i, n = 10000;
  test_proc h;

  make_seg(&x, 3, n);
  ASSERT_OK(ipcmem_region_map(&r, &x.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  for (i = 0; i < n; i++)
    p[i] = pat(i);
  test_spawn(&h, "xsi_peer", "3", NULL);
  test_proc_wait_ready(&h);
  ASSERT(memcmp(p + 4000, "from the helper", 16) == 0);
  ASSERT_EQ(nattch(ipcmem_xsi_id(&x)), 2);
  test_proc_go(&h);
  ASSERT_EQ(test_proc_join(&h), 0);
  ASSERT_EQ(nattch(ipcmem_xsi_id(&x)), 1);
  ASSERT_OK(ipcmem_region_unmap(&r));
  drop_seg(&x);
}

/* --- removal ------------------------------------------------------------ */

TEST(xsi_remove) {
  ipcmem_xsi x;
  uint64_t size = 5;
  int id;

  make_seg(&x, 0, 1000);
  id = ipcmem_xsi_id(&x);
  ASSERT_OK(ipcmem_xsi_remove(id));
  ASSERT(!key_exists(test_xsi_key(0)));
  ASSERT_ERR(ipcmem_xsi_remove(id), IPCMEM_ENOENT);
  ASSERT_ERR(ipcmem_xsi_size(&x, &size), IPCMEM_ENOENT);
  ASSERT_U64_EQ(size, 5);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_ONLY, 0, 0, NULL, IPCMEM_ENOENT);
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0,
                       0, IPCMEM_ENOENT);
  ASSERT_OK(ipcmem_xsi_close(&x));
  ASSERT_ERR(ipcmem_xsi_remove(-1), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_xsi_remove(INT_MIN), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  /* The key can be created again at once, as a new segment. */
  make_seg(&x, 0, 10);
  drop_seg(&x);
}

TEST(xsi_remove_while_mapped) {
  ipcmem_xsi x, y;
  ipcmem_region r;
  unsigned char *p;
  size_t n = 2 * pg();

  make_seg(&x, 0, n);
  ASSERT_OK(ipcmem_region_map(&r, &x.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  memset(p, 0x42, n);
  ASSERT_OK(ipcmem_xsi_remove(ipcmem_xsi_id(&x)));
  /* The key is free at once... */
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0,
                       0, IPCMEM_ENOENT);
  ASSERT_OK(ipcmem_xsi_open(&y, test_xsi_key(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 10, 0));
  ASSERT(ipcmem_xsi_id(&y) != ipcmem_xsi_id(&x));
  drop_seg(&y);
  /* ...and the region works until it is unmapped. */
  ASSERT_EQ(p[0], 0x42);
  ASSERT_EQ(p[n - 1], 0x42);
  p[1] = 0x43;
  ASSERT_EQ(p[1], 0x43);
  ASSERT_OK(ipcmem_region_unmap(&r));
  /* With the last attachment gone, the segment is gone. */
  ASSERT_ERR(ipcmem_xsi_remove(ipcmem_xsi_id(&x)), IPCMEM_ENOENT);
  ASSERT_OK(ipcmem_xsi_close(&x));
}

TEST(xsi_close_twice) {
  ipcmem_xsi x, zero;
  uint64_t size;
  int id;

  memset(&zero, 0, sizeof(zero));
  ASSERT_OK(ipcmem_xsi_close(&zero));
  ASSERT_EQ(ipcmem_xsi_id(&zero), -1);
  ASSERT_EQ(ipcmem_xsi_id(NULL), -1);
  ASSERT_EQ(ipcmem_xsi_created(NULL), 0);
  ASSERT_ERR(ipcmem_xsi_close(NULL), IPCMEM_EINVAL);
  make_seg(&x, 0, 100);
  id = ipcmem_xsi_id(&x);
  ASSERT_OK(ipcmem_xsi_close(&x));
  ASSERT_OK(ipcmem_xsi_close(&x));
  ASSERT_EQ(ipcmem_xsi_id(&x), -1);
  ASSERT_EQ(ipcmem_xsi_created(&x), 0);
  ASSERT_EQ(ipcmem_mappable_kind(&x.base), IPCMEM_KIND_NONE);
  ASSERT_ERR(ipcmem_xsi_size(&x, &size), IPCMEM_EINVAL);
  EXPECT_MAP_FAIL(&x.base, IPCMEM_READ_ONLY, 0, 0, NULL, IPCMEM_EINVAL);
  /* Closing forgets the segment; it does not remove it. */
  ASSERT(key_exists(test_xsi_key(0)));
  ASSERT_OK(ipcmem_xsi_open(&x, test_xsi_key(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0, 0));
  ASSERT_EQ(ipcmem_xsi_id(&x), id);
  drop_seg(&x);
}

/* --- the system's tools ------------------------------------------------- */

/* Whether `tool` is an executable in $PATH. */
static int have_tool(const char *tool) {
  const char *path = getenv("PATH"), *end;
  char buf[PATH_MAX];
  size_t len;

  if (path == NULL)
    path = "/usr/bin:/bin";
  for (; *path != '\0'; path = *end ? end + 1 : end) {
    end = strchr(path, ':');
    if (end == NULL)
      end = path + strlen(path);
    len = (size_t)(end - path);
    if (len == 0 || len + strlen(tool) + 2 > sizeof(buf))
      continue;
    memcpy(buf, path, len);
    snprintf(buf + len, sizeof(buf) - len, "/%s", tool);
    if (access(buf, X_OK) == 0)
      return 1;
  }
  return 0;
}

/* Finds the line of segment `id` in `ipcs -m` output; returns 1 and fills
 * its key, size and permissions if it is listed. */
static int ipcs_find(int id, unsigned long long *key, unsigned long long *size,
                     unsigned *perms) {
  char line[512], owner[128];
  unsigned long long k, s;
  unsigned p;
  int i, found = 0;
  FILE *f;

  fflush(NULL);
  f = popen("ipcs -m", "r");
  ASSERT(f != NULL);
  while (fgets(line, sizeof(line), f) != NULL)
    if (sscanf(line, "%llx %d %127s %o %llu", &k, &i, owner, &p, &s) == 5 &&
        i == id) {
      *key = k;
      *size = s;
      *perms = p;
      found = 1;
    }
  ASSERT_EQ(pclose(f), 0);
  return found;
}

TEST(xsi_ipcs_and_ipcrm) {
  unsigned long long key = 0, size = 0;
  unsigned perms = 0;
  char idbuf[32];
  ipcmem_xsi x;
  uint64_t s;
  pid_t pid;
  int id;

  if (!have_tool("ipcs") || !have_tool("ipcrm"))
    test_skip("ipcs or ipcrm (util-linux) is not installed");
  ASSERT_OK(ipcmem_xsi_open(&x, test_xsi_key(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 4321, 0640));
  id = ipcmem_xsi_id(&x);
  ASSERT(ipcs_find(id, &key, &size, &perms));
  ASSERT_U64_EQ(key, (uint32_t)ipcmem_xsi_key_value(test_xsi_key(0)));
  ASSERT_U64_EQ(size, 4321);
  ASSERT_EQ(perms, 0640);

  snprintf(idbuf, sizeof(idbuf), "%d", id);
  fflush(NULL);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    execlp("ipcrm", "ipcrm", "-m", idbuf, (char *)NULL);
    _exit(127);
  }
  ASSERT_EQ(test_wait_pid(pid), 0);
  ASSERT(!ipcs_find(id, &key, &size, &perms));
  ASSERT_ERR(ipcmem_xsi_size(&x, &s), IPCMEM_ENOENT);
  EXPECT_XSI_OPEN_FAIL(test_xsi_key(0), IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0,
                       0, IPCMEM_ENOENT);
  ASSERT_ERR(ipcmem_xsi_remove(id), IPCMEM_ENOENT);
  ASSERT_OK(ipcmem_xsi_close(&x));
}

/* --- the seed's example ------------------------------------------------- */

/* Removes the segment of `key` if there is one; returns whether there was.
 * The runner cannot do this for a key it did not make. */
static int remove_key_segment(ipcmem_xsi_key key) {
  int id = shmget((key_t)ipcmem_xsi_key_value(key), 0, 0);

  if (id < 0)
    return 0;
  shmctl(id, IPC_RMID, NULL);
  return 1;
}

/* Checks the output of a successful run of the example. */
static void check_example_output(const char *out) {
  char wrote[128], verified[128];
  const char *a, *b, *c;
  int id = -1;

  a = strstr(out, "server: wrote 1000 bytes of 1 to segment ");
  if (a == NULL ||
      sscanf(a, "server: wrote 1000 bytes of 1 to segment %d", &id) != 1)
    test_fail_(__FILE__, __LINE__, "unexpected output:\n%s", out);
  ASSERT(id >= 0);
  snprintf(wrote, sizeof(wrote), "server: wrote 1000 bytes of 1 to segment %d",
           id);
  snprintf(verified, sizeof(verified),
           "client: verified 1000 bytes of segment %d are 1", id);
  b = strstr(out, verified);
  c = strstr(out, "server: the client saw what the server wrote");
  if (b == NULL || c == NULL || strstr(out, wrote) != a)
    test_fail_(__FILE__, __LINE__, "unexpected output:\n%s", out);
  ASSERT(a < b && b < c);
  /* The segment it reported is gone, not merely detached. */
  ASSERT_ERR(ipcmem_xsi_remove(id), IPCMEM_ENOENT);
}

/* The example derives its key from its own path with ftok(path, 1), not
 * from test_xsi_key(), so this test removes whatever is left under that key
 * before it asserts anything. Both runs are in one test so that two tests
 * never use the key at the same time. */
TEST(example_xsi_server_client) {
  char *argv[] = {XSI_EXAMPLE, NULL};
  char out[4096];
  ipcmem_xsi_key key;
  ipcmem_xsi old;
  int rc, leftover, stale_gone;

  ASSERT_OK(ipcmem_xsi_key_from_path(&key, XSI_EXAMPLE, 1));
  rc = test_run_capture(argv, out, sizeof(out));
  leftover = remove_key_segment(key);
  if (rc != 0)
    fprintf(stderr, "the example's output:\n%s", out);
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(leftover, 0);
  check_example_output(out);

  /* A segment that an earlier, crashed run left under the key (of another
   * size) is removed and replaced, and nothing is left afterwards. */
  ASSERT_OK(
      ipcmem_xsi_open(&old, key, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 10, 0));
  rc = test_run_capture(argv, out, sizeof(out));
  stale_gone = ipcmem_xsi_remove(ipcmem_xsi_id(&old)) == IPCMEM_ENOENT;
  leftover = remove_key_segment(key);
  if (rc != 0)
    fprintf(stderr, "the example's output:\n%s", out);
  ASSERT_EQ(rc, 0);
  ASSERT(stale_gone);
  ASSERT_EQ(leftover, 0);
  check_example_output(out);
}
