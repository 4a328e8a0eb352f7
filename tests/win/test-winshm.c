/* Native Windows shared memory (ipcmem_winshm_*): sections backed by the
 * paging file, named as the caller says (so Global\ and Local\ work),
 * sized at creation and destroyed with their last handle or view. */
#include "wintest.h"

/* Name k of this run in the given namespace prefix ("" for none). The
 * result stays valid for the next 7 calls. */
static const char *wname(const char *ns, int k) {
  static char bufs[8][64];
  static unsigned next;
  char *b = bufs[next++ % 8];

  snprintf(b, sizeof(bufs[0]), "%s%s", ns, test_shm_name(k));
  return b;
}

static uint64_t rounded(uint64_t n) {
  uint64_t page = sys_page();

  return (n + page - 1) / page * page;
}

static uint64_t wsize(const ipcmem_winshm *w) {
  uint64_t size = 0;

  ASSERT_OK(ipcmem_winshm_size(w, &size));
  return size;
}

static void assert_absent(const char *name) {
  ipcmem_winshm w;

  ASSERT_ERR(
      ipcmem_winshm_open(&w, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0),
      IPCMEM_ENOENT);
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_FILE_NOT_FOUND);
}

/* --- open modes ------------------------------------------------------ */

TEST(winshm_create_only) {
  const char *name = wname("Local\\", 0);
  ipcmem_winshm w, again;
  ipcmem_region r;

  ASSERT_OK(ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               10000));
  ASSERT_EQ(ipcmem_winshm_created(&w), 1);
  ASSERT_EQ(ipcmem_mappable_kind(&w.base), IPCMEM_KIND_WINSHM);
  ASSERT(ipcmem_mappable_handle(&w.base) != IPCMEM_OS_HANDLE_INVALID);
  /* Windows keeps sizes in whole pages and says so. */
  ASSERT_U64_EQ(wsize(&w), rounded(10000));
  ASSERT(wsize(&w) > 10000);

  /* A new section is zeroed, and the whole rounded size is mappable. */
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_size(&r), rounded(10000));
  ASSERT(all_zero(ipcmem_region_addr(&r), ipcmem_region_size(&r)));

  memset(&again, JUNK, sizeof(again));
  ASSERT_ERR(ipcmem_winshm_open(&again, name, IPCMEM_CREATE_ONLY,
                                IPCMEM_READ_WRITE, 4096),
             IPCMEM_EEXIST);
  ASSERT_EQ(ipcmem_last_os_error(), ERROR_ALREADY_EXISTS);
  ASSERT_EQ(((unsigned char *)&again)[0], JUNK);
  ASSERT_ERR(ipcmem_winshm_open(&again, name, IPCMEM_CREATE_ONLY,
                                IPCMEM_READ_ONLY, 4096),
             IPCMEM_EEXIST);

  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&w));
  assert_absent(name);
}

TEST(winshm_open_only) {
  const char *name = wname("Local\\", 0);
  ipcmem_winshm w, other;
  ipcmem_region r, r2;

  assert_absent(name);
  /* The failed open created nothing. */
  assert_absent(name);

  ASSERT_OK(ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               8192));
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 8192, 1);
  /* The size of an open-only is ignored: 0 and any other value open the
   * existing section, whose size stays. */
  ASSERT_OK(
      ipcmem_winshm_open(&other, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_winshm_created(&other), 0);
  ASSERT_U64_EQ(wsize(&other), 8192);
  ASSERT_OK(
      ipcmem_region_map(&r2, &other.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r2), 8192, 1), 8192);
  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_winshm_close(&other));
  ASSERT_OK(ipcmem_winshm_open(&other, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY,
                               1 << 20));
  ASSERT_U64_EQ(wsize(&other), 8192);

  ASSERT_OK(ipcmem_winshm_close(&other));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&w));
}

