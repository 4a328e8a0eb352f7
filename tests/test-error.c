/* The error conventions every function follows: the IPCMEM_E* list and its
 * names and messages, ipcmem_last_os_error(), and "the output argument is
 * written only on success". */
#include "runner.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Every code of the list, with the name it must print as. */
static const struct {
  int code;
  const char *name;
  const char *msg;
} codes[] = {
#define ERR_ENTRY(name, value, msg) {IPCMEM_##name, "IPCMEM_" #name, msg},
    IPCMEM_ERRNO_MAP(ERR_ENTRY)
#undef ERR_ENTRY
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The byte pattern out-structs are filled with before a call that must
 * fail, so that any write to them shows. */
#define JUNK 0xA5

TEST(err_codes_negative_and_distinct) {
  size_t i, j;

  ASSERT(COUNT(codes) >= 16);
  for (i = 0; i < COUNT(codes); i++) {
    ASSERT(codes[i].code < 0);
    for (j = i + 1; j < COUNT(codes); j++)
      ASSERT(codes[i].code != codes[j].code);
  }
  /* The values are part of the ABI: spot-check a few. */
  ASSERT_EQ(IPCMEM_EINVAL, -1);
  ASSERT_EQ(IPCMEM_ENOENT, -3);
  ASSERT_EQ(IPCMEM_EOS, -16);
}

TEST(err_names_and_messages) {
  size_t i, j;

  for (i = 0; i < COUNT(codes); i++) {
    const char *msg = ipcmem_strerror(codes[i].code);

    ASSERT_STR_EQ(ipcmem_err_name(codes[i].code), codes[i].name);
    ASSERT(msg != NULL && msg[0] != '\0');
    ASSERT_STR_EQ(msg, codes[i].msg);
    ASSERT(strcmp(msg, "unknown error") != 0);
    ASSERT(strcmp(msg, "success") != 0);
    /* Two codes with one message could not be told apart in a log. */
    for (j = 0; j < i; j++)
      ASSERT(strcmp(msg, ipcmem_strerror(codes[j].code)) != 0);
  }
  /* The enumeration and the name agree for a few well-known codes. */
  ASSERT_STR_EQ(ipcmem_err_name(IPCMEM_ENOENT), "IPCMEM_ENOENT");
  ASSERT_STR_EQ(ipcmem_err_name(IPCMEM_ENAME), "IPCMEM_ENAME");
  ASSERT_STR_EQ(ipcmem_err_name(IPCMEM_EOS), "IPCMEM_EOS");
}

TEST(err_zero_is_success) {
  ASSERT_STR_EQ(ipcmem_err_name(0), "0");
  ASSERT_STR_EQ(ipcmem_strerror(0), "success");
}

TEST(err_unknown_values) {
  /* The last entry is the value just past the list, whatever its length:
   * codes are appended, so it is the next one to be added. */
  int unknown[] = {1, 2, 42, -1000, INT_MIN, INT_MAX, ENOENT, 0};
  size_t i, j;

  unknown[COUNT(unknown) - 1] = -(int)COUNT(codes) - 1;
  for (i = 0; i < COUNT(unknown); i++) {
    int known = 0;

    for (j = 0; j < COUNT(codes); j++)
      known |= codes[j].code == unknown[i];
    ASSERT(!known);
    ASSERT_STR_EQ(ipcmem_err_name(unknown[i]), "IPCMEM_E?");
    ASSERT_STR_EQ(ipcmem_strerror(unknown[i]), "unknown error");
  }
}

/* --- ipcmem_last_os_error ------------------------------------------- */

/* Leaves ENOENT as the last OS error, by a failing open-only. */
static void fail_with_enoent(void) {
  ipcmem_shm shm;

  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY,
                             IPCMEM_READ_ONLY, 0),
             IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
}

TEST(err_last_os_error_from_system) {
  ipcmem_shm shm;

  fail_with_enoent();
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(0)), IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_ERR(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                             IPCMEM_READ_WRITE, 0),
             IPCMEM_EEXIST);
  ASSERT_EQ(ipcmem_last_os_error(), EEXIST);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* Every way of being refused by ipcmem's own checks resets the value to 0,
 * however recent the system error before it. */
