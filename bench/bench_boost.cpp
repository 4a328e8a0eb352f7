// The Boost.Interprocess way of each benchmarked operation, written as an
// ordinary Boost user would write it: RAII objects whose destructors unmap
// and close, and exceptions for errors. The exceptions are caught here and
// turned into a message, because they must not unwind through C frames.
#include "bench_boost.h"

#include <boost/interprocess/anonymous_shared_memory.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

namespace bip = boost::interprocess;

namespace {

void set_error(char *err, size_t errlen, const char *what,
               const std::exception &e) {
  const bip::interprocess_exception *ie =
      dynamic_cast<const bip::interprocess_exception *>(&e);
  int native = ie != 0 ? ie->get_native_error() : 0;

  if (native != 0)
    std::snprintf(err, errlen, "%s: %s (%s)", what, e.what(),
                  std::strerror(native));
  else
    std::snprintf(err, errlen, "%s: %s", what, e.what());
}

} // namespace

extern "C" int ipcmem_bench_boost_create(const char *name, size_t size,
                                         char *err, size_t errlen) {
  try {
    {
      // The region is declared after the object, so it is destroyed
      // (unmapped) before the object is closed, as in the other two ways.
      bip::shared_memory_object shm(bip::create_only, name, bip::read_write);
      shm.truncate(static_cast<bip::offset_t>(size));
      bip::mapped_region region(shm, bip::read_write, 0, size);
      static_cast<volatile char *>(region.get_address())[0] = 1;
    }
    if (!bip::shared_memory_object::remove(name)) {
      std::snprintf(err, errlen, "shared_memory_object::remove: %s",
                    std::strerror(errno));
      return -1;
    }
    return 0;
  } catch (const std::exception &e) {
    // The object may exist if truncate or the mapping failed; it must not
    // outlive the benchmark.
    bip::shared_memory_object::remove(name);
    set_error(err, errlen, "create", e);
    return -1;
  }
}

extern "C" int ipcmem_bench_boost_open(const char *name, char *err,
                                       size_t errlen) {
  try {
    bip::shared_memory_object shm(bip::open_only, name, bip::read_only);
    // Size 0 means "the whole object": Boost learns it with fstat.
    bip::mapped_region region(shm, bip::read_only);
    (void)static_cast<const volatile char *>(region.get_address())[0];
    return 0;
  } catch (const std::exception &e) {
    set_error(err, errlen, "open", e);
    return -1;
  }
}

extern "C" int ipcmem_bench_boost_anon(size_t size, char *err, size_t errlen) {
  try {
    bip::mapped_region region(bip::anonymous_shared_memory(size));
    static_cast<volatile char *>(region.get_address())[0] = 1;
    return 0;
  } catch (const std::exception &e) {
    set_error(err, errlen, "anon", e);
    return -1;
  }
}
