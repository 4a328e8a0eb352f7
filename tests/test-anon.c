/* Anonymous shared memory: ipcmem_anon_map() and the ipcmem_anon_open()
 * mappable, including the portable shm_open fallback behind it. */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fallback of src/unix/anon.c: hidden from the shared library, reachable
 * through the static one the tests link. Returns 0 or an errno value. */
int ipcmem__anon_fd_shm(int *out);

/* --- helpers -------------------------------------------------------------- */

static size_t pg(void) { return ipcmem_page_size(); }

static const ipcmem_region zero_region;

/* msync() fails with ENOMEM on a page that is not mapped. */
static int page_mapped(const void *p) {
  void *page = (void *)((uintptr_t)p - (uintptr_t)p % pg());

  if (msync(page, pg(), MS_ASYNC) == 0)
    return 1;
  ASSERT_EQ(errno, ENOMEM);
  return 0;
}

static int all_bytes(const void *p, size_t n, int value) {
  const unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    if (c[i] != value)
      return 0;
  return 1;
}

/* A pipe's two ends, to let a forked child wait for its parent. */
static void wait_byte(int fd) {
  char c;
  ssize_t n;

  do
    n = read(fd, &c, 1);
  while (n < 0 && errno == EINTR);
  ASSERT_EQ(n, 1);
}

static void send_byte(int fd) { ASSERT_EQ(write(fd, "x", 1), 1); }

static int is_cloexec(int fd) {
  int f = fcntl(fd, F_GETFD);

  ASSERT(f >= 0);
  return (f & FD_CLOEXEC) != 0;
}

#define EXPECT_ANON_MAP_FAIL(size, code)                                       \
  do {                                                                         \
    ipcmem_region got_, want_;                                                 \
    memset(&got_, 0xA5, sizeof(got_));                                         \
    memset(&want_, 0xA5, sizeof(want_));                                       \
    ASSERT_ERR(ipcmem_anon_map(&got_, (size)), (code));                        \
    ASSERT(memcmp(&got_, &want_, sizeof(got_)) == 0);                          \
  } while (0)

#define EXPECT_ANON_OPEN_FAIL(size, code)                                      \
  do {                                                                         \
    ipcmem_anon got_, want_;                                                   \
    memset(&got_, 0xA5, sizeof(got_));                                         \
    memset(&want_, 0xA5, sizeof(want_));                                       \
    ASSERT_ERR(ipcmem_anon_open(&got_, (size)), (code));                       \
    ASSERT(memcmp(&got_, &want_, sizeof(got_)) == 0);                          \
  } while (0)

/* --- ipcmem_anon_map ------------------------------------------------------ */

TEST(anon_map_errors) {
  EXPECT_ANON_MAP_FAIL(0, IPCMEM_EINVAL);
  EXPECT_ANON_MAP_FAIL(SIZE_MAX, IPCMEM_EINVAL);
  EXPECT_ANON_MAP_FAIL((size_t)PTRDIFF_MAX + 1, IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_anon_map(NULL, pg()), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_map(NULL, 0), IPCMEM_EINVAL);
}