TEST(err_last_os_error_zero_after_validation) {
  ipcmem_shm shm, ro;
  ipcmem_region r;
  int i;

  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(1), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_open(&ro, test_shm_name(1), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0));

  for (i = 0;; i++) {
    int rc;

    fail_with_enoent();
    switch (i) {
    case 0:
      rc = ipcmem_shm_open(&shm, "a/b", IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0);
      ASSERT_ERR(rc, IPCMEM_ENAME);
      break;
    case 1:
      rc = ipcmem_shm_remove("");
      ASSERT_ERR(rc, IPCMEM_ENAME);
      break;
    case 2:
      rc = ipcmem_shm_open(NULL, test_shm_name(0), IPCMEM_OPEN_ONLY,
                           IPCMEM_READ_ONLY, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 3:
      rc = ipcmem_shm_open(&shm, test_shm_name(0), 0, IPCMEM_READ_ONLY, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 4:
      rc = ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_OPEN_ONLY, 0, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 5:
      rc = ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                           IPCMEM_READ_WRITE, 01000);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 6:
      rc = ipcmem_shm_truncate(&ro, 4096);
      ASSERT_ERR(rc, IPCMEM_EMODE);
      break;
    case 7:
      rc = ipcmem_shm_reserve(&shm, UINT64_MAX);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 8:
      rc = ipcmem_shm_size(&shm, NULL);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 9:
      rc = ipcmem_region_map(&r, &ro.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0);
      ASSERT_ERR(rc, IPCMEM_EMODE);
      break;
    case 10:
      /* The object is empty: nothing to map. */
      rc = ipcmem_region_map(&r, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0);
      ASSERT_ERR(rc, IPCMEM_EEMPTY);
      break;
    case 11:
      rc = ipcmem_shm_close(NULL);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    default:
      goto done;
    }
    if (ipcmem_last_os_error() != 0)
      test_fail_(__FILE__, __LINE__, "case %d: %s left os error %d", i,
                 ipcmem_err_name(rc), ipcmem_last_os_error());
  }
done:
  ASSERT_OK(ipcmem_shm_close(&ro));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(1)));
}

/* A successful call does not clear the diagnosis of an earlier failure. */
TEST(err_last_os_error_kept_by_success) {
  ipcmem_shm shm, zeroed;
  ipcmem_region r;
  uint64_t size;

  memset(&zeroed, 0, sizeof(zeroed));
  fail_with_enoent();
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(1), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
  ASSERT_OK(ipcmem_shm_reserve(&shm, 8192));
  ASSERT_OK(ipcmem_shm_size(&shm, &size));
  ASSERT_OK(ipcmem_region_map(&r, &shm.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_close(&zeroed));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(1)));
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
}

static void *other_thread(void *arg) {
  ipcmem_shm shm;
  int *seen = arg;

  /* A fresh thread starts with no failure recorded... */
  seen[0] = ipcmem_last_os_error();
  /* ...and its own failures stay its own. */
  seen[1] = ipcmem_shm_remove("bad/name");
  seen[2] = ipcmem_last_os_error();
  seen[3] = ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0);
  seen[4] = ipcmem_last_os_error();
  return NULL;
}

/* The value is per thread: a failure in another thread does not change
 * this thread's diagnosis. */