TEST(winshm_open_or_create) {
  const char *name = wname("Local\\", 0);
  ipcmem_winshm a, b;
  ipcmem_region ra, rb;

  ASSERT_OK(ipcmem_winshm_open(&a, name, IPCMEM_OPEN_OR_CREATE,
                               IPCMEM_READ_WRITE, 4096));
  ASSERT_EQ(ipcmem_winshm_created(&a), 1);
  ASSERT_OK(ipcmem_region_map(&ra, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&ra), 4096, 2);
  /* The second one opens the same section and its size wins. */
  ASSERT_OK(ipcmem_winshm_open(&b, name, IPCMEM_OPEN_OR_CREATE,
                               IPCMEM_READ_ONLY, 1 << 20));
  ASSERT_EQ(ipcmem_winshm_created(&b), 0);
  ASSERT_U64_EQ(wsize(&b), 4096);
  ASSERT_OK(ipcmem_region_map(&rb, &b.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&rb), 4096, 2), 4096);

  ASSERT_OK(ipcmem_region_unmap(&rb));
  ASSERT_OK(ipcmem_region_unmap(&ra));
  ASSERT_OK(ipcmem_winshm_close(&b));
  ASSERT_OK(ipcmem_winshm_close(&a));
  assert_absent(name);
}

TEST(winshm_bad_arguments) {
  const char *name = wname("Local\\", 0);
  ipcmem_winshm w;
  uint64_t size = 77;

  memset(&w, JUNK, sizeof(w));
  ASSERT_ERR(ipcmem_winshm_open(NULL, name, IPCMEM_CREATE_ONLY,
                                IPCMEM_READ_WRITE, 4096),
             IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_ERR(ipcmem_winshm_open(&w, name, 0, IPCMEM_READ_WRITE, 4096),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_winshm_open(&w, name, 4, IPCMEM_READ_WRITE, 4096),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY, 0, 4096),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY,
                                IPCMEM_COPY_ON_WRITE, 4096),
             IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY,
                                IPCMEM_READ_PRIVATE, 4096),
             IPCMEM_EINVAL);
  /* A new section needs a size; an unnamed one cannot be opened. */
  ASSERT_ERR(
      ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_winshm_open(&w, name, IPCMEM_OPEN_OR_CREATE, IPCMEM_READ_WRITE, 0),
      IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_winshm_open(&w, NULL, IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 4096),
      IPCMEM_EINVAL);
  ASSERT_ERR(
      ipcmem_winshm_open(&w, NULL, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 0),
      IPCMEM_EINVAL);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_EQ(((unsigned char *)&w)[0], JUNK);
  ASSERT_EQ(((unsigned char *)&w)[sizeof(w) - 1], JUNK);
  /* None of the refused calls created the name. */
  assert_absent(name);

  memset(&w, 0, sizeof(w));
  ASSERT_OK(ipcmem_winshm_close(&w));
  ASSERT_ERR(ipcmem_winshm_close(NULL), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_winshm_size(&w, &size), IPCMEM_EINVAL);
  ASSERT_ERR(ipcmem_winshm_size(NULL, &size), IPCMEM_EINVAL);
  ASSERT_U64_EQ(size, 77);
  ASSERT_EQ(ipcmem_winshm_created(&w), 0);
  ASSERT_EQ(ipcmem_winshm_created(NULL), 0);
}

/* A size that cannot be committed from the paging file is refused when the
 * section is created, not when it is touched. */
TEST(winshm_absurd_size) {
  ipcmem_winshm w;

  memset(&w, JUNK, sizeof(w));
  ASSERT_ERR(ipcmem_winshm_open(&w, NULL, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                                (uint64_t)1 << 62),
             IPCMEM_ENOMEM);
  ASSERT(ipcmem_last_os_error() != 0);
  ASSERT_EQ(((unsigned char *)&w)[0], JUNK);
  assert_absent(wname("Local\\", 0));
}

/* --- access modes ----------------------------------------------------- */

