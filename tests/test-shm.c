/* Named shared memory objects: ipcmem_shm_open() and everything that works
 * on an open ipcmem_shm. Multi-process behaviour uses real processes
 * (helpers or fork), since that is what shared memory is for. */
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#if defined(__linux__)
#include <linux/magic.h>
#include <sys/vfs.h>
#endif
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static mode_t shm_mode(const ipcmem_shm *shm) {
  struct stat st;

  ASSERT(fstat(ipcmem_mappable_handle(&shm->base), &st) == 0);
  return st.st_mode & 07777;
}

/* Asserts that object k does not exist: an open-only fails with ENOENT. */
static void assert_absent(int k) {
  ipcmem_shm shm;

  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(k), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
}

/* Drops root for good: the supplementary groups first, then the group, then
 * the user (after which the other two can no longer be changed). */
static void drop_privileges(void) {
  ASSERT(setgroups(0, NULL) == 0);
  ASSERT(setgid(65534) == 0);
  ASSERT(setuid(65534) == 0);
  ASSERT(geteuid() == 65534);
}

/* --- open modes ------------------------------------------------------ */

TEST(shm_create_only) {
  ipcmem_shm shm, again;
  const char *name = test_shm_name(0);

  ASSERT_OK(
      ipcmem_shm_open(&shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_created(&shm), 1);
  ASSERT_EQ(ipcmem_mappable_kind(&shm.base), IPCMEM_KIND_SHM);
  ASSERT(ipcmem_mappable_handle(&shm.base) >= 0);
  ASSERT_STR_EQ(ipcmem_shm_name(&shm), name);
  /* A new object is empty until it is truncated. */
  ASSERT_U64_EQ(shm_size(&shm), 0);
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));

  /* A second exclusive creation fails and leaves the object alone. */
  ASSERT_ERR(
      ipcmem_shm_open(&again, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EEXIST);
  ASSERT_EQ(ipcmem_last_os_error(), EEXIST);
  ASSERT_ERR(
      ipcmem_shm_open(&again, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_ONLY, 0),
      IPCMEM_EEXIST);
  ASSERT_U64_EQ(shm_size(&shm), 4096);

  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}

TEST(shm_open_only) {
  ipcmem_shm shm, other;
  ipcmem_region r, r2;
  const char *name = test_shm_name(0);

  ASSERT_ERR(
      ipcmem_shm_open(&shm, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
  /* The failed open must not have created anything. */
  ASSERT_ERR(ipcmem_shm_remove(name), IPCMEM_ENOENT);

  create_mapped(&shm, &r, 0, 4096);
  fill(ipcmem_region_addr(&r), 4096, 1);
  ASSERT_OK(
      ipcmem_shm_open(&other, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_created(&other), 0);
  ASSERT_U64_EQ(shm_size(&other), 4096);
  /* Both handles name the same object: the data is there. */
  ASSERT_OK(
      ipcmem_region_map(&r2, &other.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r2), 4096, 1), 4096);

  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&other));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(name));
}

/* shm_open_or_create, and the helper shm_open_or_create_report that this
 * test runs, are in common/test-shm.c: the Windows suite has them too. */

TEST(shm_open_or_create_across_processes) {
  ipcmem_shm shm;
  ipcmem_region r;
  test_proc p;

  /* The parent creates; the helper finds the object there. */
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_created(&shm), 1);
  test_spawn(&p, "shm_open_or_create_report", "0", NULL);
  ASSERT_EQ(test_proc_join(&p), 10);
  /* The helper did not touch it, since it did not create it. */
  ASSERT_U64_EQ(shm_size(&shm), 0);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));

  /* The helper creates; the parent finds the helper's object and data. */
  test_spawn(&p, "shm_open_or_create_report", "1", NULL);
  ASSERT_EQ(test_proc_join(&p), 11);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(1), IPCMEM_OPEN_OR_CREATE,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_created(&shm), 0);
  ASSERT_U64_EQ(shm_size(&shm), 4096);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 5), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(1)));
}

TEST(shm_bad_open_mode) {
  static const int modes[] = {0, 4, -1, INT_MAX, INT_MIN};
  ipcmem_shm shm;
  size_t i;

  for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    ASSERT_ERR(
        ipcmem_shm_open(&shm, test_shm_name(0), modes[i], IPCMEM_READ_WRITE, 0),
        IPCMEM_EINVAL);
    ASSERT_EQ(ipcmem_last_os_error(), 0);
  }
  assert_absent(0);
}

