/* The backends of named shared memory objects: choosing one, the emulation's
 * directory and its safety checks, atomic publication, and the automatic
 * fall-back when the system has no native shared memory. The behaviour of
 * objects themselves is covered by the shm_/region_/name_ suites, which
 * CTest runs once per backend. */
#include "internal.h"
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int path_exists(const char *path) {
  struct stat st;

  return lstat(path, &st) == 0;
}

static void create_sized(ipcmem_shm *shm, const char *name, uint64_t size) {
  ASSERT_OK(
      ipcmem_shm_open(shm, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(shm, size));
}

/* Removes a directory made by use_private_dir, which must be empty. */
static void remove_dir(const char *dir) { ASSERT(rmdir(dir) == 0); }

TEST(backend_env_selects) {
  int b;

  ASSERT(setenv("IPCMEM_SHM_BACKEND", "native", 1) == 0);
  ASSERT_OK(ipcmem_shm_get_backend(&b));
  ASSERT_EQ(b, IPCMEM_BACKEND_NATIVE);
  ASSERT(setenv("IPCMEM_SHM_BACKEND", "emulated", 1) == 0);
  ASSERT_OK(ipcmem_shm_get_backend(&b));
  ASSERT_EQ(b, IPCMEM_BACKEND_EMULATED);
  /* Unset or empty: the build's default, native here. */
  ASSERT(unsetenv("IPCMEM_SHM_BACKEND") == 0);
  ASSERT_OK(ipcmem_shm_get_backend(&b));
  ASSERT_EQ(b, IPCMEM__SHM_EMULATED_DEFAULT ? IPCMEM_BACKEND_EMULATED
                                            : IPCMEM_BACKEND_NATIVE);
  ASSERT(setenv("IPCMEM_SHM_BACKEND", "", 1) == 0);
  ASSERT_OK(ipcmem_shm_get_backend(&b));
  ASSERT_ERR(ipcmem_shm_get_backend(NULL), IPCMEM_EINVAL);
}

TEST(backend_env_unknown_is_an_error) {
  static const char *const bad[] = {"Native", "emulate", "posix",
                                    "1",      " native", "native "};
  ipcmem_shm shm;
  size_t i;
  int b = 12345;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ASSERT(setenv("IPCMEM_SHM_BACKEND", bad[i], 1) == 0);
    ASSERT_ERR(ipcmem_shm_get_backend(&b), IPCMEM_ECONFIG);
    ASSERT_EQ(b, 12345);
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                               IPCMEM_READ_WRITE, 0),
               IPCMEM_ECONFIG);
    ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ECONFIG);
  }
  /* Nothing was created in either backend. */
  ASSERT(setenv("IPCMEM_SHM_BACKEND", "native", 1) == 0);
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
  test_use_private_shm_dir("d");
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
}

TEST(backend_api_overrides_env) {
  ipcmem_shm shm;
  int b;

  ASSERT(setenv("IPCMEM_SHM_BACKEND", "bogus", 1) == 0);
  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_NATIVE));
  ASSERT_OK(ipcmem_shm_get_backend(&b));
  ASSERT_EQ(b, IPCMEM_BACKEND_NATIVE);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_backend(&shm), IPCMEM_BACKEND_NATIVE);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  /* DEFAULT hands the choice back to the environment. */
  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_DEFAULT));
  ASSERT_ERR(ipcmem_shm_get_backend(&b), IPCMEM_ECONFIG);
  ASSERT_ERR(ipcmem_shm_set_backend(3), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_set_backend(-1), IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_shm_backend(NULL), 0);
}

/* The two backends are separate namespaces; the emulation never touches
 * /dev/shm, and the native backend never touches the directory. */
