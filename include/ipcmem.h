/* ipcmem: sharing memory between processes, in C.
 *
 * The model is Boost.Interprocess's: *mappable objects* (a named shared
 * memory object, an anonymous shared memory object, and in later versions
 * files, XSI segments and native Windows objects) are separate from *mapped
 * regions*. One function, ipcmem_region_map(), maps any mappable, so code
 * written against regions works with every kind of object.
 *
 * Conventions that hold for every function in this header:
 *  - A function that can fail returns 0 on success or a negative IPCMEM_E*
 *    code (see <ipcmem/errno.h>). It never aborts, prints or exits.
 *  - The output argument comes first and is written only on success; on
 *    failure it is left exactly as it was.
 *  - After a failure, ipcmem_last_os_error() tells the platform error (errno
 *    or GetLastError()) that caused it, or 0 if ipcmem itself refused the
 *    arguments before any system call.
 *  - Objects and regions are plain structs owned by the caller. A
 *    zero-initialised struct is "not open": closing or unmapping it is a
 *    harmless no-op, so cleanup code needs no extra flag. Their fields are
 *    private; use the functions.
 *  - Every handle ipcmem opens is close-on-exec and never follows symbolic
 *    links. Objects are created owner-only (0600) unless asked otherwise.
 */
#ifndef IPCMEM_H
#define IPCMEM_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#include "ipcmem/win.h"
#else
#include "ipcmem/unix.h"
#endif
#include "ipcmem/errno.h"

#if defined(_WIN32)
#if defined(IPCMEM_BUILDING_SHARED)
#define IPCMEM_EXTERN __declspec(dllexport)
#elif defined(IPCMEM_USING_SHARED)
#define IPCMEM_EXTERN __declspec(dllimport)
#else
#define IPCMEM_EXTERN
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define IPCMEM_EXTERN __attribute__((visibility("default")))
#else
#define IPCMEM_EXTERN
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define IPCMEM_VERSION_MAJOR 0
#define IPCMEM_VERSION_MINOR 1
#define IPCMEM_VERSION_PATCH 0

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

typedef enum ipcmem_errno {
#define IPCMEM__ERRNO_ENUM(name, value, msg) IPCMEM_##name = (value),
  IPCMEM_ERRNO_MAP(IPCMEM__ERRNO_ENUM)
#undef IPCMEM__ERRNO_ENUM
} ipcmem_errno;

/* Returns a static English message for an IPCMEM_E* code, "success" for 0,
 * and "unknown error" for any other value. Never returns NULL. */
IPCMEM_EXTERN const char *ipcmem_strerror(int err);

/* Returns the code's name as a static string ("IPCMEM_ENOENT"), "0" for 0,
 * and "IPCMEM_E?" for a value that is not in the list. Never returns NULL. */
IPCMEM_EXTERN const char *ipcmem_err_name(int err);

/* Returns the platform error (errno on Unix, GetLastError() on Windows) of
 * the most recent failed ipcmem call in this thread, or 0 when that call was
 * refused by ipcmem's own checks before it reached the system. Successful
 * calls leave the value as it was. */
IPCMEM_EXTERN int ipcmem_last_os_error(void);

/* ------------------------------------------------------------------ */
/* Modes and constants                                                */
/* ------------------------------------------------------------------ */

/* How a named object is opened (Boost's create_only, open_or_create,
 * open_only). Zero is deliberately not a valid mode. */
enum {
  IPCMEM_CREATE_ONLY = 1,    /* fails with IPCMEM_EEXIST if it exists */
  IPCMEM_OPEN_OR_CREATE = 2, /* ipcmem_shm_created() tells which happened */
  IPCMEM_OPEN_ONLY = 3       /* fails with IPCMEM_ENOENT if it is absent */
};

/* Access modes of objects, and mapping modes of regions (Boost's mode_t).
 * Objects accept READ_ONLY and READ_WRITE; regions accept all four. */
enum {
  IPCMEM_READ_ONLY = 1,     /* shared, read-only */
  IPCMEM_READ_WRITE = 2,    /* shared, writes are seen by every process */
  IPCMEM_COPY_ON_WRITE = 3, /* private and writable: nobody sees the writes */
  IPCMEM_READ_PRIVATE = 4   /* private and read-only */
};

