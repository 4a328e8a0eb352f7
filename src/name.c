/* The portable naming rule for named objects, checked before any system
 * call so that a bad name is always IPCMEM_ENAME and never a silently
 * different object (a '/' inside a name, for instance, would be a path on
 * some systems and an error on others). */
#include "internal.h"

#include <string.h>

static int ipcmem__name_char_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int ipcmem__name_canon(char out[IPCMEM_NAME_MAX + 2], const char *name) {
  const char *p;
  size_t len;

  if (name == NULL)
    return ipcmem__err(IPCMEM_EINVAL);
  p = name[0] == '/' ? name + 1 : name;
  /* Bounded scan: a huge unterminated string must not be read in full. */
  for (len = 0; len <= IPCMEM_NAME_MAX && p[len] != '\0'; len++)
    if (!ipcmem__name_char_ok(p[len]))
      return ipcmem__err(IPCMEM_ENAME);
  if (len == 0 || len > IPCMEM_NAME_MAX)
    return ipcmem__err(IPCMEM_ENAME);
  if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
    return ipcmem__err(IPCMEM_ENAME);
  out[0] = '/';
  memcpy(out + 1, p, len + 1);
  return 0;
}