TEST(shm_bad_access) {
  /* Copy-on-write and read-private are region modes, not object modes. */
  static const int access[] = {
      0, IPCMEM_COPY_ON_WRITE, IPCMEM_READ_PRIVATE, 5, -1, INT_MAX};
  static const int modes[] = {IPCMEM_CREATE_ONLY, IPCMEM_OPEN_OR_CREATE,
                              IPCMEM_OPEN_ONLY};
  ipcmem_shm shm;
  size_t i, j;

  for (i = 0; i < sizeof(access) / sizeof(access[0]); i++) {
    for (j = 0; j < sizeof(modes) / sizeof(modes[0]); j++) {
      ASSERT_ERR(
          ipcmem_shm_open(&shm, test_shm_name(0), modes[j], access[i], 0),
          IPCMEM_EINVAL);
      ASSERT_EQ(ipcmem_last_os_error(), 0);
    }
  }
  assert_absent(0);
}

/* --- permissions ----------------------------------------------------- */

TEST(shm_perms_above_0777) {
  static const unsigned perms[] = {01000, 02600, 04600, 07777, 0xFFFFFFFFu};
  ipcmem_shm shm;
  size_t i;

  for (i = 0; i < sizeof(perms) / sizeof(perms[0]); i++) {
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                               IPCMEM_READ_WRITE, perms[i]),
               IPCMEM_EINVAL);
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                               IPCMEM_READ_WRITE, perms[i]),
               IPCMEM_EINVAL);
  }
  assert_absent(0);
}

TEST(shm_perms_exact_despite_umask) {
  static const struct {
    mode_t umask;
    unsigned perms;
    mode_t expect;
  } cases[] = {
      {077, 0644, 0644}, {077, 0, 0600},    {0, 0, 0600},
      {0, 0666, 0666},   {022, 0777, 0777}, {0777, 0400, 0400},
  };
  ipcmem_shm shm;
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    umask(cases[i].umask);
    ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                              IPCMEM_READ_WRITE, cases[i].perms));
    ASSERT_EQ(shm_mode(&shm), cases[i].expect);
    ASSERT_OK(ipcmem_shm_close(&shm));
    ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  }
  /* Open-or-create that creates applies them exactly too. */
  umask(077);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                            IPCMEM_READ_ONLY, 0664));
  ASSERT_EQ(ipcmem_shm_created(&shm), 1);
  ASSERT_EQ(shm_mode(&shm), 0664);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  umask(022);
}

TEST(shm_perms_ignored_when_opening) {
  ipcmem_shm shm, other;

  umask(0);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0640));
  ASSERT_OK(ipcmem_shm_open(&other, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                            IPCMEM_READ_WRITE, 0666));
  ASSERT_EQ(ipcmem_shm_created(&other), 0);
  ASSERT_OK(ipcmem_shm_close(&other));
  ASSERT_OK(ipcmem_shm_open(&other, test_shm_name(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0777));
  ASSERT_OK(ipcmem_shm_close(&other));
  ASSERT_EQ(shm_mode(&shm), 0640);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  umask(022);
}

TEST(shm_perms_deny_other_user) {
  ipcmem_shm priv, shared;
  pid_t pid;

  if (geteuid() != 0)
    test_skip("needs root to run a child as another user");
  /* Object 0 is root's alone; object 1 others may read but not write. */
  ASSERT_OK(ipcmem_shm_open(&priv, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0600));
  ASSERT_OK(ipcmem_shm_open(&shared, test_shm_name(1), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0644));
  ASSERT_EQ(shm_mode(&priv), 0600);

  fflush(NULL);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    ipcmem_shm shm;

    drop_privileges();
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                               IPCMEM_READ_ONLY, 0),
               IPCMEM_EACCES);
    ASSERT_EQ(ipcmem_last_os_error(), EACCES);
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                               IPCMEM_READ_WRITE, 0),
               IPCMEM_EACCES);
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                               IPCMEM_READ_WRITE, 0),
               IPCMEM_EACCES);
    /* The bits are applied as given: 0644 lets others read, not write. */
    ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(1), IPCMEM_OPEN_ONLY,
                              IPCMEM_READ_ONLY, 0));
    ASSERT_OK(ipcmem_shm_close(&shm));
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(1), IPCMEM_OPEN_ONLY,
                               IPCMEM_READ_WRITE, 0),
               IPCMEM_EACCES);
    /* Removing another user's object from the sticky /dev/shm fails with
     * EPERM, which is a permission error too. */
    ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_EACCES);
    _exit(0);
  }
  ASSERT_EQ(test_wait_pid(pid), 0);

  ASSERT_OK(ipcmem_shm_close(&shared));
  ASSERT_OK(ipcmem_shm_close(&priv));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(1)));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* --- handles --------------------------------------------------------- */