TEST(err_last_os_error_per_thread) {
  ipcmem_shm shm;
  pthread_t t;
  int seen[5];

  /* Name 0 exists, so the other thread's create-only fails with EEXIST. */
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_ERR(ipcmem_shm_remove(test_shm_name(1)), IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
  ASSERT(pthread_create(&t, NULL, other_thread, seen) == 0);
  ASSERT(pthread_join(t, NULL) == 0);
  ASSERT_EQ(seen[0], 0);
  ASSERT_ERR(seen[1], IPCMEM_ENAME);
  ASSERT_EQ(seen[2], 0);
  ASSERT_ERR(seen[3], IPCMEM_EEXIST);
  ASSERT_EQ(seen[4], EEXIST);
  ASSERT_EQ(ipcmem_last_os_error(), ENOENT);
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* --- outputs written only on success -------------------------------- */

TEST(err_shm_open_output_untouched) {
  ipcmem_shm out, junk, existing;
  int k;

  memset(&junk, JUNK, sizeof(junk));
  ASSERT_OK(ipcmem_shm_open(&existing, test_shm_name(1), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));

  for (k = 0;; k++) {
    int rc;

    memset(&out, JUNK, sizeof(out));
    switch (k) {
    case 0:
      rc = ipcmem_shm_open(&out, "bad/name", IPCMEM_OPEN_OR_CREATE,
                           IPCMEM_READ_WRITE, 0);
      ASSERT_ERR(rc, IPCMEM_ENAME);
      break;
    case 1:
      rc = ipcmem_shm_open(&out, NULL, IPCMEM_OPEN_OR_CREATE, IPCMEM_READ_WRITE,
                           0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 2:
      rc = ipcmem_shm_open(&out, test_shm_name(0), 7, IPCMEM_READ_WRITE, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 3:
      rc = ipcmem_shm_open(&out, test_shm_name(0), IPCMEM_CREATE_ONLY,
                           IPCMEM_COPY_ON_WRITE, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 4:
      rc = ipcmem_shm_open(&out, test_shm_name(0), IPCMEM_CREATE_ONLY,
                           IPCMEM_READ_WRITE, 0100000);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 5:
      rc = ipcmem_shm_open(&out, test_shm_name(0), IPCMEM_OPEN_ONLY,
                           IPCMEM_READ_WRITE, 0);
      ASSERT_ERR(rc, IPCMEM_ENOENT);
      break;
    case 6:
      rc = ipcmem_shm_open(&out, test_shm_name(1), IPCMEM_CREATE_ONLY,
                           IPCMEM_READ_WRITE, 0);
      ASSERT_ERR(rc, IPCMEM_EEXIST);
      break;
    default:
      goto done;
    }
    if (memcmp(&out, &junk, sizeof(out)) != 0)
      test_fail_(__FILE__, __LINE__, "case %d (%s) wrote to *out", k,
                 ipcmem_err_name(rc));
  }
done:
  ASSERT_OK(ipcmem_shm_close(&existing));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(1)));
}

TEST(err_size_output_untouched) {
  ipcmem_shm shm, closed;
  uint64_t size, junk;

  memset(&junk, JUNK, sizeof(junk));
  memset(&closed, 0, sizeof(closed));
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));

  memset(&size, JUNK, sizeof(size));
  ASSERT_ERR(ipcmem_shm_size(&closed, &size), IPCMEM_EINVAL);
  ASSERT(memcmp(&size, &junk, sizeof(size)) == 0);
  ASSERT_ERR(ipcmem_shm_size(NULL, &size), IPCMEM_EINVAL);
  ASSERT(memcmp(&size, &junk, sizeof(size)) == 0);
  ASSERT_ERR(ipcmem_mappable_size(&closed.base, &size), IPCMEM_EINVAL);
  ASSERT(memcmp(&size, &junk, sizeof(size)) == 0);
  ASSERT_ERR(ipcmem_mappable_size(NULL, &size), IPCMEM_EINVAL);
  ASSERT(memcmp(&size, &junk, sizeof(size)) == 0);

  /* The success path does write it. */
  ASSERT_OK(ipcmem_shm_size(&shm, &size));
  ASSERT_U64_EQ(size, 4096);
  memset(&size, JUNK, sizeof(size));
  ASSERT_OK(ipcmem_mappable_size(&shm.base, &size));
  ASSERT_U64_EQ(size, 4096);

  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_ERR(ipcmem_shm_size(&shm, &size), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 4096);
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}

/* The same rule for ipcmem_region_map's output, failing both in ipcmem's
 * checks and in the system (mapping beyond a range the kernel accepts). */
TEST(err_region_output_untouched) {
  ipcmem_shm shm, ro;
  ipcmem_region out, junk;
  int k;

  memset(&junk, JUNK, sizeof(junk));
  ASSERT_OK(ipcmem_shm_open(&shm, test_shm_name(0), IPCMEM_CREATE_ONLY,
                            IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_shm_open(&ro, test_shm_name(0), IPCMEM_OPEN_ONLY,
                            IPCMEM_READ_ONLY, 0));

  for (k = 0;; k++) {
    int rc;

    memset(&out, JUNK, sizeof(out));
    switch (k) {
    case 0:
      rc = ipcmem_region_map(&out, &shm.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0);
      ASSERT_ERR(rc, IPCMEM_EEMPTY);
      ASSERT_OK(ipcmem_shm_truncate(&shm, 4096));
      break;
    case 1:
      rc = ipcmem_region_map(&out, &ro.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0);
      ASSERT_ERR(rc, IPCMEM_EMODE);
      break;
    case 2:
      rc = ipcmem_region_map(&out, &shm.base, IPCMEM_READ_ONLY, 4096, 0, NULL,
                             0);
      ASSERT_ERR(rc, IPCMEM_ERANGE);
      break;
    case 3:
      rc = ipcmem_region_map(&out, &shm.base, 9, 0, 0, NULL, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    case 4:
      rc = ipcmem_region_map(&out, NULL, IPCMEM_READ_ONLY, 0, 0, NULL, 0);
      ASSERT_ERR(rc, IPCMEM_EINVAL);
      break;
    default:
      goto done;
    }
    if (memcmp(&out, &junk, sizeof(out)) != 0)
      test_fail_(__FILE__, __LINE__, "case %d (%s) wrote to *out", k,
                 ipcmem_err_name(rc));
  }
done:
  ASSERT_OK(ipcmem_shm_close(&ro));
  ASSERT_OK(ipcmem_shm_close(&shm));
  ASSERT_OK(ipcmem_shm_remove(test_shm_name(0)));
}