TEST(winshm_read_only_access) {
  const char *name = wname("Local\\", 1);
  ipcmem_winshm rw, ro;
  ipcmem_region r, view, cow, priv;
  unsigned char *c;

  ASSERT_OK(ipcmem_winshm_open(&rw, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               4096));
  ASSERT_OK(ipcmem_region_map(&r, &rw.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 4096, 3);

  ASSERT_OK(
      ipcmem_winshm_open(&ro, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  memset(&view, JUNK, sizeof(view));
  ASSERT_ERR(
      ipcmem_region_map(&view, &ro.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0),
      IPCMEM_EMODE);
  ASSERT_EQ(ipcmem_last_os_error(), 0);
  ASSERT_EQ(((unsigned char *)&view)[0], JUNK);

  ASSERT_OK(
      ipcmem_region_map(&view, &ro.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_mode(&view), IPCMEM_READ_ONLY);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&view), 4096, 3), 4096);

  /* Private modes work on a read-only section: the copy is this view's. */
  ASSERT_OK(
      ipcmem_region_map(&cow, &ro.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  c = ipcmem_region_addr(&cow);
  c[0] = (unsigned char)(c[0] + 1);
  ASSERT_EQ(((unsigned char *)ipcmem_region_addr(&view))[0], pattern(0, 3));
  ASSERT_EQ(((unsigned char *)ipcmem_region_addr(&r))[0], pattern(0, 3));
  ASSERT_OK(
      ipcmem_region_map(&priv, &ro.base, IPCMEM_READ_PRIVATE, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&priv), 4096, 3), 4096);

  /* Writes through the shared view show in the read-only one. */
  ((unsigned char *)ipcmem_region_addr(&r))[100] = 0xEE;
  ASSERT_EQ(((unsigned char *)ipcmem_region_addr(&view))[100], 0xEE);

  ASSERT_OK(ipcmem_region_unmap(&priv));
  ASSERT_OK(ipcmem_region_unmap(&cow));
  ASSERT_OK(ipcmem_region_unmap(&view));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&ro));
  ASSERT_OK(ipcmem_winshm_close(&rw));
}

/* Copy-on-write views of a read-write section keep their writes. */
TEST(winshm_copy_on_write) {
  ipcmem_winshm w;
  ipcmem_region r, cow;

  ASSERT_OK(ipcmem_winshm_open(&w, NULL, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               3 * 4096));
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 3 * 4096, 4);
  ASSERT_OK(
      ipcmem_region_map(&cow, &w.base, IPCMEM_COPY_ON_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&cow), 3 * 4096, 5);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 3 * 4096, 4), 3 * 4096);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&cow), 3 * 4096, 5), 3 * 4096);
  ASSERT_OK(ipcmem_region_unmap(&cow));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* --- names ------------------------------------------------------------ */

/* Names reach Windows as given: "Local\" is the session's namespace, where
 * an unprefixed name lives too, so both spellings reach one section. */
TEST(winshm_local_prefix) {
  ipcmem_winshm a, b;
  ipcmem_region ra, rb;

  ASSERT_OK(ipcmem_winshm_open(&a, wname("Local\\", 2), IPCMEM_CREATE_ONLY,
                               IPCMEM_READ_WRITE, 4096));
  ASSERT_OK(ipcmem_region_map(&ra, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&ra), 4096, 6);
  ASSERT_OK(ipcmem_winshm_open(&b, wname("", 2), IPCMEM_OPEN_ONLY,
                               IPCMEM_READ_ONLY, 0));
  ASSERT_OK(ipcmem_region_map(&rb, &b.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&rb), 4096, 6), 4096);
  ASSERT_OK(ipcmem_region_unmap(&rb));
  ASSERT_OK(ipcmem_winshm_close(&b));
  /* Creating the unprefixed name collides with it. */
  ASSERT_ERR(ipcmem_winshm_open(&b, wname("", 2), IPCMEM_CREATE_ONLY,
                                IPCMEM_READ_WRITE, 4096),
             IPCMEM_EEXIST);
  ASSERT_OK(ipcmem_region_unmap(&ra));
  ASSERT_OK(ipcmem_winshm_close(&a));
}

/* "Global\" names the namespace shared by every session; creating there
 * needs SeCreateGlobalPrivilege, which a test may not have. */