/* Backends of named shared memory objects (see ipcmem_shm_set_backend). */
enum {
  IPCMEM_BACKEND_DEFAULT = 0, /* the environment's or the build's choice */
  IPCMEM_BACKEND_NATIVE = 1,  /* the system's shared memory (shm_open) */
  IPCMEM_BACKEND_EMULATED = 2 /* a mapped file in a private directory */
};

/* Kinds of mappable objects, as returned by ipcmem_mappable_kind(). */
enum {
  IPCMEM_KIND_NONE = 0,  /* a zeroed or closed struct */
  IPCMEM_KIND_SHM = 1,   /* named shared memory object (ipcmem_shm_open) */
  IPCMEM_KIND_ANON = 2,  /* anonymous shared memory object (ipcmem_anon_open) */
  IPCMEM_KIND_FILE = 3,  /* memory-mapped file (ipcmem_file_open) */
  IPCMEM_KIND_XSI = 4,   /* System V shared memory segment (ipcmem_xsi_open) */
  IPCMEM_KIND_WINSHM = 5 /* native Windows shared memory (ipcmem_winshm_open) */
};

/* Flags of ipcmem_region_map(). */
#define IPCMEM_MAP_POPULATE 0x1u  /* prefault every page before returning */
#define IPCMEM_MAP_HUGEPAGES 0x2u /* ask for transparent huge pages */

/* Flags of ipcmem_region_flush(). 0 means synchronous. */
#define IPCMEM_FLUSH_ASYNC 0x1u

/* Advice for ipcmem_region_advise() (posix_madvise). */
enum {
  IPCMEM_ADVICE_NORMAL = 0,
  IPCMEM_ADVICE_SEQUENTIAL = 1,
  IPCMEM_ADVICE_RANDOM = 2,
  IPCMEM_ADVICE_WILLNEED = 3,
  IPCMEM_ADVICE_DONTNEED = 4
};

/* Longest name accepted, not counting the optional leading '/'. The limit
 * is the smallest of the supported systems' (macOS: 31 bytes with the '/'),
 * so a name that works here works everywhere. */
#define IPCMEM_NAME_MAX 30

/* Permissions used when 0 is passed to ipcmem_shm_open(): owner-only. */
#define IPCMEM_PERMS_DEFAULT 0600u

/* ------------------------------------------------------------------ */
/* Data types                                                         */
/* ------------------------------------------------------------------ */

/* What every mappable object has in common. Each object type embeds one as
 * its first member, named `base`; pass &obj.base to ipcmem_region_map(). */
typedef struct ipcmem_mappable {
  ipcmem_os_handle handle; /* private: fd, segment id or HANDLE */
  int kind;                /* private: IPCMEM_KIND_* */
  int access;              /* private: IPCMEM_READ_ONLY or _READ_WRITE */
  uint64_t size_floor;     /* private: the object is at least this large */
} ipcmem_mappable;

/* A named shared memory object (Boost's shared_memory_object). */
typedef struct ipcmem_shm {
  ipcmem_mappable base;
  int created;                    /* private */
  int backend;                    /* private: IPCMEM_BACKEND_* */
  char name[IPCMEM_NAME_MAX + 2]; /* private: "/" + name, NUL-terminated */
} ipcmem_shm;

/* An anonymous shared memory object: no name, shared with children across
 * fork() (and, being a real object, mappable any number of times). */
typedef struct ipcmem_anon {
  ipcmem_mappable base;
} ipcmem_anon;

/* A file opened for mapping (Boost's file_mapping). */
typedef struct ipcmem_file {
  ipcmem_mappable base;
} ipcmem_file;

/* The key of an XSI (System V) shared memory segment (Boost's xsi_key). */
typedef struct ipcmem_xsi_key {
  int32_t value; /* private: the key_t value; 0 is the private key */
} ipcmem_xsi_key;

/* An XSI shared memory segment (Boost's xsi_shared_memory). */
typedef struct ipcmem_xsi {
  ipcmem_mappable base; /* base.handle is the segment id */
  int created;          /* private */
} ipcmem_xsi;