TEST(anon_map_zeroed) {
  ipcmem_region r;
  size_t n = 3 * pg() + 5;
  unsigned char *p;

  ASSERT_OK(ipcmem_anon_map(&r, n));
  p = ipcmem_region_addr(&r);
  ASSERT(p != NULL);
  ASSERT_EQ((uintptr_t)p % pg(), 0);
  ASSERT_U64_EQ(ipcmem_region_size(&r), n);
  ASSERT_EQ(ipcmem_region_mode(&r), IPCMEM_READ_WRITE);
  ASSERT(all_bytes(p, n, 0));
  memset(p, 0xAB, n);
  ASSERT(all_bytes(p, n, 0xAB));
  /* Flush and advice work on it like on any region. */
  ASSERT_OK(ipcmem_region_flush(&r, 0, 0, 0));
  ASSERT_OK(ipcmem_region_flush(&r, 1, 10, IPCMEM_FLUSH_ASYNC));
  ASSERT_ERR(ipcmem_region_flush(&r, n, 0, 0), IPCMEM_ERANGE);
  ASSERT_OK(ipcmem_region_advise(&r, IPCMEM_ADVICE_WILLNEED));
  /* DONTNEED must not turn shared anonymous memory back into zeros. */
  ASSERT_OK(ipcmem_region_advise(&r, IPCMEM_ADVICE_DONTNEED));
  ASSERT(all_bytes(p, n, 0xAB));

  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT(memcmp(&r, &zero_region, sizeof(r)) == 0);
  ASSERT(!page_mapped(p));
  ASSERT(!page_mapped(p + n - 1));

  /* A single byte is a valid size too. */
  ASSERT_OK(ipcmem_anon_map(&r, 1));
  ASSERT_U64_EQ(ipcmem_region_size(&r), 1);
  ASSERT_EQ(*(unsigned char *)ipcmem_region_addr(&r), 0);
  ASSERT_OK(ipcmem_region_unmap(&r));
}

TEST(anon_map_shared_with_child) {
  ipcmem_region r;
  size_t n = 2 * pg() + 1;
  unsigned char *p;
  int to_child[2];
  pid_t pid;

  ASSERT_OK(ipcmem_anon_map(&r, n));
  p = ipcmem_region_addr(&r);
  ASSERT_EQ(pipe(to_child), 0);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    /* The parent writes only after the fork, so only shared memory can
     * bring its bytes here; then the child answers the same way. */
    close(to_child[1]);
    wait_byte(to_child[0]);
    if (!all_bytes(p, n, 1))
      _exit(3);
    memset(p, 2, n);
    _exit(0);
  }
  close(to_child[0]);
  memset(p, 1, n);
  send_byte(to_child[1]);
  ASSERT_EQ(test_wait_pid(pid), 0);
  ASSERT(all_bytes(p, n, 2));
  close(to_child[1]);
  ASSERT_OK(ipcmem_region_unmap(&r));
}

/* --- ipcmem_anon_open ----------------------------------------------------- */

TEST(anon_open_errors) {
  ipcmem_anon a;

  EXPECT_ANON_OPEN_FAIL(0, IPCMEM_EINVAL);
  EXPECT_ANON_OPEN_FAIL((uint64_t)INT64_MAX + 1, IPCMEM_EINVAL);
  EXPECT_ANON_OPEN_FAIL(UINT64_MAX, IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_anon_open(NULL, pg()), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_close(NULL), IPCMEM_EINVAL);
  /* Closing a zeroed object does nothing. */
  memset(&a, 0, sizeof(a));
  ASSERT_OK(ipcmem_anon_close(&a));
}

TEST(anon_open_basic) {
  ipcmem_anon a;
  ipcmem_region r1, r2;
  uint64_t size = 0;
  unsigned char *p1, *p2;
  size_t n = 3 * pg() + 11;
  int fd;

  ASSERT_OK(ipcmem_anon_open(&a, n));
  ASSERT_EQ(ipcmem_mappable_kind(&a.base), IPCMEM_KIND_ANON);
  ASSERT_OK(ipcmem_mappable_size(&a.base, &size));
  ASSERT_U64_EQ(size, n);
  fd = ipcmem_mappable_handle(&a.base);
  ASSERT(fd >= 0);
  ASSERT(is_cloexec(fd));
  ASSERT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);

  ASSERT_OK(ipcmem_region_map(&r1, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&r2, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  p1 = ipcmem_region_addr(&r1);
  p2 = ipcmem_region_addr(&r2);
  ASSERT(p1 != p2);
  ASSERT_U64_EQ(ipcmem_region_size(&r1), n);
  ASSERT(all_bytes(p1, n, 0));
  memcpy(p1 + 5, "one", 4);
  memcpy(p2 + n - 4, "two", 4);
  ASSERT(memcmp(p2 + 5, "one", 4) == 0);
  ASSERT(memcmp(p1 + n - 4, "two", 4) == 0);
  ASSERT_OK(ipcmem_region_unmap(&r1));
  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_anon_close(&a));
}