TEST(winshm_global_prefix) {
  const char *name = wname("Global\\", 3);
  ipcmem_winshm a, b;
  ipcmem_region ra, rb;
  int rc;

  rc =
      ipcmem_winshm_open(&a, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 4096);
  if (rc == IPCMEM_EACCES)
    test_skip("no SeCreateGlobalPrivilege to create %s", name);
  ASSERT_OK(rc);
  ASSERT_OK(ipcmem_region_map(&ra, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&ra), 4096, 7);
  ASSERT_OK(
      ipcmem_winshm_open(&b, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_OK(ipcmem_region_map(&rb, &b.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&rb), 4096, 7), 4096);
  ASSERT_OK(ipcmem_region_unmap(&rb));
  ASSERT_OK(ipcmem_winshm_close(&b));
  /* The global and the session namespace are different places. */
  assert_absent(wname("Local\\", 3));
  ASSERT_OK(ipcmem_region_unmap(&ra));
  ASSERT_OK(ipcmem_winshm_close(&a));
  assert_absent(name);
}

/* UTF-8 at the API, UTF-16 for Windows: a name created through ipcmem is
 * the section Windows knows by the same characters. */
TEST(winshm_utf8_name) {
  char name[96];
  wchar_t wide[96];
  ipcmem_winshm w;
  ipcmem_region r;
  HANDLE h;
  void *p;

  /* "é" and "€": two- and three-byte sequences. */
  snprintf(name, sizeof(name), "Local\\%s.caf\xc3\xa9\xe2\x82\xac",
           test_shm_name(4));
  ASSERT(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, name, -1, wide,
                             96) > 0);
  ASSERT(wcsstr(wide, L".caf\u00e9\u20ac") != NULL);
  ASSERT_OK(ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               4096));
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 4096, 8);

  h = OpenFileMappingW(FILE_MAP_READ, FALSE, wide);
  ASSERT(h != NULL);
  p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 4096);
  ASSERT(p != NULL);
  ASSERT_U64_EQ(check(p, 4096, 8), 4096);
  ASSERT(UnmapViewOfFile(p));
  ASSERT(CloseHandle(h));

  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&w));
}

TEST(winshm_bad_names) {
  static const char *const bad[] = {
      "",
      "\xff",           /* never valid in UTF-8 */
      "a\xc3",          /* truncated sequence */
      "\xc0\xaf",       /* overlong '/' */
      "\xed\xa0\x80",   /* a UTF-16 surrogate encoded in UTF-8 */
      "Local\\caf\xe9", /* Latin-1, not UTF-8 */
  };
  char longest[300], too_long[300];
  ipcmem_winshm w;
  size_t i;

  memset(&w, JUNK, sizeof(w));
  for (i = 0; i < COUNT(bad); i++) {
    int rc = ipcmem_winshm_open(&w, bad[i], IPCMEM_OPEN_OR_CREATE,
                                IPCMEM_READ_WRITE, 4096);

    if (rc != IPCMEM_ENAME) {
      if (rc == 0)
        ipcmem_winshm_close(&w);
      test_fail_(__FILE__, __LINE__, "name %d: %s, expected IPCMEM_ENAME",
                 (int)i, ipcmem_err_name(rc));
    }
  }
  ASSERT_EQ(((unsigned char *)&w)[0], JUNK);

  /* 255 characters are allowed, 256 are not. */
  snprintf(longest, sizeof(longest), "Local\\%s.", test_shm_name(5));
  memset(longest + strlen(longest), 'x', 255 - strlen(longest));
  longest[255] = '\0';
  snprintf(too_long, sizeof(too_long), "%sx", longest);
  ASSERT_ERR(ipcmem_winshm_open(&w, too_long, IPCMEM_CREATE_ONLY,
                                IPCMEM_READ_WRITE, 4096),
             IPCMEM_ENAME);
  ASSERT_OK(ipcmem_winshm_open(&w, longest, IPCMEM_CREATE_ONLY,
                               IPCMEM_READ_WRITE, 4096));
  ASSERT_OK(ipcmem_winshm_close(&w));
}

/* --- unnamed sections ------------------------------------------------- */

