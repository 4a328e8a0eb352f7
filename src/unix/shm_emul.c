/* The emulated backend of named shared memory objects on Unix: each object
 * is a file in one private directory, mapped like any file. It is what
 * Boost does where POSIX shared memory is missing, with three differences:
 * the directory is per user and checked before use instead of a
 * world-writable /tmp/boost_interprocess; every open refuses symbolic
 * links; and objects are published atomically, so nobody ever opens one
 * whose permissions are not yet the requested ones. */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes the directory that holds emulated objects to buf. Returns 0, or
 * IPCMEM_ECONFIG (IPCMEM_SHARED_DIR is set but not an absolute path) or
 * IPCMEM_ERANGE (buf too small). */
int ipcmem__emul_dir_path(char *buf, size_t len) {
  const char *d = getenv("IPCMEM_SHARED_DIR");
  const char *tmp;
  int n;

  if (d != NULL && d[0] != '\0') {
    if (d[0] != '/')
      return ipcmem__err(IPCMEM_ECONFIG);
    n = snprintf(buf, len, "%s", d);
  } else if ((d = getenv("XDG_RUNTIME_DIR")) != NULL && d[0] == '/') {
    /* The runtime directory is per user, 0700, and emptied at logout: the
     * right lifetime for objects that Boost would put in /tmp. */
    n = snprintf(buf, len, "%s/ipcmem", d);
  } else {
    tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] != '/')
      tmp = "/tmp";
    n = snprintf(buf, len, "%s/ipcmem-%lu", tmp, (unsigned long)geteuid());
  }
  if (n < 0 || (size_t)n >= len)
    return ipcmem__err(IPCMEM_ERANGE);
  return 0;
}

/* A directory is safe if only we (or root) can have put things in it:
 * owned by us or by root, and not writable by others unless sticky (then
 * others can add files but not replace ours). */
static int ipcmem__emul_dir_check(int dfd) {
  struct stat st;

  if (fstat(dfd, &st) != 0)
    return ipcmem__os_err(errno);
  if (!S_ISDIR(st.st_mode))
    return ipcmem__err(IPCMEM_EINSECURE);
  if (st.st_uid != geteuid() && st.st_uid != 0)
    return ipcmem__err(IPCMEM_EINSECURE);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !(st.st_mode & S_ISVTX))
    return ipcmem__err(IPCMEM_EINSECURE);
  return 0;
}

/* Opens and checks the directory. With `create`, a missing directory is
 * made (mode 0700); without, it means no object exists: IPCMEM_ENOENT, and
 * opening or removing never leaves a directory behind. */
static int ipcmem__emul_dir_open(int *out, int create) {
  char path[4096];
  int dfd, rc, made = 0;

  rc = ipcmem__emul_dir_path(path, sizeof(path));
  if (rc != 0)
    return rc;
  for (;;) {
    dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd >= 0)
      break;
    /* With O_DIRECTORY, Linux reports a symbolic link as ENOTDIR, like a
     * file; either is as suspect as a directory that fails the checks, but
     * a link deserves its own code. */
    if (errno == ENOTDIR || errno == ELOOP) {
      struct stat st;

      if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        return ipcmem__os_err(ELOOP);
      ipcmem__set_os_error(ENOTDIR);
      return IPCMEM_EINSECURE;
    }
    if (errno != ENOENT || made || !create)
      return ipcmem__os_err(errno);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
      return ipcmem__os_err(errno);
    made = 1;
  }
  rc = ipcmem__emul_dir_check(dfd);
  if (rc != 0) {
    close(dfd);
    return rc;
  }
  *out = dfd;
  return 0;
}

static int ipcmem__emul_oflag(int access) {
  /* O_NONBLOCK: a FIFO planted under an object's name must not block the
   * open; it is refused below as not a regular file. */
  return (access == IPCMEM_READ_WRITE ? O_RDWR : O_RDONLY) | O_NOFOLLOW |
         O_CLOEXEC | O_NONBLOCK;
}

static int ipcmem__emul_check_regular(int fd) {
  struct stat st;

  if (fstat(fd, &st) != 0)
    return ipcmem__os_err(errno);
  if (!S_ISREG(st.st_mode))
    return ipcmem__err(IPCMEM_EINSECURE);
  return 0;
}

static int ipcmem__emul_open(ipcmem_os_handle *out, const char *cname,
                             int access) {
  int dfd, fd, rc;

  rc = ipcmem__emul_dir_open(&dfd, 0);
  if (rc != 0)
    return rc;
  do
    fd = ipcmem__sys.openat(dfd, cname + 1, ipcmem__emul_oflag(access), 0);
  while (fd < 0 && errno == EINTR);
  rc = fd < 0 ? ipcmem__os_err(errno) : ipcmem__emul_check_regular(fd);
  close(dfd);
  if (rc != 0) {
    if (fd >= 0)
      close(fd);
    return rc;
  }
  *out = fd;
  return 0;
}

/* Creates the object under a temporary name that no valid object name can
 * take ('#' is outside the name alphabet), gives it its permissions, then
 * publishes it with link(), which fails if the name exists: creation is
 * exclusive and nobody sees the object before it is complete. */
static int ipcmem__emul_create(ipcmem_os_handle *out, const char *cname,
                               int access, unsigned perms) {
  static atomic_uint counter;
  char tmp[64];
  int dfd, fd = -1, rc, tries;

  rc = ipcmem__emul_dir_open(&dfd, 1);
  if (rc != 0)
    return rc;
  /* A temporary name can be taken by one that a crashed process with the
   * same pid left behind: that is no reason to report "exists", so another
   * name is tried (a bounded number of times). */
  for (tries = 0; tries < 64; tries++) {
    snprintf(tmp, sizeof(tmp), ".#tmp.%ld.%u", (long)getpid(),
             atomic_fetch_add(&counter, 1u));
    do
      fd = ipcmem__sys.openat(
          dfd, tmp, ipcmem__emul_oflag(access) | O_CREAT | O_EXCL, 0600);
    while (fd < 0 && errno == EINTR);
    if (fd >= 0 || errno != EEXIST)
      break;
  }
  if (fd < 0) {
    rc = ipcmem__os_err(errno);
    goto out;
  }
  if (ipcmem__sys.fchmod(fd, (mode_t)perms) != 0 ||
      ipcmem__sys.linkat(dfd, tmp, dfd, cname + 1, 0) != 0) {
    rc = ipcmem__os_err(errno);
    close(fd);
    fd = -1;
  }
  unlinkat(dfd, tmp, 0);
  if (fd >= 0)
    *out = fd;
out:
  close(dfd);
  return rc;
}

static int ipcmem__emul_remove(const char *cname) {
  int dfd, rc;

  rc = ipcmem__emul_dir_open(&dfd, 0);
  if (rc != 0)
    return rc;
  rc = unlinkat(dfd, cname + 1, 0) == 0 ? 0 : ipcmem__os_err(errno);
  close(dfd);
  return rc;
}

const ipcmem__shm_ops ipcmem__shm_emulated = {
    ipcmem__emul_create, ipcmem__emul_open, ipcmem__emul_remove};