TEST(shm_handle_cloexec) {
  static const int modes[] = {IPCMEM_CREATE_ONLY, IPCMEM_OPEN_ONLY,
                              IPCMEM_OPEN_OR_CREATE};
  static const int access[] = {IPCMEM_READ_WRITE, IPCMEM_READ_ONLY,
                               IPCMEM_READ_WRITE};
  ipcmem_shm shm;
  int flags;
  size_t i;

  for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), modes[i], access[i], 0));
    flags = fcntl(ipcmem_mappable_handle(&shm.base), F_GETFD);
    ASSERT(flags >= 0);
    ASSERT(flags & FD_CLOEXEC);
    ASSERT_OK(ipcmem_shm_close(&shm));
  }
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

TEST(shm_no_follow_symlink) {
  char link[PATH_MAX], target[PATH_MAX];
  ipcmem_shm shm, real;

  /* Created first, so that the backend's directory exists. */
  ASSERT_OK(ipcmem_shm_open(&real, test_shm_name(1), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  snprintf(link, sizeof(link), "%s", test_shm_path(test_shm_name(0)));
  snprintf(target, sizeof(target), "%s", test_shm_path(test_shm_name(1)));
  if (symlink(target, link) != 0) {
    ipcmem_shm_close(&real);
    ipcmem_shm_remove(test_shm_name(1));
    test_skip("cannot plant a symbolic link at %s", link);
  }

  /* Name 0 is a link to an existing object; ipcmem refuses to follow it
   * whichever way it is opened. */
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_ESYMLINK);
  ASSERT_EQ(ipcmem_last_os_error(), ELOOP);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_ESYMLINK);
  ASSERT_EQ(ipcmem_last_os_error(), ELOOP);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_EEXIST);

  /* Removing the name removes the link, not its target. */
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  ASSERT_OK(ipcmem_shm_close(&real));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(1)));
}

/* --- size ------------------------------------------------------------ */

TEST(shm_truncate_grow_and_shrink) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t page = ipcmem_page_size(), big = 3 * page + 1;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_U64_EQ(shm_size(&shm), 0);
  /* Sizes need not be page multiples. */
  ASSERT_OK(ipcmem_shm_truncate(&shm, big));
  ASSERT_U64_EQ(shm_size(&shm), big);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_size(&r), big);
  ASSERT(all_zero(ipcmem_region_addr(&r), big));
  fill(ipcmem_region_addr(&r), big, 2);
  ASSERT_OK(ipcmem_region_unmap(&r));

  /* Shrinking discards the tail and keeps the head. */
  ASSERT_OK(ipcmem_shm_truncate(&shm, 100));
  ASSERT_U64_EQ(shm_size(&shm), 100);
  /* Growing again brings zeros back, not the discarded bytes. */
  ASSERT_OK(ipcmem_shm_truncate(&shm, 2 * page));
  ASSERT_U64_EQ(shm_size(&shm), 2 * page);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 100, 2), 100);
  ASSERT(all_zero((char *)ipcmem_region_addr(&r) + 100, 2 * page - 100));
  ASSERT_OK(ipcmem_region_unmap(&r));

  /* Back to empty, and the size query follows. */
  ASSERT_OK(ipcmem_shm_truncate(&shm, 0));
  ASSERT_U64_EQ(shm_size(&shm), 0);

  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

TEST(shm_truncate_above_int64_max) {
  static const uint64_t sizes[] = {UINT64_MAX, (uint64_t)INT64_MAX + 1,
                                   (uint64_t)1 << 63 | 4096};
  ipcmem_shm shm;
  size_t i;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    ASSERT_ERR(ipcmem_shm_truncate(&shm, sizes[i]), IPCMEM_EINVAL);
    ASSERT_EQ(ipcmem_last_os_error(), 0);
    ASSERT_ERR(ipcmem_shm_reserve(&shm, sizes[i]), IPCMEM_EINVAL);
    ASSERT_EQ(ipcmem_last_os_error(), 0);
  }
  ASSERT_U64_EQ(shm_size(&shm), 4096);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* INT64_MAX is representable, so whether it works is the system's call.
 * Linux tmpfs objects are sparse and accept it (nothing is allocated);
 * a system that refuses must say so with ERANGE (EFBIG). */