TEST(winshm_unnamed) {
  ipcmem_winshm a, b;
  ipcmem_region r1, r2;

  ASSERT_OK(ipcmem_winshm_open(&a, NULL, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               5000));
  ASSERT_EQ(ipcmem_winshm_created(&a), 1);
  ASSERT_U64_EQ(wsize(&a), rounded(5000));
  ASSERT_OK(ipcmem_winshm_open(&b, NULL, IPCMEM_OPEN_OR_CREATE,
                               IPCMEM_READ_WRITE, 4096));
  ASSERT_EQ(ipcmem_winshm_created(&b), 1);

  /* Two views of one section share their bytes; another section is
   * another object. */
  ASSERT_OK(ipcmem_region_map(&r1, &a.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&r2, &a.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT(ipcmem_region_addr(&r1) != ipcmem_region_addr(&r2));
  fill(ipcmem_region_addr(&r1), 5000, 9);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r2), 5000, 9), 5000);
  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_region_map(&r2, &b.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT(all_zero(ipcmem_region_addr(&r2), 4096));

  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_region_unmap(&r1));
  ASSERT_OK(ipcmem_winshm_close(&b));
  ASSERT_OK(ipcmem_winshm_close(&a));
}

/* --- lifetime ---------------------------------------------------------- */

/* The section lives while a handle or a view refers to it: the memory of
 * a view outlives every handle. (Windows drops the name itself with the
 * last handle, so the name is not looked up in between.) Once handles and
 * views are all gone, the name is "not found". */
TEST(winshm_lifetime_views) {
  const char *name = wname("Local\\", 6);
  ipcmem_winshm w, again;
  ipcmem_region r, r2;

  ASSERT_OK(ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               4096));
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_OK(ipcmem_region_map(&r2, &w.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 4096, 10);
  /* A second handle keeps the name while the first one goes. */
  ASSERT_OK(
      ipcmem_winshm_open(&again, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_OK(ipcmem_winshm_close(&w));
  ASSERT_EQ(ipcmem_mappable_kind(&w.base), IPCMEM_KIND_NONE);
  ASSERT_OK(ipcmem_winshm_close(&w));
  ASSERT_OK(
      ipcmem_winshm_open(&w, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_ONLY, 0));
  ASSERT_OK(ipcmem_winshm_close(&w));
  ASSERT_OK(ipcmem_winshm_close(&again));

  /* Only views are left: they still share the section's memory. */
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r2), 4096, 10), 4096);
  fill(ipcmem_region_addr(&r), 4096, 11);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r2), 4096, 11), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r2));
  ASSERT_OK(ipcmem_region_unmap(&r));
  assert_absent(name);
  /* And the name is free for a new, zeroed section. */
  ASSERT_OK(ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               4096));
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT(all_zero(ipcmem_region_addr(&r), 4096));
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&w));
  assert_absent(name);
}

/* Creates section argv[0] (a name index) with pattern 11, says ready, and
 * holds it until told to go; then exits, and the section with it. */
HELPER(winshm_holder) {
  ipcmem_winshm w;
  ipcmem_region r;

  ASSERT(argc == 1);
  ASSERT_OK(ipcmem_winshm_open(&w, wname("Local\\", atoi(argv[0])),
                               IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE, 8192));
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 8192, 11);
  helper_ready();
  helper_wait_go();
  /* Exits with its handle and view open: process exit closes them. */
  return 0;
}

TEST(winshm_lifetime_across_processes) {
  const char *name = wname("Local\\", 7);
  ipcmem_winshm w;
  ipcmem_region r;
  test_proc p;

  test_spawn(&p, "winshm_holder", "7", (char *)NULL);
  test_proc_wait_ready(&p);
  ASSERT_OK(
      ipcmem_winshm_open(&w, name, IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_EQ(ipcmem_winshm_created(&w), 0);
  ASSERT_U64_EQ(wsize(&w), 8192);
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 8192, 11), 8192);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&w));
  /* The helper holds the last handle and view; when it exits, the section
   * is gone. */
  test_proc_go(&p);
  ASSERT_EQ(test_proc_join(&p), 0);
  assert_absent(name);
}

/* Opens section argv[0], checks pattern 12, writes pattern 13 and exits. */
HELPER(winshm_peer) {
  ipcmem_winshm w;
  ipcmem_region r;

  ASSERT(argc == 1);
  ASSERT_OK(ipcmem_winshm_open(&w, wname("Local\\", atoi(argv[0])),
                               IPCMEM_OPEN_ONLY, IPCMEM_READ_WRITE, 0));
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 12), 4096);
  helper_ready();
  helper_wait_go();
  fill(ipcmem_region_addr(&r), 4096, 13);
  ASSERT_OK(ipcmem_region_unmap(&r));
  ASSERT_OK(ipcmem_winshm_close(&w));
  return 0;
}

