/* Failure paths that the real system never produces on demand: interrupted
 * calls, a full tmpfs, a process out of descriptors or address space, and a
 * create that fails halfway. Each test replaces entries of the library's
 * system call table (src/unix/sys.h) with wrappers that fail one chosen call
 * with a chosen errno and pass every other call to the real function. */
#include "runner.h"
#include "unix/sys.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* One injected fault: call number `at` (counting from 1, 0 for none) of a
 * function fails with `err`. `calls` counts every call, failed or not, so
 * that a test can tell that a retry or a cleanup call really happened. */
typedef struct fault {
  int at;
  int err;
  int calls;
} fault;

/* The table as the library had it: the wrappers call through this copy, and
 * inject_restore() puts it back. */
static ipcmem__sys_table real;

static fault f_shm_open, f_shm_unlink, f_fchmod, f_ftruncate, f_fallocate,
    f_mmap, f_openat, f_linkat, f_memfd;

static int fault_hit(fault *f) { return ++f->calls == f->at; }

/* Makes call `at` from now on fail with `err`; the count starts again. */
static void fault_arm(fault *f, int at, int err) {
  f->at = at;
  f->err = err;
  f->calls = 0;
}

static int fake_shm_open(const char *name, int oflag, mode_t mode) {
  if (fault_hit(&f_shm_open)) {
    errno = f_shm_open.err;
    return -1;
  }
  return real.shm_open(name, oflag, mode);
}

static int fake_shm_unlink(const char *name) {
  if (fault_hit(&f_shm_unlink)) {
    errno = f_shm_unlink.err;
    return -1;
  }
  return real.shm_unlink(name);
}

static int fake_fchmod(int fd, mode_t mode) {
  if (fault_hit(&f_fchmod)) {
    errno = f_fchmod.err;
    return -1;
  }
  return real.fchmod(fd, mode);
}

static int fake_ftruncate(int fd, off_t length) {
  if (fault_hit(&f_ftruncate)) {
    errno = f_ftruncate.err;
    return -1;
  }
  return real.ftruncate(fd, length);
}

static void *fake_mmap(void *addr, size_t len, int prot, int flags, int fd,
                       off_t offset) {
  if (fault_hit(&f_mmap)) {
    errno = f_mmap.err;
    return MAP_FAILED;
  }
  return real.mmap(addr, len, prot, flags, fd, offset);
}

static int fake_openat(int dfd, const char *path, int oflag, mode_t mode) {
  if (fault_hit(&f_openat)) {
    errno = f_openat.err;
    return -1;
  }
  return real.openat(dfd, path, oflag, mode);
}

static int fake_linkat(int olddfd, const char *oldpath, int newdfd,
                       const char *newpath, int flags) {
  if (fault_hit(&f_linkat)) {
    errno = f_linkat.err;
    return -1;
  }
  return real.linkat(olddfd, oldpath, newdfd, newpath, flags);
}

/* The optional calls exist in the table only where the build found them;
 * each gets its wrapper, or a stand-in that says it is missing. */
#if defined(IPCMEM_HAVE_POSIX_FALLOCATE)
static int fake_posix_fallocate(int fd, off_t offset, off_t len) {
  /* Like the real one, it returns the error instead of setting errno. */
  if (fault_hit(&f_fallocate))
    return f_fallocate.err;
  return real.posix_fallocate(fd, offset, len);
}

static int install_fallocate(void) {
  ipcmem__sys.posix_fallocate = fake_posix_fallocate;
  return 1;
}
#else
static int install_fallocate(void) { return 0; }
#endif

#if defined(IPCMEM_HAVE_MEMFD_CREATE)
static int fake_memfd_create(const char *name, unsigned flags) {
  if (fault_hit(&f_memfd)) {
    errno = f_memfd.err;
    return -1;
  }
  return real.memfd_create(name, flags);
}

static int install_memfd(void) {
  ipcmem__sys.memfd_create = fake_memfd_create;
  return 1;
}
#else
static int install_memfd(void) { return 0; }
#endif