/* True when the current backend keeps objects on tmpfs (native shm on
 * Linux; the emulation when its directory is on tmpfs). Sparse tmpfs files
 * accept any size below 2^63, and tmpfs refuses a reservation beyond its
 * size with ENOSPC; a disk file system refuses both with EFBIG first. */
static int backing_is_tmpfs(void) {
#if defined(__linux__)
  struct statfs sf;
  char dir[PATH_MAX], *slash;

  snprintf(dir, sizeof(dir), "%s", test_shm_path("x"));
  slash = strrchr(dir, '/');
  if (slash != NULL)
    *slash = '\0';
  return statfs(dir, &sf) == 0 && sf.f_type == TMPFS_MAGIC;
#else
  return 0;
#endif
}

TEST(shm_truncate_int64_max) {
  ipcmem_shm shm;
  int rc;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  rc = ipcmem_shm_truncate(&shm, (uint64_t)INT64_MAX);
  if (backing_is_tmpfs())
    ASSERT_OK(rc);
  if (rc == 0) {
    ASSERT_U64_EQ(shm_size(&shm), (uint64_t)INT64_MAX);
  } else {
    ASSERT_ERR(rc, IPCMEM_ERANGE);
    ASSERT_EQ(ipcmem_last_os_error(), EFBIG);
    ASSERT_U64_EQ(shm_size(&shm), 0);
  }
  ASSERT_OK(ipcmem_shm_truncate(&shm, 0));
  ASSERT_U64_EQ(shm_size(&shm), 0);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* RLIMIT_FSIZE is the portable way to make the system say EFBIG ("larger
 * than the system allows") for a size it would otherwise accept. */
TEST(shm_size_limit_erange) {
  ipcmem_shm shm;
  pid_t pid;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
  fflush(NULL);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    struct rlimit rl;

    /* Going over the limit also raises SIGXFSZ, which would kill us. */
    signal(SIGXFSZ, SIG_IGN);
    rl.rlim_cur = rl.rlim_max = 1 << 20;
    ASSERT(setrlimit(RLIMIT_FSIZE, &rl) == 0);
    ASSERT_ERR(ipcmem_shm_truncate(&shm, 2 << 20), IPCMEM_ERANGE);
    ASSERT_EQ(ipcmem_last_os_error(), EFBIG);
    ASSERT_U64_EQ(shm_size(&shm), 4096);
    ASSERT_ERR(ipcmem_shm_reserve(&shm, 2 << 20), IPCMEM_ERANGE);
    ASSERT_EQ(ipcmem_last_os_error(), EFBIG);
    ASSERT_U64_EQ(shm_size(&shm), 4096);
    /* Within the limit both still work. */
    ASSERT_OK(ipcmem_shm_reserve(&shm, 1 << 20));
    ASSERT_U64_EQ(shm_size(&shm), 1 << 20);
    _exit(0);
  }
  ASSERT_EQ(test_wait_pid(pid), 0);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* --- reserve --------------------------------------------------------- */

TEST(shm_reserve_grows_never_shrinks) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t page = ipcmem_page_size();
  struct stat st;
  int rc;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  /* Reserving nothing is a no-op, even on an empty object. */
  ASSERT_OK(ipcmem_shm_reserve(&shm, 0));
  ASSERT_U64_EQ(shm_size(&shm), 0);

  ASSERT_OK(ipcmem_shm_truncate(&shm, 100));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 100, 3);
  ASSERT_OK(ipcmem_region_unmap(&r));

  rc = ipcmem_shm_reserve(&shm, 4 * page);
  if (rc == IPCMEM_ENOTSUP)
    test_skip("this system cannot reserve space for shared memory");
  ASSERT_OK(rc);
  ASSERT_U64_EQ(shm_size(&shm), 4 * page);
  /* The backing store is really there: reserving allocates it. */
  ASSERT(fstat(ipcmem_mappable_handle(&shm.base), &st) == 0);
  ASSERT((uint64_t)st.st_blocks * 512 >= 4 * page);
  /* Growing kept the old bytes and added zeros. */
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 100, 3), 100);
  ASSERT(all_zero((char *)ipcmem_region_addr(&r) + 100, 4 * page - 100));
  ASSERT_OK(ipcmem_region_unmap(&r));

  /* Reserving less than the size, or exactly the size, never shrinks. */
  ASSERT_OK(ipcmem_shm_reserve(&shm, page));
  ASSERT_U64_EQ(shm_size(&shm), 4 * page);
  ASSERT_OK(ipcmem_shm_reserve(&shm, 4 * page));
  ASSERT_U64_EQ(shm_size(&shm), 4 * page);
  ASSERT_OK(ipcmem_shm_reserve(&shm, 1));
  ASSERT_U64_EQ(shm_size(&shm), 4 * page);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 100, 3), 100);
  ASSERT_OK(ipcmem_region_unmap(&r));

  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* 1 PiB is more than any test machine has: the reservation must fail up
 * front with ENOSPC and leave the object exactly as it was. */