/* The test's handle goes first: the helper's keeps the section, and its
 * writes are seen through the test's view. */
TEST(winshm_cross_process_data) {
  const char *name = wname("Local\\", 8);
  ipcmem_winshm w;
  ipcmem_region r;
  test_proc p;

  ASSERT_OK(ipcmem_winshm_open(&w, name, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               4096));
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&r), 4096, 12);
  test_spawn(&p, "winshm_peer", "8", (char *)NULL);
  test_proc_wait_ready(&p);
  ASSERT_OK(ipcmem_winshm_close(&w));
  test_proc_go(&p);
  ASSERT_EQ(test_proc_join(&p), 0);
  ASSERT_U64_EQ(check(ipcmem_region_addr(&r), 4096, 13), 4096);
  ASSERT_OK(ipcmem_region_unmap(&r));
  assert_absent(name);
}

/* --- handles and regions ------------------------------------------------ */

TEST(winshm_handle_not_inheritable) {
  ipcmem_winshm named, unnamed;
  DWORD flags;

  ASSERT_OK(ipcmem_winshm_open(&named, wname("Local\\", 9), IPCMEM_CREATE_ONLY,
                               IPCMEM_READ_WRITE, 4096));
  ASSERT_OK(ipcmem_winshm_open(&unnamed, NULL, IPCMEM_CREATE_ONLY,
                               IPCMEM_READ_WRITE, 4096));
  ASSERT(GetHandleInformation(ipcmem_mappable_handle(&named.base), &flags));
  ASSERT(!(flags & HANDLE_FLAG_INHERIT));
  ASSERT(GetHandleInformation(ipcmem_mappable_handle(&unnamed.base), &flags));
  ASSERT(!(flags & HANDLE_FLAG_INHERIT));
  ASSERT_OK(ipcmem_winshm_close(&unnamed));
  ASSERT_OK(ipcmem_winshm_close(&named));
}

/* Views at any offset, and the range checks against the rounded size. */
TEST(winshm_regions) {
  size_t gran = ipcmem_page_size();
  uint64_t size = 2 * gran + 3 * 4096;
  ipcmem_winshm w;
  ipcmem_region all, r;
  uint64_t msize;

  ASSERT_OK(ipcmem_winshm_open(&w, NULL, IPCMEM_CREATE_ONLY, IPCMEM_READ_WRITE,
                               size));
  ASSERT_OK(ipcmem_mappable_size(&w.base, &msize));
  ASSERT_U64_EQ(msize, size);
  ASSERT_OK(ipcmem_region_map(&all, &w.base, IPCMEM_READ_WRITE, 0, 0, NULL, 0));
  fill(ipcmem_region_addr(&all), (size_t)size, 14);

  /* An offset that is neither page- nor granularity-aligned. */
  ASSERT_OK(ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, gran + 4097, 100,
                              NULL, 0));
  ASSERT_EQ(ipcmem_region_size(&r), 100);
  ASSERT_U64_EQ(check_from(ipcmem_region_addr(&r), 100, gran + 4097, 14), 100);
  ASSERT_OK(ipcmem_region_unmap(&r));
  /* Size 0 maps to the end. */
  ASSERT_OK(
      ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, size - 10, 0, NULL, 0));
  ASSERT_EQ(ipcmem_region_size(&r), 10);
  ASSERT_U64_EQ(check_from(ipcmem_region_addr(&r), 10, size - 10, 14), 10);
  ASSERT_OK(ipcmem_region_unmap(&r));

  ASSERT_ERR(ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, size, 0, NULL, 0),
             IPCMEM_ERANGE);
  ASSERT_ERR(
      ipcmem_region_map(&r, &w.base, IPCMEM_READ_ONLY, size - 10, 11, NULL, 0),
      IPCMEM_ERANGE);
  ASSERT_OK(ipcmem_region_unmap(&all));
  ASSERT_OK(ipcmem_winshm_close(&w));
}