/* Native Windows shared memory (Boost's windows_shared_memory). */
typedef struct ipcmem_winshm {
  ipcmem_mappable base; /* base.handle is the section (file mapping) */
  int created;          /* private */
} ipcmem_winshm;

/* A mapped region (Boost's mapped_region). */
typedef struct ipcmem_region {
  void *addr;            /* private: address of the first requested byte */
  size_t size;           /* private: requested size */
  void *map_base;        /* private: page-aligned start of the system mapping */
  size_t map_len;        /* private: length of the system mapping */
  int mode;              /* private: IPCMEM_READ_ONLY ... IPCMEM_READ_PRIVATE */
  int kind;              /* private: how the mapping was made; 0 = not mapped */
  ipcmem_os_handle file; /* private: Windows: the file, for a synchronous
                            flush (FlushFileBuffers); unused on Unix */
} ipcmem_region;

/* ------------------------------------------------------------------ */
/* Named shared memory objects                                        */
/* ------------------------------------------------------------------ */

/* Opens or creates the named shared memory object `name` (shm_open).
 *
 * name: an optional leading '/', then 1 to IPCMEM_NAME_MAX characters from
 *   [A-Za-z0-9._-], and not "." or "..". "x" and "/x" are the same object.
 * open_mode: IPCMEM_CREATE_ONLY, IPCMEM_OPEN_OR_CREATE or IPCMEM_OPEN_ONLY.
 * access: IPCMEM_READ_ONLY or IPCMEM_READ_WRITE.
 * perms: permission bits (at most 0777) applied exactly to a new object,
 *   whatever the umask; 0 means IPCMEM_PERMS_DEFAULT (0600). Ignored when an
 *   existing object is opened.
 *
 * A new object has size 0: set it with ipcmem_shm_truncate(). The object
 * lives in the backend that ipcmem_shm_get_backend() reports.
 * Returns 0 and fills *out, or: IPCMEM_EINVAL (NULL pointer, bad mode or
 * access, perms > 0777), IPCMEM_ENAME (name breaks the rule), IPCMEM_EEXIST
 * (create-only and the name exists), IPCMEM_ENOENT (open-only and it does
 * not), IPCMEM_EACCES (permissions forbid the access), IPCMEM_ESYMLINK (a
 * symbolic link sits where the object should be), IPCMEM_ECONFIG (bad
 * IPCMEM_SHM_BACKEND or IPCMEM_SHARED_DIR), IPCMEM_EINSECURE (the emulation's
 * directory, or the file under the name, is not safe: see
 * ipcmem_shm_dir), IPCMEM_EMFILE, IPCMEM_ENOSPC, IPCMEM_ENOTSUP (the chosen
 * backend does not exist on this system) or another code from the system.
 * On failure nothing is left created. */
IPCMEM_EXTERN int ipcmem_shm_open(ipcmem_shm *out, const char *name,
                                  int open_mode, int access, unsigned perms);

/* Closes the object's handle. Regions mapped from it stay valid. Closing a
 * zeroed or already closed object does nothing and returns 0. The struct is
 * marked closed even if the system reports an error, which is returned
 * translated (IPCMEM_EIO; IPCMEM_EINVAL if the descriptor was already closed
 * behind ipcmem's back); IPCMEM_EINVAL if shm is NULL. */
IPCMEM_EXTERN int ipcmem_shm_close(ipcmem_shm *shm);

/* Sets the object's size to `size` bytes (ftruncate): growing adds zero
 * bytes, shrinking discards the tail. Memory is committed lazily by the
 * system, so touching a page when the backing store is full raises SIGBUS;
 * use ipcmem_shm_reserve() to get IPCMEM_ENOSPC up front instead.
 * Returns 0, or IPCMEM_EINVAL (NULL, closed object, size above INT64_MAX),
 * IPCMEM_EMODE (object opened read-only), IPCMEM_ERANGE (larger than the
 * system allows, e.g. past RLIMIT_FSIZE: note that the system then also
 * sends SIGXFSZ, which kills a process that neither ignores nor handles it)
 * or another code from the system. */