TEST(shm_reserve_absurd_enospc) {
  static const uint64_t sizes[] = {(uint64_t)1 << 50, (uint64_t)INT64_MAX};
  ipcmem_shm shm;
  ipcmem_region r;
  size_t page = ipcmem_page_size(), i;
  int rc;

  create_mapped(&shm, &r, 0, 2 * page);
  fill(ipcmem_region_addr(&r), 2 * page, 4);
  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    rc = ipcmem_shm_reserve(&shm, sizes[i]);
    if (rc == IPCMEM_ENOTSUP)
      test_skip("this system cannot reserve space for shared memory");
    if (backing_is_tmpfs() || rc != IPCMEM_ERANGE) {
      ASSERT_ERR(rc, IPCMEM_ENOSPC);
      ASSERT_EQ(ipcmem_last_os_error(), ENOSPC);
    } else {
      /* A disk file system's maximum file size comes first: EFBIG. */
      ASSERT_EQ(ipcmem_last_os_error(), EFBIG);
    }
    ASSERT_U64_EQ(shm_size(&shm), 2 * page);
    ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 2 * page, 4), 2 * page);
  }
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* --- access ---------------------------------------------------------- */

TEST(shm_read_only_object) {
  ipcmem_shm rw, ro, created_ro;
  uint64_t size;

  ASSERT_OK(ipcmem_shm_open(&rw, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&rw, 4096));
  ASSERT_OK(ipcmem_shm_open(&ro, test_shm_name(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0));
  /* Reading the size is allowed; changing it is not. */
  ASSERT_OK(ipcmem_shm_size(&ro, &size));
  ASSERT_U64_EQ(size, 4096);
  ASSERT_ERR(ipcmem_shm_truncate(&ro, 8192), IPCMEM_EMODE);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_shm_truncate(&ro, 0), IPCMEM_EMODE);
  ASSERT_ERR(ipcmem_shm_reserve(&ro, 8192), IPCMEM_EMODE);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_shm_reserve(&ro, 0), IPCMEM_EMODE);
  ASSERT_U64_EQ(shm_size(&rw), 4096);

  /* An object created read-only is just as read-only. */
  ASSERT_OK(ipcmem_shm_open(&created_ro, test_shm_name(1), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_ONLY, 0));
  ASSERT_EQ(ipcmem_shm_created(&created_ro), 1);
  ASSERT_ERR(ipcmem_shm_truncate(&created_ro, 4096), IPCMEM_EMODE);
  ASSERT_ERR(ipcmem_shm_reserve(&created_ro, 4096), IPCMEM_EMODE);
  ASSERT_U64_EQ(shm_size(&created_ro), 0);

  ASSERT_OK(ipcmem_shm_close(&created_ro));
  ASSERT_OK(ipcmem_shm_close(&ro));
  ASSERT_OK(ipcmem_shm_close(&rw));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(1)));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

TEST(shm_read_only_object_mappings) {
  ipcmem_shm rw, ro;
  ipcmem_region wr, r;
  unsigned char *p;

  create_mapped(&rw, &wr, 0, 4096);
  fill(ipcmem_region_addr(&wr), 4096, 6);
  ASSERT_OK(ipcmem_shm_open(&ro, test_shm_name(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0));

  ASSERT_ERR(ipcmem_region_map(&r, &ro.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0),
             IPCMEM_EMODE);
  ASSERT_EQ(ipcmem_last_os_error(), 0);

  ASSERT_OK(ipcmem_region_map(&r, &ro.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&r), IPCMEM_READ_ONLY);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 6), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));

  ASSERT_OK(
      ipcmem_region_map(&r, &ro.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&r), IPCMEM_READ_PRIVATE);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 6), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));

  /* Copy-on-write is writable even on a read-only object, and its writes
   * stay private. */
  ASSERT_OK(
      ipcmem_region_map(&r, &ro.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&r), IPCMEM_COPY_ON_WRITE);
  p = ipcmem_region_addr(&r);
  ASSERT_U64_EQ(check(p, 4096, 6), 4096);
  memset(p, 0xEE, 4096);
  ASSERT_EQ(p[4095], 0xEE);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&wr), 4096, 6), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));

  ASSERT_OK(ipcmem_region_unmap(&wr));
  ASSERT_OK(ipcmem_shm_close(&ro));
  ASSERT_OK(ipcmem_shm_close(&rw));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* --- names ----------------------------------------------------------- */