/* 1 where the system has the optional call (and its wrapper is in place). */
static int have_fallocate, have_memfd;

/* Puts every wrapper in the table, none of them armed. */
static void inject_install(void) {
  static fault *const all[] = {&f_shm_open,  &f_shm_unlink, &f_fchmod,
                               &f_ftruncate, &f_fallocate,  &f_mmap,
                               &f_openat,    &f_linkat,     &f_memfd};
  size_t i;

  for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    fault_arm(all[i], 0, 0);
  real = ipcmem__sys;
  ipcmem__sys.shm_open = fake_shm_open;
  ipcmem__sys.shm_unlink = fake_shm_unlink;
  ipcmem__sys.fchmod = fake_fchmod;
  ipcmem__sys.ftruncate = fake_ftruncate;
  ipcmem__sys.mmap = fake_mmap;
  ipcmem__sys.openat = fake_openat;
  ipcmem__sys.linkat = fake_linkat;
  have_fallocate = install_fallocate();
  have_memfd = install_memfd();
}

static void inject_restore(void) { ipcmem__sys = real; }

/* Open descriptors of this process: a failure path that forgets to close
 * one shows up as a difference. The directory's own descriptor is counted
 * each time, so it cancels out. */
static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;

  if (d == NULL)
    test_skip("no /proc/self/fd to count descriptors");
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

/* Entries of `dir` other than "." and "..", each reported on stderr: the
 * emulation's directory must hold no object and no temporary file. */
static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  ASSERT(d != NULL);
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    fprintf(stderr, "in %s: %s\n", dir, e->d_name);
    n++;
  }
  closedir(d);
  return n;
}

static void use_native(void) {
  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_NATIVE));
}

static void create_rw(ipcmem_shm *shm, const char *name) {
  ASSERT_OK(
      ipcmem_shm_open(shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
}

/* --- "On failure nothing is left created" ------------------------------ */

/* shm_open has created the object when fchmod fails: the name must go. */
TEST(inject_native_create_fchmod_fails_leaves_nothing) {
  const char *name = test_shm_name(0);
  ipcmem_shm shm, before;
  int fds;

  use_native();
  inject_install();
  memset(&shm, 0xa5, sizeof(shm));
  before = shm;
  fds = count_fds();
  fault_arm(&f_fchmod, 1, EPERM);
  ASSERT_ERR(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EACCES);
  ASSERT_EQ(ipcmem_last_os_error(), EPERM);
  ASSERT_EQ(f_shm_unlink.calls, 1);
  ASSERT(memcmp(&shm, &before, sizeof(shm)) == 0);
  ASSERT_EQ(count_fds(), fds);
  inject_restore();

  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);
  /* The name is free: an exclusive create succeeds. */
  create_rw(&shm, name);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}

/* Runs an emulated create whose fchmod or linkat fails (armed by the
 * caller) and checks the code, the errno and that nothing is left: no
 * object, no temporary file, no descriptor. */
static void emul_create_fails(const char *leaf, fault *f, int err, int code) {
  const char *dir = test_use_private_shm_dir(leaf);
  const char *name = test_shm_name(0);
  ipcmem_shm shm, before;
  int fds;

  inject_install();
  memset(&shm, 0xa5, sizeof(shm));
  before = shm;
  fds = count_fds();
  fault_arm(f, 1, err);
  ASSERT_ERR(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      code);
  ASSERT_EQ(ipcmem_last_os_error(), err);
  ASSERT_EQ(f->calls, 1);
  ASSERT(memcmp(&shm, &before, sizeof(shm)) == 0);
  ASSERT_EQ(count_fds(), fds);
  ASSERT_EQ(count_entries(dir), 0);
  inject_restore();

  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);
  create_rw(&shm, name);
  ASSERT_EQ(ipcmem_shm_backend(&shm), IPCMEM_BACKEND_EMULATED);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
  ASSERT_EQ(count_entries(dir), 0);
  ASSERT(rmdir(dir) == 0);
}