IPCMEM_EXTERN int ipcmem_shm_truncate(ipcmem_shm *shm, uint64_t size);

/* Grows the object to at least `size` bytes and allocates the backing store
 * for bytes [0, size) now (posix_fallocate), so that later page faults
 * cannot fail for lack of space. Never shrinks. Returns 0, or IPCMEM_EINVAL,
 * IPCMEM_EMODE (read-only object), IPCMEM_ENOSPC (not enough space: the
 * object's size is then unchanged), IPCMEM_ENOMEM (a memory limit such as a
 * cgroup's), IPCMEM_ERANGE (as for truncate), or IPCMEM_ENOTSUP where the
 * system cannot reserve space for shared memory. */
IPCMEM_EXTERN int ipcmem_shm_reserve(ipcmem_shm *shm, uint64_t size);

/* Writes the object's current size in bytes to *size (fstat). Returns 0, or
 * IPCMEM_EINVAL (NULL pointer, closed object) or a code from the system. */
IPCMEM_EXTERN int ipcmem_shm_size(const ipcmem_shm *shm, uint64_t *size);

/* Returns the object's name without the leading '/', or NULL if shm is NULL
 * or not open. The string lives inside *shm. */
IPCMEM_EXTERN const char *ipcmem_shm_name(const ipcmem_shm *shm);

/* Returns 1 if ipcmem_shm_open() created the object, 0 if it opened an
 * existing one (or shm is NULL or not open). */
IPCMEM_EXTERN int ipcmem_shm_created(const ipcmem_shm *shm);

/* Removes the name (shm_unlink, or unlink in the emulation's directory),
 * with POSIX semantics: open handles and mapped regions keep working, and
 * the name can be created again at once as a different object. The name is
 * removed from the current backend (ipcmem_shm_get_backend). Returns 0, or
 * IPCMEM_EINVAL (NULL), IPCMEM_ENAME, IPCMEM_ENOENT (no such object),
 * IPCMEM_EACCES, IPCMEM_ECONFIG, IPCMEM_EINSECURE or a code from the
 * system. */
IPCMEM_EXTERN int ipcmem_shm_remove(const char *name);

/* Returns the backend (IPCMEM_BACKEND_NATIVE or _EMULATED) an open object
 * lives in, or 0 for NULL or a closed object. */
IPCMEM_EXTERN int ipcmem_shm_backend(const ipcmem_shm *shm);

/* Chooses, for this process, the backend of objects opened and removed
 * from now on: IPCMEM_BACKEND_NATIVE, IPCMEM_BACKEND_EMULATED, or
 * IPCMEM_BACKEND_DEFAULT to go back to the default choice, which is, in
 * order: the environment variable IPCMEM_SHM_BACKEND ("native" or
 * "emulated"; anything else makes opens fail with IPCMEM_ECONFIG), then the
 * build's default (CMake option IPCMEM_SHM_DEFAULT_EMULATED; always the
 * emulation on Windows), then native with an automatic fall-back to the
 * emulation when the system has no shm_open at all. Objects already open
 * are not affected. Returns 0, or IPCMEM_EINVAL for any other value. */
IPCMEM_EXTERN int ipcmem_shm_set_backend(int backend);

/* Writes the backend that ipcmem_shm_open() would use now to *backend.
 * Returns 0, or IPCMEM_EINVAL (NULL) or IPCMEM_ECONFIG (IPCMEM_SHM_BACKEND
 * holds an unknown value). */
IPCMEM_EXTERN int ipcmem_shm_get_backend(int *backend);

/* Writes to buf (len bytes) the directory that holds emulated objects: the
 * environment variable IPCMEM_SHARED_DIR if set (it must be an absolute
 * path), else $XDG_RUNTIME_DIR/ipcmem, else ${TMPDIR:-/tmp}/ipcmem-<uid>.
 * Two programs share emulated objects when they agree on this directory.
 * It is created (mode 0700) on first use, and refused with
 * IPCMEM_EINSECURE if it is owned by another user than the caller or root,
 * or is writable by group or others without the sticky bit. Returns 0, or
 * IPCMEM_EINVAL (NULL, len 0), IPCMEM_ECONFIG (IPCMEM_SHARED_DIR is not
 * absolute) or IPCMEM_ERANGE (buf too small). */