TEST(shm_name_without_slash) {
  char slashed[64];
  ipcmem_shm a, b;
  ipcmem_region ra, rb;
  const char *name = test_shm_name(0);

  snprintf(slashed, sizeof(slashed), "/%s", name);
  /* Created with the slash, the name reads back without it. */
  ASSERT_OK(
      ipcmem_shm_open(&a, slashed, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_STR_EQ(ipcmem_shm_name(&a), name);
  ASSERT_OK(ipcmem_shm_truncate(&a, 4096));
  ASSERT_OK(ipcmem_region_map(&ra, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));

  /* Without the slash it is the same object. */
  ASSERT_ERR(
      ipcmem_shm_open(&b, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EEXIST);
  ASSERT_OK(ipcmem_shm_open(&b, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_STR_EQ(ipcmem_shm_name(&b), name);
  ASSERT_OK(ipcmem_region_map(&rb, &b.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&rb), 4096, 7);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&ra), 4096, 7), 4096);
  ASSERT_OK(ipcmem_region_unmap(&rb));
  ASSERT_OK(ipcmem_shm_close(&b));

  /* Removed by the other spelling, it is gone for both. */
  ASSERT_OK(ipcmem_shm_remove(name));
  ASSERT_ERR(ipcmem_shm_remove(slashed), IPCMEM_ENOENT);
  ASSERT_OK(ipcmem_region_unmap(&ra));
  ASSERT_OK(ipcmem_shm_close(&a));
}

/* --- remove ---------------------------------------------------------- */

TEST(shm_remove_absent) {
  char slashed[64];

  snprintf(slashed, sizeof(slashed), "/%s", test_shm_name(0));
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
  ASSERT_ERR(ipcmem_shm_remove(slashed), IPCMEM_ENOENT);
}

TEST(shm_remove_twice) {
  ipcmem_shm shm;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
  assert_absent(0);
}

TEST(shm_remove_while_mapped) {
  ipcmem_shm old, fresh;
  ipcmem_region r, r2;
  size_t page = ipcmem_page_size();
  unsigned char *p;

  create_mapped(&old, &r, 0, 2 * page);
  fill(ipcmem_region_addr(&r), 2 * page, 8);
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  assert_absent(0);

  /* The old mapping and handle keep working: reads, writes, size. */
  p = ipcmem_region_addr(&r);
  ASSERT_U64_EQ(check(p, 2 * page, 8), 2 * page);
  fill(p, 2 * page, 9);
  ASSERT_U64_EQ(check(p, 2 * page, 9), 2 * page);
  ASSERT_U64_EQ(shm_size(&old), 2 * page);

  /* The name is free at once, for a different, empty object. */
  ASSERT_OK(ipcmem_shm_open(&fresh, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_created(&fresh), 1);
  ASSERT_U64_EQ(shm_size(&fresh), 0);
  ASSERT_OK(ipcmem_shm_truncate(&fresh, 2 * page));
  ASSERT_U64_EQ(shm_size(&old), 2 * page);
  ASSERT_OK(
      ipcmem_region_map(&r2, &fresh.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT(all_zero(ipcmem_region_addr(&r2), 2 * page));
  /* Writes through the old mapping do not reach the new object, nor the
   * reverse. */
  memset(p, 0x5A, 2 * page);
  ASSERT(all_zero(ipcmem_region_addr(&r2), 2 * page));
  fill(ipcmem_region_addr(&r2), 2 * page, 10);
  ASSERT_EQ(p[0], 0x5A);
  ASSERT_EQ(p[2 * page - 1], 0x5A);

  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&fresh));
  ASSERT_OK(ipcmem_shm_close(&old));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* Maps object argv[0] read-only (argv[1] bytes, pattern 11 expected),
 * closes it, says ready, and after "go" checks that the name is gone but
 * its mapping shows pattern 12, which the test wrote after removing it. */
HELPER(shm_removed_but_mapped) {
  ipcmem_shm shm;
  ipcmem_region r;
  size_t size;

  ASSERT(argc == 2);
  size = (size_t)strtoul(argv[1], NULL, 10);
  ASSERT_OK(
      ipcmem_shm_open(&shm, argv[0], IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_U64_EQ(ipcmem_region_size(&r), size);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), size, 11), size);
  helper_ready();
  helper_wait_go();
  ASSERT_ERR(
      ipcmem_shm_open(&shm, argv[0], IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0),
      IPCMEM_ENOENT);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), size, 12), size);
  ASSERT_OK(ipcmem_region_unmap(&r));
  return 0;
}