TEST(backend_separate_namespaces) {
  char in_dir[PATH_MAX + 64];
  const char *dir = test_use_private_shm_dir("d");
  const char *name = test_shm_name(0);
  ipcmem_shm emu, nat;
  uint64_t size;

  snprintf(in_dir, sizeof(in_dir), "%s/%s", dir, name);
  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_EMULATED));
  create_sized(&emu, name, 1000);
  ASSERT_EQ(ipcmem_shm_backend(&emu), IPCMEM_BACKEND_EMULATED);
  ASSERT(path_exists(in_dir));
  ASSERT(!path_exists(test_shm_path(name)) ||
         strcmp(test_shm_path(name), in_dir) == 0);
  {
    char dev[128];

    snprintf(dev, sizeof(dev), "/dev/shm/%s", name);
    ASSERT(!path_exists(dev));
  }

  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_NATIVE));
  ASSERT_ERR(ipcmem_shm_open(&nat, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
  create_sized(&nat, name, 2000);
  ASSERT_EQ(ipcmem_shm_backend(&nat), IPCMEM_BACKEND_NATIVE);
  ASSERT_OK(ipcmem_shm_size(&emu, &size));
  ASSERT_U64_EQ(size, 1000);
  ASSERT_OK(ipcmem_shm_close(&nat));
  ASSERT_OK(ipcmem_shm_remove(name));
  ASSERT(path_exists(in_dir));

  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_EMULATED));
  ASSERT_OK(ipcmem_shm_close(&emu));
  ASSERT_OK(ipcmem_shm_remove(name));
  ASSERT(!path_exists(in_dir));
  remove_dir(dir);
}

TEST(backend_dir_resolution) {
  char buf[PATH_MAX], want[PATH_MAX];

  ASSERT(setenv("IPCMEM_SHARED_DIR", "/some/where", 1) == 0);
  ASSERT_OK(ipcmem_shm_dir(buf, sizeof(buf)));
  ASSERT_STR_EQ(buf, "/some/where");
  /* Relative: two programs in different directories would disagree. */
  ASSERT(setenv("IPCMEM_SHARED_DIR", "rel/dir", 1) == 0);
  ASSERT_ERR(ipcmem_shm_dir(buf, sizeof(buf)), IPCMEM_ECONFIG);

  ASSERT(unsetenv("IPCMEM_SHARED_DIR") == 0);
  ASSERT(setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1) == 0);
  ASSERT_OK(ipcmem_shm_dir(buf, sizeof(buf)));
  ASSERT_STR_EQ(buf, "/run/user/4242/ipcmem");

  ASSERT(unsetenv("XDG_RUNTIME_DIR") == 0);
  ASSERT(setenv("TMPDIR", "/var/tmp", 1) == 0);
  snprintf(want, sizeof(want), "/var/tmp/ipcmem-%lu", (unsigned long)geteuid());
  ASSERT_OK(ipcmem_shm_dir(buf, sizeof(buf)));
  ASSERT_STR_EQ(buf, want);

  ASSERT(unsetenv("TMPDIR") == 0);
  snprintf(want, sizeof(want), "/tmp/ipcmem-%lu", (unsigned long)geteuid());
  ASSERT_OK(ipcmem_shm_dir(buf, sizeof(buf)));
  ASSERT_STR_EQ(buf, want);

  ASSERT_ERR(ipcmem_shm_dir(buf, 5), IPCMEM_ERANGE);
  ASSERT_ERR(ipcmem_shm_dir(NULL, 10), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_shm_dir(buf, 0), IPCMEM_EINVAL);
}

/* A directory that does not exist yet is created owner-only on first use
 * (and not by a mere open or remove). */
TEST(backend_dir_created_0700) {
  const char *dir = test_use_private_shm_dir("new");
  ipcmem_shm shm;
  struct stat st;
  mode_t old = umask(0);

  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
  ASSERT(!path_exists(dir));
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  umask(old);
  ASSERT(lstat(dir, &st) == 0);
  ASSERT(S_ISDIR(st.st_mode));
  ASSERT_EQ(st.st_mode & 07777, 0700);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  remove_dir(dir);
}

TEST(backend_dir_wrong_owner) {
  const char *dir = test_use_private_shm_dir("owned");
  ipcmem_shm shm;

  if (geteuid() != 0)
    test_skip("needs root to give the directory to another user");
  ASSERT(mkdir(dir, 0700) == 0);
  ASSERT(chown(dir, 65534, 65534) == 0);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_EINSECURE);
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_EINSECURE);
  /* Root's directories are trusted like one's own. */
  ASSERT(chown(dir, 0, 0) == 0);
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  remove_dir(dir);
}