TEST(inject_emul_create_fchmod_fails_leaves_nothing) {
  emul_create_fails("d", &f_fchmod, EPERM, IPCMEM_EACCES);
  /* The object was never published. */
  ASSERT_EQ(f_linkat.calls, 0);
}

TEST(inject_emul_create_linkat_fails_leaves_nothing) {
  emul_create_fails("d", &f_linkat, ENOSPC, IPCMEM_ENOSPC);
  ASSERT_EQ(f_fchmod.calls, 1);
}

/* The descriptor made for the object is closed when sizing it fails, on
 * the memfd path and on the shm_open fallback. */
TEST(inject_anon_ftruncate_fails_closes_fd) {
  ipcmem_anon anon, before;
  int fds, round;

  inject_install();
  memset(&anon, 0xa5, sizeof(anon));
  before = anon;
  for (round = 0; round < 1 + have_memfd; round++) {
    fds = count_fds();
    fault_arm(&f_shm_open, 0, 0);
    /* Round 1 pretends the kernel has no memfd_create. */
    fault_arm(&f_memfd, round == 1, ENOSYS);
    fault_arm(&f_ftruncate, 1, EFBIG);
    ASSERT_ERR(ipcmem_anon_open(&anon, 1u << 20), IPCMEM_ERANGE);
    ASSERT_EQ(ipcmem_last_os_error(), EFBIG);
    ASSERT_EQ(f_ftruncate.calls, 1);
    ASSERT_EQ(f_shm_open.calls, have_memfd ? round : 1);
    ASSERT(memcmp(&anon, &before, sizeof(anon)) == 0);
    ASSERT_EQ(count_fds(), fds);
  }
  inject_restore();
}

/* --- EINTR is retried --------------------------------------------------- */