TEST(shm_remove_while_helper_maps) {
  char size_arg[32];
  ipcmem_shm shm;
  ipcmem_region r;
  size_t size = 3 * ipcmem_page_size();
  test_proc p;

  create_mapped(&shm, &r, 0, size);
  fill(ipcmem_region_addr(&r), size, 11);
  snprintf(size_arg, sizeof(size_arg), "%zu", size);
  test_spawn(&p, "shm_removed_but_mapped", test_shm_name(0), size_arg, NULL);
  test_proc_wait_ready(&p);

  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  ASSERT_OK(ipcmem_shm_close(&shm));
  fill(ipcmem_region_addr(&r), size, 12);
  test_proc_go(&p);
  ASSERT_EQ(test_proc_join(&p), 0);
  ASSERT_OK(ipcmem_region_unmap(&r));
}

/* --- across processes ------------------------------------------------ */

/* Opens object argv[0] read-only and verifies its argv[1] bytes of pattern
 * 13; then opens it read-write, writes pattern 14 and says ready. */
HELPER(shm_verify_then_write) {
  ipcmem_shm shm;
  ipcmem_region r;
  uint64_t size;
  size_t expect;

  ASSERT(argc == 2);
  expect = (size_t)strtoul(argv[1], NULL, 10);
  ASSERT_OK(
      ipcmem_shm_open(&shm, argv[0], IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_EQ(ipcmem_shm_created(&shm), 0);
  ASSERT_OK(ipcmem_shm_size(&shm, &size));
  ASSERT_U64_EQ(size, expect);
  ASSERT_ERR(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0),
             IPCMEM_EMODE);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), expect, 13), expect);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));

  ASSERT_OK(
      ipcmem_shm_open(&shm, argv[0], IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), expect, 14);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  helper_ready();
  return 0;
}

TEST(shm_cross_process_data) {
  char size_arg[32];
  ipcmem_shm shm;
  ipcmem_region r;
  /* Not a page multiple, so the last partial page is checked too. */
  size_t size = 5 * ipcmem_page_size() + 123;
  test_proc p;

  create_mapped(&shm, &r, 0, size);
  fill(ipcmem_region_addr(&r), size, 13);
  snprintf(size_arg, sizeof(size_arg), "%zu", size);
  test_spawn(&p, "shm_verify_then_write", test_shm_name(0), size_arg, NULL);
  test_proc_wait_ready(&p);
  ASSERT_EQ(test_proc_join(&p), 0);
  /* The helper's writes are visible through the mapping made before. */
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), size, 14), size);

  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* --- closed, zeroed and NULL objects ---------------------------------- */

TEST(shm_close_twice) {
  ipcmem_shm shm;
  ipcmem_region r;

  create_mapped(&shm, &r, 0, 4096);
  fill(ipcmem_region_addr(&r), 4096, 15);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_EQ(ipcmem_mappable_kind(&shm.base), IPCMEM_KIND_NONE);
  ASSERT_EQ(ipcmem_mappable_handle(&shm.base), IPCMEM_OS_HANDLE_INVALID);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_close(&shm));
  /* The region outlives the handle. */
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 15), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

TEST(shm_close_zeroed) {
  ipcmem_shm shm;

  memset(&shm, 0, sizeof(shm));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT(ipcmem_shm_name(&shm) == NULL);
  ASSERT_EQ(ipcmem_shm_created(&shm), 0);
  ASSERT_EQ(ipcmem_mappable_kind(&shm.base), IPCMEM_KIND_NONE);
  ASSERT_EQ(ipcmem_mappable_handle(&shm.base), IPCMEM_OS_HANDLE_INVALID);
}

/* Every operation on `shm`, which is not open, must refuse with EINVAL
 * before touching the system. */