/* Run with the descriptor number, device and inode of the test's anonymous
 * object: after exec that descriptor must not be the object any more. */
HELPER(anon_fd_not_inherited) {
  struct stat st;
  int fd;

  ASSERT_EQ(argc, 3);
  fd = atoi(argv[0]);
  if (fstat(fd, &st) == 0 &&
      (unsigned long long)st.st_dev == strtoull(argv[1], NULL, 10) &&
      (unsigned long long)st.st_ino == strtoull(argv[2], NULL, 10))
    test_fail_(__FILE__, __LINE__, "descriptor %d survived exec", fd);
  return 0;
}

TEST(anon_open_cloexec) {
  ipcmem_anon a;
  struct stat st;
  char fdbuf[32], devbuf[32], inobuf[32];
  test_proc h;
  int fd;

  ASSERT_OK(ipcmem_anon_open(&a, pg()));
  fd = ipcmem_mappable_handle(&a.base);
  ASSERT(is_cloexec(fd));
  ASSERT_EQ(fstat(fd, &st), 0);
  snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
  snprintf(devbuf, sizeof(devbuf), "%llu", (unsigned long long)st.st_dev);
  snprintf(inobuf, sizeof(inobuf), "%llu", (unsigned long long)st.st_ino);
  test_spawn(&h, "anon_fd_not_inherited", fdbuf, devbuf, inobuf, NULL);
  ASSERT_EQ(test_proc_join(&h), 0);
  ASSERT_OK(ipcmem_anon_close(&a));
}

TEST(anon_open_forked_child_maps) {
  ipcmem_anon a;
  ipcmem_region r, c;
  size_t n = 2 * pg();
  unsigned char *p, *q;
  pid_t pid;

  ASSERT_OK(ipcmem_anon_open(&a, n));
  ASSERT_OK(ipcmem_region_map(&r, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  memcpy(p + pg() + 3, "from the parent", 16);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    /* A new mapping of the inherited object, not the inherited region. */
    ASSERT_OK(ipcmem_region_unmap(&r));
    ASSERT_OK(
        ipcmem_region_map(&c, &a.base, IPCMEM_READ_WRITE, pg(), 0, NULL, 0));
    q = ipcmem_region_addr(&c);
    if (memcmp(q + 3, "from the parent", 16) != 0)
      _exit(3);
    memcpy(q + 100, "from the child", 15);
    ASSERT_OK(ipcmem_region_unmap(&c));
    ASSERT_OK(ipcmem_anon_close(&a));
    _exit(0);
  }
  ASSERT_EQ(test_wait_pid(pid), 0);
  ASSERT(memcmp(p + pg() + 100, "from the child", 15) == 0);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_anon_close(&a));
}