TEST(inject_eintr_shm_open_retried) {
  const char *name = test_shm_name(0);
  ipcmem_shm a, b;
  ipcmem_region ra, rb;

  use_native();
  inject_install();
  fault_arm(&f_shm_open, 1, EINTR);
  create_rw(&a, name);
  ASSERT_EQ(f_shm_open.calls, 2);
  ASSERT_EQ(ipcmem_shm_created(&a), 1);
  ASSERT_OK(ipcmem_shm_truncate(&a, 4096));
  ASSERT_OK(ipcmem_region_map(&ra, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ((char *)ipcmem_region_addr(&ra))[100] = 'x';

  fault_arm(&f_shm_open, 1, EINTR);
  ASSERT_OK(ipcmem_shm_open(&b, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_EQ(f_shm_open.calls, 2);
  ASSERT_EQ(ipcmem_shm_created(&b), 0);
  ASSERT_OK(ipcmem_region_map(&rb, &b.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_EQ(((const char *)ipcmem_region_addr(&rb))[100], 'x');
  inject_restore();

  ASSERT_OK(ipcmem_region_unmap(&ra));
  ASSERT_OK(ipcmem_region_unmap(&rb));
  ASSERT_OK(ipcmem_shm_close(&a));
  ASSERT_OK(ipcmem_shm_close(&b));
  ASSERT_OK(ipcmem_shm_remove(name));
}

TEST(inject_eintr_ftruncate_retried) {
  const char *name = test_shm_name(0);
  ipcmem_shm shm;
  ipcmem_anon anon;
  uint64_t size;

  use_native();
  create_rw(&shm, name);
  inject_install();
  fault_arm(&f_ftruncate, 1, EINTR);
  ASSERT_OK(ipcmem_shm_truncate(&shm, 8192));
  ASSERT_EQ(f_ftruncate.calls, 2);
  ASSERT_OK(ipcmem_shm_size(&shm, &size));
  ASSERT_U64_EQ(size, 8192);

  fault_arm(&f_ftruncate, 1, EINTR);
  ASSERT_OK(ipcmem_anon_open(&anon, 12345));
  ASSERT_EQ(f_ftruncate.calls, 2);
  ASSERT_OK(ipcmem_mappable_size(&anon.base, &size));
  ASSERT_U64_EQ(size, 12345);
  inject_restore();

  ASSERT_OK(ipcmem_anon_close(&anon));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}

TEST(inject_eintr_fallocate_retried) {
  const char *name = test_shm_name(0);
  ipcmem_shm shm;
  uint64_t size;

  use_native();
  create_rw(&shm, name);
  inject_install();
  if (!have_fallocate) {
    inject_restore();
    ASSERT_OK(ipcmem_shm_close(&shm));
    ASSERT_OK(ipcmem_shm_remove(name));
    test_skip("no posix_fallocate on this system");
  }
  fault_arm(&f_fallocate, 1, EINTR);
  ASSERT_OK(ipcmem_shm_reserve(&shm, 1u << 20));
  ASSERT_EQ(f_fallocate.calls, 2);
  ASSERT_OK(ipcmem_shm_size(&shm, &size));
  ASSERT_U64_EQ(size, 1u << 20);
  inject_restore();

  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}

/* The emulation opens with openat twice: the temporary file of a create,
 * and the published name of an open. */
TEST(inject_eintr_openat_retried) {
  const char *dir = test_use_private_shm_dir("d");
  const char *name = test_shm_name(0);
  ipcmem_shm a, b;
  ipcmem_region ra, rb;

  inject_install();
  fault_arm(&f_openat, 1, EINTR);
  create_rw(&a, name);
  ASSERT_EQ(f_openat.calls, 2);
  ASSERT_EQ(ipcmem_shm_backend(&a), IPCMEM_BACKEND_EMULATED);
  ASSERT_OK(ipcmem_shm_truncate(&a, 4096));
  ASSERT_OK(ipcmem_region_map(&ra, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ((char *)ipcmem_region_addr(&ra))[7] = 'y';

  fault_arm(&f_openat, 1, EINTR);
  ASSERT_OK(ipcmem_shm_open(&b, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_EQ(f_openat.calls, 2);
  ASSERT_EQ(ipcmem_shm_created(&b), 0);
  ASSERT_OK(ipcmem_region_map(&rb, &b.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_EQ(((const char *)ipcmem_region_addr(&rb))[7], 'y');
  inject_restore();

  ASSERT_OK(ipcmem_region_unmap(&ra));
  ASSERT_OK(ipcmem_region_unmap(&rb));
  ASSERT_OK(ipcmem_shm_close(&a));
  ASSERT_OK(ipcmem_shm_close(&b));
  ASSERT_OK(ipcmem_shm_remove(name));
  /* Only the object was ever there: no temporary file survived. */
  ASSERT_EQ(count_entries(dir), 0);
  ASSERT(rmdir(dir) == 0);
}

/* --- Errors translated exactly ------------------------------------------ */

TEST(inject_reserve_enospc_keeps_size) {
  const char *name = test_shm_name(0);
  ipcmem_shm shm;
  uint64_t size;

  use_native();
  create_rw(&shm, name);
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
  inject_install();
  if (!have_fallocate) {
    inject_restore();
    ASSERT_OK(ipcmem_shm_close(&shm));
    ASSERT_OK(ipcmem_shm_remove(name));
    test_skip("no posix_fallocate on this system");
  }
  fault_arm(&f_fallocate, 1, ENOSPC);
  ASSERT_ERR(ipcmem_shm_reserve(&shm, 1u << 20), IPCMEM_ENOSPC);
  ASSERT_EQ(ipcmem_last_os_error(), ENOSPC);
  ASSERT_EQ(f_fallocate.calls, 1);
  inject_restore();
  ASSERT_OK(ipcmem_shm_size(&shm, &size));
  ASSERT_U64_EQ(size, 4096);
  /* A window past the old size is refused: the failed reserve did not
   * raise what the handle believes the object's size to be. */
  {
    ipcmem_region r;

    ASSERT_ERR(
        ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 8192, NULL, 0),
        IPCMEM_ERANGE);
  }

  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}

TEST(inject_shm_open_emfile) {
  const char *name = test_shm_name(0);
  ipcmem_shm shm, before;

  use_native();
  inject_install();
  memset(&shm, 0xa5, sizeof(shm));
  before = shm;
  fault_arm(&f_shm_open, 1, EMFILE);
  ASSERT_ERR(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EMFILE);
  ASSERT_EQ(ipcmem_last_os_error(), EMFILE);
  ASSERT_EQ(f_shm_open.calls, 1);
  ASSERT(memcmp(&shm, &before, sizeof(shm)) == 0);
  inject_restore();
  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);
}

TEST(inject_map_enomem_leaves_region) {
  const char *name = test_shm_name(0);
  ipcmem_shm shm;
  ipcmem_region r, before;

  use_native();
  create_rw(&shm, name);
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
  inject_install();
  memset(&r, 0xa5, sizeof(r));
  before = r;
  fault_arm(&f_mmap, 1, ENOMEM);
  ASSERT_ERR(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0),
             IPCMEM_ENOMEM);
  ASSERT_EQ(ipcmem_last_os_error(), ENOMEM);
  ASSERT_EQ(f_mmap.calls, 1);
  ASSERT(memcmp(&r, &before, sizeof(r)) == 0);

  /* ipcmem_anon_map makes its own mmap call. */
  fault_arm(&f_mmap, 1, ENOMEM);
  ASSERT_ERR(ipcmem_anon_map(&r, 4096), IPCMEM_ENOMEM);
  ASSERT_EQ(ipcmem_last_os_error(), ENOMEM);
  ASSERT(memcmp(&r, &before, sizeof(r)) == 0);
  inject_restore();

  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}

/* memfd_create refused by an old kernel (ENOSYS) or a seccomp filter
 * (EPERM) falls back to shm_open; any other error is the caller's. */
TEST(inject_anon_memfd_fallback) {
  static const int fallback[] = {ENOSYS, EPERM};
  ipcmem_anon anon;
  uint64_t size;
  size_t i;

  inject_install();
  if (!have_memfd) {
    inject_restore();
    test_skip("no memfd_create on this system");
  }
  for (i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++) {
    fault_arm(&f_memfd, 1, fallback[i]);
    fault_arm(&f_shm_open, 0, 0);
    fault_arm(&f_shm_unlink, 0, 0);
    ASSERT_OK(ipcmem_anon_open(&anon, 4096));
    ASSERT_EQ(f_shm_open.calls, 1);
    ASSERT_EQ(f_shm_unlink.calls, 1);
    ASSERT_OK(ipcmem_mappable_size(&anon.base, &size));
    ASSERT_U64_EQ(size, 4096);
    ASSERT_OK(ipcmem_anon_close(&anon));
  }
  fault_arm(&f_memfd, 1, EMFILE);
  fault_arm(&f_shm_open, 0, 0);
  ASSERT_ERR(ipcmem_anon_open(&anon, 4096), IPCMEM_EMFILE);
  ASSERT_EQ(ipcmem_last_os_error(), EMFILE);
  ASSERT_EQ(f_shm_open.calls, 0);
  inject_restore();
}

/* A temporary name left by a crashed process (same pid, same counter) is no
 * reason for create-only to say "exists": the emulation takes another
 * temporary name. */
TEST(inject_emul_stale_temporary_name) {
  const char *dir = test_use_private_shm_dir("d");
  const char *name = test_shm_name(0);
  ipcmem_shm a;

  inject_install();
  fault_arm(&f_openat, 1, EEXIST);
  ASSERT_OK(
      ipcmem_shm_open(&a, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(f_openat.calls, 2);
  ASSERT_EQ(ipcmem_shm_created(&a), 1);
  inject_restore();
  ASSERT_OK(ipcmem_shm_close(&a));
  ASSERT_OK(ipcmem_shm_remove(name));
  ASSERT_EQ(count_entries(dir), 0);
  ASSERT(rmdir(dir) == 0);
}