static void assert_not_open(ipcmem_shm *shm) {
  ipcmem_region r;
  uint64_t size = 42;

  ASSERT_ERR(ipcmem_shm_truncate(shm, 4096), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_shm_reserve(shm, 4096), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_shm_reserve(shm, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_size(shm, &size), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_U64_EQ(size, 42);
  ASSERT_ERR(ipcmem_mappable_size(&shm->base, &size), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 42);
  ASSERT_ERR(ipcmem_region_map(&r, &shm->base, IPCMEM_READ_ONLY, 0, 0, NULL, 0),
             IPCMEM_EINVAL);
  ASSERT(ipcmem_shm_name(shm) == NULL);
  ASSERT_EQ(ipcmem_shm_created(shm), 0);
  ASSERT_EQ(ipcmem_mappable_kind(&shm->base), IPCMEM_KIND_NONE);
  ASSERT_EQ(ipcmem_mappable_handle(&shm->base), IPCMEM_OS_HANDLE_INVALID);
}

TEST(shm_closed_object_einval) {
  ipcmem_shm shm;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
  ASSERT_OK(ipcmem_shm_close(&shm));
  assert_not_open(&shm);
  /* Refusing did not touch the object. */
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0));
  ASSERT_U64_EQ(shm_size(&shm), 4096);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

TEST(shm_zeroed_object_einval) {
  ipcmem_shm shm;

  memset(&shm, 0, sizeof(shm));
  assert_not_open(&shm);
}

TEST(shm_null_pointers) {
  ipcmem_shm shm;
  uint64_t size = 42;

  ASSERT_ERR(ipcmem_shm_open(NULL, test_shm_name(0), IPCMEM_CREATE_ONLY,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_open(NULL, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_shm_open(&shm, NULL, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EINVAL);
  assert_absent(0);
  ASSERT_ERR(ipcmem_shm_close(NULL), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_truncate(NULL, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_reserve(NULL, 0), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_size(NULL, &size), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 42);
  ASSERT(ipcmem_shm_name(NULL) == NULL);
  ASSERT_EQ(ipcmem_shm_created(NULL), 0);
  ASSERT_ERR(ipcmem_shm_remove(NULL), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_mappable_size(NULL, &size), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_mappable_kind(NULL), IPCMEM_KIND_NONE);
  ASSERT_EQ(ipcmem_mappable_handle(NULL), IPCMEM_OS_HANDLE_INVALID);

  /* A NULL size pointer on a perfectly open object. */
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_ERR(ipcmem_shm_size(&shm, NULL), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_mappable_size(&shm.base, NULL), IPCMEM_EINVAL);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* If the descriptor is closed behind the library's back, close still
 * reports the system's error and marks the struct closed, so a second close
 * is the usual no-op. */
TEST(shm_close_reports_system_error) {
  ipcmem_shm shm;
  uint64_t size = 42;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT(close(ipcmem_mappable_handle(&shm.base)) == 0);
  /* A failing system call leaves the output alone, too. */
  ASSERT(ipcmem_shm_size(&shm, &size) != 0);
  ASSERT_EQ(ipcmem_last_os_error(), EBADF);
  ASSERT_U64_EQ(size, 42);
  ASSERT(ipcmem_shm_close(&shm) != 0);
  ASSERT_EQ(ipcmem_last_os_error(), EBADF);
  ASSERT_EQ(ipcmem_mappable_kind(&shm.base), IPCMEM_KIND_NONE);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* --- resource exhaustion --------------------------------------------- */

/* With no descriptor left, opening fails with EMFILE and, as promised for
 * every failure, leaves nothing created. */
TEST(shm_emfile_creates_nothing) {
  pid_t pid;

  fflush(NULL);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    ipcmem_shm shm;
    struct rlimit rl;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    ASSERT(fd >= 0);
    ASSERT(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    rl.rlim_cur = 32;
    ASSERT(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    /* Use up every descriptor below the limit. */
    while (dup(fd) >= 0)
      ;
    ASSERT_EQ(errno, EMFILE);
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                               IPCMEM_READ_WRITE, 0),
               IPCMEM_EMFILE);
    ASSERT_EQ(ipcmem_last_os_error(), EMFILE);
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                               IPCMEM_READ_WRITE, 0),
               IPCMEM_EMFILE);
    _exit(0);
  }
  ASSERT_EQ(test_wait_pid(pid), 0);
  assert_absent(0);
}