TEST(anon_open_offsets_and_modes) {
  ipcmem_anon a;
  ipcmem_region w, r, x;
  size_t n = 4 * pg() + 1;
  unsigned char *pw, *p;
  size_t i;
  void *fixed;

  ASSERT_OK(ipcmem_anon_open(&a, n));
  ASSERT_OK(ipcmem_region_map(&w, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  pw = ipcmem_region_addr(&w);
  for (i = 0; i < n; i++)
    pw[i] = (unsigned char)(i * 7 + i / 256);

  /* An unaligned offset, to the end and with a size. */
  ASSERT_OK(
      ipcmem_region_map(&r, &a.base, IPCMEM_READ_ONLY, pg() + 7, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  ASSERT_U64_EQ(ipcmem_region_size(&r), n - pg() - 7);
  ASSERT(memcmp(p, pw + pg() + 7, n - pg() - 7) == 0);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_region_map(&r, &a.base, IPCMEM_READ_PRIVATE, 3 * pg() - 1, 2,
                              NULL, 0));
  p = ipcmem_region_addr(&r);
  ASSERT_EQ(p[0], pw[3 * pg() - 1]);
  ASSERT_EQ(p[1], pw[3 * pg()]);
  ASSERT_OK(ipcmem_region_unmap(&r));

  /* Copy-on-write keeps its writes to itself. */
  ASSERT_OK(
      ipcmem_region_map(&r, &a.base, IPCMEM_COPY_ON_WRITE, 1, 0, NULL, 0));
  p = ipcmem_region_addr(&r);
  ASSERT_EQ(ipcmem_region_mode(&r), IPCMEM_COPY_ON_WRITE);
  ASSERT(memcmp(p, pw + 1, n - 1) == 0);
  memset(p, 0xFF, n - 1);
  ASSERT_EQ(pw[1], 1 * 7);
  ASSERT_EQ(pw[n - 1], (unsigned char)((n - 1) * 7 + (n - 1) / 256));
  ASSERT_OK(ipcmem_region_advise(&r, IPCMEM_ADVICE_DONTNEED));
  ASSERT(all_bytes(p, n - 1, 0xFF));
  ASSERT_OK(ipcmem_region_unmap(&r));

  /* A fixed address, and the errors of any mappable. */
  ASSERT_OK(ipcmem_anon_map(&x, 2 * pg()));
  fixed = ipcmem_region_addr(&x);
  ASSERT_OK(ipcmem_region_unmap(&x));
  ASSERT_OK(
      ipcmem_region_map(&r, &a.base, IPCMEM_READ_WRITE, pg(), pg(), fixed, 0));
  ASSERT_PTR_EQ(ipcmem_region_addr(&r), fixed);
  ((unsigned char *)fixed)[0] = 0x42;
  ASSERT_EQ(pw[pg()], 0x42);
  ASSERT_ERR(ipcmem_region_map(&x, &a.base, IPCMEM_READ_ONLY, 0, 0, fixed, 0),
             IPCMEM_EBUSY);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_ERR(ipcmem_region_map(&r, &a.base, IPCMEM_READ_ONLY, n, 0, NULL, 0),
             IPCMEM_ERANGE);
  ASSERT_ERR(
      ipcmem_region_map(&r, &a.base, IPCMEM_READ_ONLY, 0, n + 1, NULL, 0),
      IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_region_map(&r, &a.base, 0, 0, 0, NULL, 0), IPCMEM_EINVAL);

  ASSERT_OK(ipcmem_region_unmap(&w));
  ASSERT_OK(ipcmem_anon_close(&a));
}

TEST(anon_open_region_outlives_close) {
  ipcmem_anon a;
  ipcmem_region r1, r2, t;
  unsigned char *p1, *p2;
  uint64_t size = 12345;
  size_t n = 2 * pg();

  ASSERT_OK(ipcmem_anon_open(&a, n));
  ASSERT_OK(ipcmem_region_map(&r1, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&r2, &a.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_anon_close(&a));
  ASSERT_EQ(ipcmem_mappable_kind(&a.base), IPCMEM_KIND_NONE);
  ASSERT_EQ(ipcmem_mappable_handle(&a.base), IPCMEM_OS_HANDLE_INVALID);
  ASSERT_ERR(ipcmem_mappable_size(&a.base, &size), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 12345);
  ASSERT_ERR(ipcmem_region_map(&t, &a.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0),
             IPCMEM_EINVAL);
  /* Closing again is harmless. */
  ASSERT_OK(ipcmem_anon_close(&a));

  /* Both regions still share the memory, in both directions of use. */
  p1 = ipcmem_region_addr(&r1);
  p2 = ipcmem_region_addr(&r2);
  memset(p1, 0x3C, n);
  ASSERT(all_bytes(p2, n, 0x3C));
  ASSERT_OK(ipcmem_region_flush(&r1, 0, 0, 0));
  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT(all_bytes(p1, n, 0x3C));
  ASSERT_OK(ipcmem_region_unmap(&r1));
}

/* --- the shm_open fallback ------------------------------------------------ */

/* Counts the names in /dev/shm that the fallback would make for this
 * process, or -1 where there is no /dev/shm to look into. */
static int count_fallback_names(void) {
  char prefix[64];
  struct dirent *e;
  DIR *d;
  int n = 0;

  snprintf(prefix, sizeof(prefix), "ipcmem-anon.%ld.", (long)getpid());
  d = opendir("/dev/shm");
  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
      n++;
  closedir(d);
  return n;
}

TEST(anon_fd_shm_fallback) {
  enum { N = 8 };
  struct stat st[N];
  int fds[N], before, i, j;
  unsigned char *p, *q;
  size_t n = 2 * pg();
  pid_t pid;

  before = count_fallback_names();
  ASSERT(before <= 0);
  for (i = 0; i < N; i++) {
    fds[i] = -1;
    ASSERT_EQ(ipcmem__anon_fd_shm(&fds[i]), 0);
    ASSERT(fds[i] >= 0);
    ASSERT(is_cloexec(fds[i]));
    ASSERT_EQ(fcntl(fds[i], F_GETFL) & O_ACCMODE, O_RDWR);
    ASSERT_EQ(fstat(fds[i], &st[i]), 0);
    ASSERT(S_ISREG(st[i].st_mode));
    ASSERT_EQ(st[i].st_size, 0);
    /* The name is already gone: no link is left to the object. */
    ASSERT_EQ(st[i].st_nlink, 0);
    ASSERT_EQ(st[i].st_mode & 0777, 0600);
    for (j = 0; j < i; j++)
      ASSERT(st[j].st_ino != st[i].st_ino || st[j].st_dev != st[i].st_dev);
  }
  if (before == 0)
    ASSERT_EQ(count_fallback_names(), 0);

  /* A working object: sized, mapped twice and shared with a child. */
  ASSERT_EQ(ftruncate(fds[0], (off_t)n), 0);
  p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
  q = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
  ASSERT(p != MAP_FAILED && q != MAP_FAILED);
  ASSERT(all_bytes(p, n, 0));
  memset(p, 0x5F, n);
  ASSERT(all_bytes(q, n, 0x5F));
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    memset(q + pg(), 0x60, pg());
    _exit(0);
  }
  ASSERT_EQ(test_wait_pid(pid), 0);
  ASSERT(all_bytes(p + pg(), pg(), 0x60));
  ASSERT_EQ(munmap(p, n), 0);
  ASSERT_EQ(munmap(q, n), 0);
  for (i = 0; i < N; i++)
    ASSERT_EQ(close(fds[i]), 0);
  if (before == 0)
    ASSERT_EQ(count_fallback_names(), 0);
}

/* --- ipcmem_anon_from_handle ----------------------------------------- */

/* The receiving side of handing an anonymous object to a program started
 * with exec: argv[0] is the descriptor number, argv[1] the size to claim.
 * It maps the object, checks the parent's bytes and answers with its own. */
HELPER(anon_from_inherited_fd) {
  ipcmem_anon anon;
  ipcmem_region r;
  unsigned char *p;

  ASSERT(argc == 2);
  ASSERT_OK(ipcmem_anon_from_handle(&anon, atoi(argv[0]),
                                    strtoull(argv[1], NULL, 10)));
  ASSERT_EQ(ipcmem_mappable_kind(&anon.base), IPCMEM_KIND_ANON);
  ASSERT_OK(
      ipcmem_region_map(&r, &anon.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_size(&r), 3 * pg());
  p = ipcmem_region_addr(&r);
  ASSERT(all_bytes(p, 3 * pg(), 0x5A));
  memset(p, 0xC3, 3 * pg());
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_anon_close(&anon));
  return 0;
}

/* An object handed to an exec'd program: the parent makes a descriptor the
 * child may inherit (ipcmem's own are close-on-exec), passes its number on
 * the command line, and the child wraps it, with the size given and with
 * 0 ("what the system says"). */
TEST(anon_from_handle_across_exec) {
  char claim[32];
  const char *sizes[2];
  ipcmem_anon anon;
  ipcmem_region r;
  char fdbuf[16], sizebuf[32];
  test_proc p;
  size_t i;
  int fd;

  snprintf(claim, sizeof(claim), "%zu", 3 * pg());
  sizes[0] = "0";
  sizes[1] = claim;
  ASSERT_OK(ipcmem_anon_open(&anon, 3 * pg()));
  ASSERT_OK(
      ipcmem_region_map(&r, &anon.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    memset(ipcmem_region_addr(&r), 0x5A, 3 * pg());
    fd = dup(ipcmem_mappable_handle(&anon.base));
    ASSERT(fd >= 0);
    ASSERT(!is_cloexec(fd));
    snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
    snprintf(sizebuf, sizeof(sizebuf), "%s", sizes[i]);
    test_spawn(&p, "anon_from_inherited_fd", fdbuf, sizebuf, NULL);
    ASSERT_EQ(close(fd), 0);
    ASSERT_EQ(test_proc_join(&p), 0);
    ASSERT(all_bytes(ipcmem_region_addr(&r), 3 * pg(), 0xC3));
  }
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_anon_close(&anon));
}

TEST(anon_from_handle_errors) {
  ipcmem_anon anon, out;
  int fds[2], ro, dupfd;
  char path[64];

  memset(&out, 0xA5, sizeof(out));
  ASSERT_ERR(ipcmem_anon_from_handle(NULL, 0, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_anon_from_handle(&out, -1, 0), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_OK(ipcmem_anon_open(&anon, pg()));
  dupfd = dup(ipcmem_mappable_handle(&anon.base));
  ASSERT(dupfd >= 0);
  ASSERT_ERR(ipcmem_anon_from_handle(&out, dupfd, (uint64_t)INT64_MAX + 1),
             IPCMEM_EINVAL);
  /* Claiming more than the object has would map past its end. */
  ASSERT_ERR(ipcmem_anon_from_handle(&out, dupfd, pg() + 1), IPCMEM_ERANGE);

  /* A pipe cannot be mapped. */
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_ERR(ipcmem_anon_from_handle(&out, fds[0], 0), IPCMEM_EINVAL);
  /* A closed descriptor is reported by the system. */
  ASSERT_ERR(ipcmem_anon_from_handle(&out, fds[1] + 100, 0), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), EBADF);

  /* A read-only descriptor cannot give a read-write object. */
  snprintf(path, sizeof(path), "/proc/self/fd/%d", dupfd);
  ro = open(path, O_RDONLY | O_CLOEXEC);
  if (ro >= 0) {
    ASSERT_ERR(ipcmem_anon_from_handle(&out, ro, 0), IPCMEM_EACCES);
    ASSERT_EQ(close(ro), 0);
  }

  /* Every failure leaves the output alone and the descriptor the
   * caller's: it is still open. */
  ASSERT_EQ(((unsigned char *)&out)[0], 0xA5);
  ASSERT(fcntl(dupfd, F_GETFD) >= 0);
  ASSERT(fcntl(fds[0], F_GETFD) >= 0);
  close(fds[0]);
  close(fds[1]);

  /* On success the object owns the descriptor: closing it closes dupfd. */
  ASSERT_OK(ipcmem_anon_from_handle(&out, dupfd, 0));
  ASSERT_OK(ipcmem_anon_close(&out));
  ASSERT(fcntl(dupfd, F_GETFD) < 0 && errno == EBADF);
  ASSERT_OK(ipcmem_anon_close(&anon));
}