TEST(backend_dir_wrong_permissions) {
  static const mode_t unsafe[] = {0777, 0770, 0730, 0703, 0722};
  static const mode_t safe[] = {0700, 0755, 01777, 01770, 0750};
  const char *dir = test_use_private_shm_dir("perm");
  ipcmem_shm shm;
  size_t i;

  ASSERT(mkdir(dir, 0700) == 0);
  for (i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
    ASSERT(chmod(dir, unsafe[i]) == 0);
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                               IPCMEM_READ_WRITE, 0),
               IPCMEM_EINSECURE);
    ASSERT_EQ(ipcmem_last_os_error(), 0);
  }
  for (i = 0; i < sizeof(safe) / sizeof(safe[0]); i++) {
    ASSERT(chmod(dir, safe[i]) == 0);
    ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                              IPCMEM_READ_WRITE, 0));
    ASSERT_OK(ipcmem_shm_close(&shm));
    ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  }
  remove_dir(dir);
}

/* The directory itself must not be a symbolic link (someone else's link
 * could point it anywhere), nor a file. */
TEST(backend_dir_symlink_or_file) {
  char real[PATH_MAX];
  const char *dir = test_use_private_shm_dir("link");
  ipcmem_shm shm;
  int fd;

  snprintf(real, sizeof(real), "%s/real", test_tmp_dir());
  ASSERT(mkdir(real, 0700) == 0);
  ASSERT(symlink(real, dir) == 0);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_ESYMLINK);
  ASSERT(unlink(dir) == 0);
  ASSERT(rmdir(real) == 0);

  fd = open(dir, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT(fd >= 0);
  close(fd);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_EINSECURE);
  ASSERT(unlink(dir) == 0);
}

/* A symbolic link planted where an object will be created is never
 * followed: the call fails and the victim file is untouched. */
TEST(backend_planted_symlink) {
  static const int modes[] = {IPCMEM_CREATE_ONLY, IPCMEM_OPEN_OR_CREATE,
                              IPCMEM_OPEN_ONLY};
  static const int codes[] = {IPCMEM_EEXIST, IPCMEM_ESYMLINK, IPCMEM_ESYMLINK};
  char victim[PATH_MAX], link[PATH_MAX + 64];
  const char *dir = test_use_private_shm_dir("plant");
  struct stat before, after;
  ipcmem_shm shm;
  size_t i;
  int fd;

  snprintf(victim, sizeof(victim), "%s", test_tmp_path(0));
  fd = open(victim, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ASSERT(fd >= 0);
  ASSERT(write(fd, "precious", 8) == 8);
  close(fd);
  ASSERT(stat(victim, &before) == 0);

  ASSERT(mkdir(dir, 0700) == 0);
  snprintf(link, sizeof(link), "%s/%s", dir, test_shm_name(0));
  ASSERT(symlink(victim, link) == 0);
  for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), modes[i],
                               IPCMEM_READ_WRITE, 0600),
               codes[i]);
  }
  ASSERT(stat(victim, &after) == 0);
  ASSERT_EQ(after.st_size, 8);
  ASSERT_EQ(after.st_mode & 07777, 0644);
  ASSERT(after.st_ino == before.st_ino);
  ASSERT(after.st_mtime == before.st_mtime);

  /* Removing the name removes the link only. */
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  ASSERT(!path_exists(link));
  ASSERT(path_exists(victim));
  ASSERT(unlink(victim) == 0);
  remove_dir(dir);
}

/* Something else than a regular file under an object's name (a FIFO that
 * would block, a directory) is refused, without blocking. */
TEST(backend_planted_fifo_and_dir) {
  char path[PATH_MAX + 64];
  const char *dir = test_use_private_shm_dir("fifo");
  ipcmem_shm shm;

  ASSERT(mkdir(dir, 0700) == 0);
  snprintf(path, sizeof(path), "%s/%s", dir, test_shm_name(0));
  ASSERT(mkfifo(path, 0600) == 0);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_EINSECURE);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_OR_CREATE,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_EINSECURE);
  ASSERT(unlink(path) == 0);
  ASSERT(mkdir(path, 0700) == 0);
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_EINSECURE);
  ASSERT(rmdir(path) == 0);
  remove_dir(dir);
}

/* Publication is atomic: a process opening the name sees either no object
 * or one that already has its final permissions, never the state between
 * creating the file and setting them. The helper hammers open-only while
 * the test creates and removes the object again and again. */
HELPER(backend_watch_publication) {
  ipcmem_shm shm;
  struct stat st;
  long seen = 0, rounds;

  (void)argc;
  ASSERT(argc == 1);
  rounds = atol(argv[0]);
  helper_ready();
  while (seen < rounds) {
    if (ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                        IPCMEM_READ_ONLY, 0) != 0)
      continue;
    ASSERT(fstat(ipcmem_mappable_handle(&shm.base), &st) == 0);
    ASSERT_EQ(st.st_mode & 0777, 0604);
    ASSERT_OK(ipcmem_shm_close(&shm));
    seen++;
  }
  return 0;
}