IPCMEM_EXTERN int ipcmem_shm_dir(char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Anonymous shared memory                                            */
/* ------------------------------------------------------------------ */

/* Creates an unnamed read-write shared memory object of `size` bytes
 * (memfd_create where available, else a shm object whose name is removed at
 * once). It is shared with children after fork() and can be mapped any
 * number of times, like a named object. Returns 0, or IPCMEM_EINVAL (NULL,
 * size 0 or above INT64_MAX), IPCMEM_EMFILE, IPCMEM_ENOSPC, IPCMEM_ERANGE or
 * a code from the system. */
IPCMEM_EXTERN int ipcmem_anon_open(ipcmem_anon *out, uint64_t size);

/* Closes an anonymous object; its regions stay valid, and the memory is
 * freed when the last region and handle are gone. Same contract as
 * ipcmem_shm_close(). */
IPCMEM_EXTERN int ipcmem_anon_close(ipcmem_anon *anon);

/* Wraps the handle of an anonymous object received from another process
 * (a file descriptor inherited across fork() and exec(), or a Windows
 * section HANDLE inherited by a child or duplicated into it with
 * DuplicateHandle(), its value passed on the command line) so that it can
 * be mapped. `size` is the object's size in bytes as its creator made it,
 * or 0 to take the size the system reports (on Windows, rounded up to a
 * whole number of pages). The handle must allow reading and writing: the
 * object is read-write.
 * On success *out owns h (ipcmem_anon_close() closes it); on failure h
 * stays the caller's. Returns 0, or IPCMEM_EINVAL (NULL out, invalid
 * handle, size above INT64_MAX, h is not a shared memory object or regular
 * file), IPCMEM_ERANGE (size larger than the object), IPCMEM_EACCES (the
 * handle does not allow read-write mapping) or a code from the system. */
IPCMEM_EXTERN int ipcmem_anon_from_handle(ipcmem_anon *out, ipcmem_os_handle h,
                                          uint64_t size);

/* Maps `size` bytes of fresh zeroed read-write memory shared with children
 * after fork() (Boost's anonymous_shared_memory(); mmap MAP_SHARED |
 * MAP_ANONYMOUS). Unmap with ipcmem_region_unmap(). Returns 0, or
 * IPCMEM_EINVAL (NULL, size 0 or above PTRDIFF_MAX), IPCMEM_ENOMEM. */
IPCMEM_EXTERN int ipcmem_anon_map(ipcmem_region *out, size_t size);

/* ------------------------------------------------------------------ */
/* Memory-mapped files                                                */
/* ------------------------------------------------------------------ */

/* Opens the existing file at `path` for mapping (open(2)); the file is not
 * created. access: IPCMEM_READ_ONLY or IPCMEM_READ_WRITE. The last component
 * of the path must not be a symbolic link (O_NOFOLLOW): resolve it first
 * with realpath(3) if you mean to follow it. Only regular files can be
 * mapped. Returns 0 and fills *out, or IPCMEM_EINVAL (NULL pointer, empty
 * path, bad access), IPCMEM_ENOENT (no such file), IPCMEM_EISDIR (a
 * directory), IPCMEM_ESYMLINK (the path is a symbolic link), IPCMEM_ENOTSUP
 * (not a regular file: FIFO, socket, device), IPCMEM_EACCES, IPCMEM_EMFILE
 * or a code from the system. */
IPCMEM_EXTERN int ipcmem_file_open(ipcmem_file *out, const char *path,
                                   int access);

/* Closes the file. Regions mapped from it stay valid. Same contract as
 * ipcmem_shm_close(). */
IPCMEM_EXTERN int ipcmem_file_close(ipcmem_file *file);

/* Writes the file's current size in bytes to *size (fstat). Returns 0, or
 * IPCMEM_EINVAL (NULL pointer, closed file) or a code from the system. */
IPCMEM_EXTERN int ipcmem_file_size(const ipcmem_file *file, uint64_t *size);

/* Removes the file at `path` (unlink(2)); open files and regions keep
 * working. Returns 0, or IPCMEM_EINVAL (NULL or empty path), IPCMEM_ENOENT,
 * IPCMEM_EISDIR, IPCMEM_EACCES or a code from the system. */
IPCMEM_EXTERN int ipcmem_file_remove(const char *path);

/* ------------------------------------------------------------------ */
/* XSI (System V) shared memory                                       */
/* ------------------------------------------------------------------ */

/* Makes a key from an existing path and an id (ftok(3)). Only the low 8
 * bits of id are used by the system, so id must be 1..255. Returns 0 and
 * fills *out, or IPCMEM_EINVAL (NULL, empty path, id out of range),
 * IPCMEM_ENOENT (the path does not exist), IPCMEM_EACCES, or
 * IPCMEM_ENOTSUP where the system has no XSI shared memory. */
IPCMEM_EXTERN int ipcmem_xsi_key_from_path(ipcmem_xsi_key *out,
                                           const char *path, int id);

/* Makes a key from a raw key_t value; 0 is the private key. Returns 0, or
 * IPCMEM_EINVAL if out is NULL. */
IPCMEM_EXTERN int ipcmem_xsi_key_from_value(ipcmem_xsi_key *out, int32_t value);

/* Returns the private key (IPC_PRIVATE): every create with it makes a new
 * segment that only its id can reach (anonymous XSI memory). */
IPCMEM_EXTERN ipcmem_xsi_key ipcmem_xsi_key_private(void);

/* Returns the key's raw value. */
IPCMEM_EXTERN int32_t ipcmem_xsi_key_value(ipcmem_xsi_key key);

/* Creates or opens the XSI segment for `key` (shmget(2)).
 *
 * open_mode: IPCMEM_CREATE_ONLY, IPCMEM_OPEN_OR_CREATE or IPCMEM_OPEN_ONLY
 *   (with the private key, the first two always create a new segment and
 *   open-only is IPCMEM_EINVAL).
 * access: IPCMEM_READ_ONLY or IPCMEM_READ_WRITE: the access that is checked
 *   now and that mappings may use.
 * size: the size of a new segment in bytes, not 0. When an existing segment
 *   is opened, 0 accepts any size; otherwise the segment must be at least
 *   that large.
 * perms: permission bits (at most 0777) of a new segment, exactly (XSI
 *   ignores the umask); 0 means IPCMEM_PERMS_DEFAULT (0600).
 *
 * Segments have kernel lifetime: they stay until ipcmem_xsi_remove() (or
 * `ipcrm -m ID`), even when no process has them attached.
 * Returns 0 and fills *out, or IPCMEM_EINVAL (NULL, bad mode or access,
 * perms > 0777, size 0 on create, a size the system refuses or larger than
 * the existing segment), IPCMEM_EEXIST, IPCMEM_ENOENT, IPCMEM_EACCES,
 * IPCMEM_ENOSPC (system limits on segments), IPCMEM_ENOTSUP (no XSI shared
 * memory on this system) or a code from the system. */
IPCMEM_EXTERN int ipcmem_xsi_open(ipcmem_xsi *out, ipcmem_xsi_key key,
                                  int open_mode, int access, size_t size,
                                  unsigned perms);

/* Forgets the segment (there is nothing to close: the segment and its
 * regions live on). Marks *xsi closed; returns 0, or IPCMEM_EINVAL if xsi is
 * NULL. */
IPCMEM_EXTERN int ipcmem_xsi_close(ipcmem_xsi *xsi);

/* Returns the segment id (shmid), or -1 for NULL or a closed segment. */
IPCMEM_EXTERN int ipcmem_xsi_id(const ipcmem_xsi *xsi);

/* Returns 1 if ipcmem_xsi_open() created the segment, else 0. */
IPCMEM_EXTERN int ipcmem_xsi_created(const ipcmem_xsi *xsi);

/* Writes the segment's size in bytes to *size (shmctl IPC_STAT). Returns 0,
 * or IPCMEM_EINVAL (NULL, closed), IPCMEM_ENOENT (the segment is gone) or a
 * code from the system. A removed segment that still has regions attached
 * is not gone yet: on Linux it can still be queried (and even attached)
 * through its id until the last region detaches. */
IPCMEM_EXTERN int ipcmem_xsi_size(const ipcmem_xsi *xsi, uint64_t *size);

/* Removes the segment with id `shmid` (shmctl IPC_RMID): its key is freed at
 * once, and the memory when the last region detaches (until then, removing
 * it again succeeds). Returns 0, or IPCMEM_EINVAL (negative id),
 * IPCMEM_ENOENT (no segment has that id any more), IPCMEM_EACCES (not the
 * owner) or IPCMEM_ENOTSUP. */
IPCMEM_EXTERN int ipcmem_xsi_remove(int shmid);

/* ------------------------------------------------------------------ */
/* Native Windows shared memory                                       */
/* ------------------------------------------------------------------ */

/* Creates or opens a native Windows shared memory object, backed by the
 * paging file (CreateFileMappingW / OpenFileMappingW). Unlike a named
 * ipcmem_shm object it has no persistence: it is destroyed when the last
 * handle and the last region are gone, in any process.
 *
 * name: NULL for an unnamed object (create modes only); else a UTF-8 name
 *   of 1 to 255 characters, passed to Windows as given (converted to
 *   UTF-16), so the "Global\" and "Local\" prefixes work. Creating in
 *   "Global\" from a session other than 0 needs the SeCreateGlobalPrivilege
 *   privilege (IPCMEM_EACCES otherwise).
 * open_mode, access: as for ipcmem_shm_open().
 * size: the size of a new object in bytes, not 0; ignored when an existing
 *   object is opened (it cannot be resized: there is no truncate).
 *
 * Returns 0 and fills *out, or IPCMEM_EINVAL (NULL out, bad mode or access,
 * size 0 on create, open-only without a name), IPCMEM_ENAME (empty or too
 * long name, or not valid UTF-8), IPCMEM_EEXIST, IPCMEM_ENOENT,
 * IPCMEM_EACCES, IPCMEM_ENOMEM, or IPCMEM_ENOTSUP on systems other than
 * Windows. */
IPCMEM_EXTERN int ipcmem_winshm_open(ipcmem_winshm *out, const char *name,
                                     int open_mode, int access, uint64_t size);

/* Closes the handle; regions stay valid, and the object lives while any
 * handle or region refers to it. Same contract as ipcmem_shm_close(). */
IPCMEM_EXTERN int ipcmem_winshm_close(ipcmem_winshm *shm);

/* Writes the object's size to *size: Windows reports it rounded up to a
 * whole number of pages. Returns 0, or IPCMEM_EINVAL (NULL, closed) or a
 * code from the system. */
IPCMEM_EXTERN int ipcmem_winshm_size(const ipcmem_winshm *shm, uint64_t *size);

/* Returns 1 if ipcmem_winshm_open() created the object, else 0. */
IPCMEM_EXTERN int ipcmem_winshm_created(const ipcmem_winshm *shm);

/* ------------------------------------------------------------------ */
/* Any mappable object                                                */
/* ------------------------------------------------------------------ */

/* Writes the object's size in bytes to *size. Returns 0, or IPCMEM_EINVAL
 * (NULL pointer, closed object) or a code from the system. */
IPCMEM_EXTERN int ipcmem_mappable_size(const ipcmem_mappable *m,
                                       uint64_t *size);

/* Returns the object's IPCMEM_KIND_*, or IPCMEM_KIND_NONE for NULL or a
 * closed object. */
IPCMEM_EXTERN int ipcmem_mappable_kind(const ipcmem_mappable *m);

/* Returns the object's system handle (a file descriptor on Unix), or
 * IPCMEM_OS_HANDLE_INVALID for NULL or a closed object. The handle stays
 * owned by the object. */
IPCMEM_EXTERN ipcmem_os_handle ipcmem_mappable_handle(const ipcmem_mappable *m);

/* ------------------------------------------------------------------ */
/* Mapped regions                                                     */
/* ------------------------------------------------------------------ */

/* Returns the alignment that a fixed mapping address and the offset of a
 * fixed mapping must have: the page size on Unix (the allocation granularity
 * on Windows). */
IPCMEM_EXTERN size_t ipcmem_page_size(void);

/* Maps bytes [offset, offset + size) of the mappable object `m` (mmap).
 *
 * mode: IPCMEM_READ_ONLY, IPCMEM_READ_WRITE, IPCMEM_COPY_ON_WRITE or
 *   IPCMEM_READ_PRIVATE. READ_WRITE needs an object opened read-write; the
 *   other modes work on any object.
 * offset: any value; it need not be page-aligned (the library maps from the
 *   page below and returns the address of the requested byte).
 * size: 0 means "from offset to the end of the object". A region is never
 *   empty: there is no zero-length region.
 * addr: NULL lets the system choose. Otherwise the region is placed exactly
 *   at addr or the call fails; addr and offset must then both be multiples
 *   of ipcmem_page_size(), and an existing mapping there is never replaced.
 * flags: 0 or IPCMEM_MAP_POPULATE | IPCMEM_MAP_HUGEPAGES.
 *
 * XSI segments are attached whole (shmat): only READ_ONLY and READ_WRITE
 * (else IPCMEM_ENOTSUP), offset 0 and size 0 or the segment's size (else
 * IPCMEM_EINVAL), where Boost silently ignores the offset.
 *
 * The region stays valid after the object is closed or its name removed.
 * Returns 0 and fills *out, or: IPCMEM_EINVAL (NULL pointer, closed object,
 * bad mode or flags, offset above INT64_MAX, misaligned fixed address or
 * offset, a range that overflows), IPCMEM_EMODE (READ_WRITE of a read-only
 * object), IPCMEM_EEMPTY (the object has size 0), IPCMEM_ERANGE (offset at
 * or past the end, or offset + size past the end), IPCMEM_EBUSY (something
 * is already mapped at addr), IPCMEM_ENOTSUP (huge pages unavailable),
 * IPCMEM_ENOMEM (no address space) or a code from the system. */
IPCMEM_EXTERN int ipcmem_region_map(ipcmem_region *out,
                                    const ipcmem_mappable *m, int mode,
                                    uint64_t offset, size_t size, void *addr,
                                    unsigned flags);

/* Unmaps the region (munmap) and zeroes *r. Unmapping a zeroed region does
 * nothing and returns 0. Returns IPCMEM_EINVAL if r is NULL, or a code from
 * the system (then *r is unchanged). */
IPCMEM_EXTERN int ipcmem_region_unmap(ipcmem_region *r);

/* Returns the address of the region's first byte, or NULL for NULL or an
 * unmapped region. */
IPCMEM_EXTERN void *ipcmem_region_addr(const ipcmem_region *r);

/* Returns the region's size in bytes as requested (not rounded to pages), or
 * 0 for NULL or an unmapped region. */
IPCMEM_EXTERN size_t ipcmem_region_size(const ipcmem_region *r);

/* Returns the region's mapping mode, or 0 for NULL or an unmapped region. */
IPCMEM_EXTERN int ipcmem_region_mode(const ipcmem_region *r);

/* Writes modified bytes [offset, offset + size) of the region back to the
 * object (msync). Offsets are relative to the region, and any offset is
 * accepted (the enclosing pages are flushed); size 0 means "to the end of
 * the region". flags 0 waits until the data is written; IPCMEM_FLUSH_ASYNC
 * only schedules it. Returns 0, or IPCMEM_EINVAL (NULL, unmapped region,
 * unknown flags), IPCMEM_ERANGE (offset at or past the end of the region, or
 * offset + size past it), IPCMEM_EIO or a code from the system. */
IPCMEM_EXTERN int ipcmem_region_flush(const ipcmem_region *r, size_t offset,
                                      size_t size, unsigned flags);

/* Tells the system how the region will be used (posix_madvise). Advice is a
 * hint and never discards data, even IPCMEM_ADVICE_DONTNEED. Returns 0, or
 * IPCMEM_EINVAL (NULL, unmapped region, unknown advice) or a code from the
 * system. */
IPCMEM_EXTERN int ipcmem_region_advise(const ipcmem_region *r, int advice);

#ifdef __cplusplus
}
#endif

#endif /* IPCMEM_H */