TEST(backend_atomic_publication) {
  const char *dir = test_use_private_shm_dir("atomic");
  ipcmem_shm shm;
  test_proc p;
  int i, rc;
  mode_t old = umask(077);

  ASSERT(mkdir(dir, 0755) == 0);
  test_spawn(&p, "backend_watch_publication", "200", NULL);
  test_proc_wait_ready(&p);
  for (i = 0; i < 200000; i++) {
    ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                              IPCMEM_READ_WRITE, 0604));
    ASSERT_OK(ipcmem_shm_close(&shm));
    ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
    if (i % 64 == 63 && waitpid(p.pid, &rc, WNOHANG) == p.pid) {
      ASSERT(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
      p.pid = -1;
      break;
    }
  }
  umask(old);
  ASSERT(p.pid == -1);
  close(p.ready_r);
  close(p.go_w);
  /* No temporary file of the publication is left in the directory. */
  remove_dir(dir);
}

/* Where the system has no shm_open at all (ENOSYS), the default choice
 * falls back to the emulation; an explicit choice of native does not. */
static int no_create(ipcmem_os_handle *h, const char *n, int a, unsigned p) {
  (void)h, (void)n, (void)a, (void)p;
  ipcmem__set_os_error(ENOSYS);
  return IPCMEM_ENOTSUP;
}

static int no_open(ipcmem_os_handle *h, const char *n, int a) {
  (void)h, (void)n, (void)a;
  ipcmem__set_os_error(ENOSYS);
  return IPCMEM_ENOTSUP;
}

static int no_remove(const char *n) {
  (void)n;
  ipcmem__set_os_error(ENOSYS);
  return IPCMEM_ENOTSUP;
}

TEST(backend_fallback_without_shm_open) {
  const char *dir = test_use_private_shm_dir("fallback");
  ipcmem__shm_ops saved = ipcmem__shm_native;
  ipcmem_shm shm;
  char path[PATH_MAX + 64];

  if (IPCMEM__SHM_EMULATED_DEFAULT)
    test_skip("the build already defaults to the emulation");
  ASSERT(unsetenv("IPCMEM_SHM_BACKEND") == 0);
  ipcmem__shm_native.create = no_create;
  ipcmem__shm_native.open = no_open;
  ipcmem__shm_native.remove = no_remove;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_backend(&shm), IPCMEM_BACKEND_EMULATED);
  snprintf(path, sizeof(path), "%s/%s", dir, test_shm_name(0));
  ASSERT(path_exists(path));
  ASSERT_OK(ipcmem_shm_close(&shm));

  /* Asked for explicitly, the missing backend is an error. */
  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_NATIVE));
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_ENOTSUP);
  ASSERT_EQ(ipcmem_last_os_error(), ENOSYS);
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOTSUP);

  ASSERT_OK(ipcmem_shm_set_backend(IPCMEM_BACKEND_DEFAULT));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  ASSERT(!path_exists(path));
  ipcmem__shm_native = saved;
  remove_dir(dir);
}

/* Two processes agree on the emulation through the environment: a helper
 * started with the same IPCMEM_SHARED_DIR opens what the test created. */
HELPER(backend_open_in_dir) {
  ipcmem_shm shm;
  ipcmem_region r;

  ASSERT(argc == 0);
  (void)argv;
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_shm_backend(&shm), IPCMEM_BACKEND_EMULATED);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_STR_EQ((char *)ipcmem_region_addr(&r), "from the test");
  strcpy(ipcmem_region_addr(&r), "from the helper");
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  return 0;
}

TEST(backend_cross_process_emulated) {
  const char *dir = test_use_private_shm_dir("xproc");
  ipcmem_shm shm;
  ipcmem_region r;
  test_proc p;

  create_sized(&shm, test_shm_name(0), 64);
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  strcpy(ipcmem_region_addr(&r), "from the test");
  test_spawn(&p, "backend_open_in_dir", NULL);
  ASSERT_EQ(test_proc_join(&p), 0);
  ASSERT_STR_EQ((char *)ipcmem_region_addr(&r), "from the helper");
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
  remove_dir(dir);
}
