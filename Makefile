# A thin driver around CMake. `make demo` and `make check` are the two
# commands of the README's quick start.
BUILD ?= build
CMAKE ?= cmake
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build demo check bench check-asan check-m32 check-windows \
  bench-relptr clean

all: build

$(BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)

# The main job: the seed's server/client example over named shared memory.
demo: build
	$(BUILD)/examples/shm_server_client ipcmem-demo-$$$$

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The same suite built with AddressSanitizer and UndefinedBehaviorSanitizer.
check-asan:
	$(MAKE) check BUILD=build-asan \
	  CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DIPCMEM_SANITIZE=address,undefined"

# The same suite built for 32-bit x86 (Debian: gcc-multilib g++-multilib).
# The compilers are wrappers that add -m32, so that the install test's
# consumer, which is built with "the compiler", is 32-bit as well.
check-m32:
	$(MAKE) check BUILD=build-m32 \
	  CMAKE_FLAGS="-DCMAKE_C_COMPILER=$(CURDIR)/cmake/m32/cc \
	    -DCMAKE_CXX_COMPILER=$(CURDIR)/cmake/m32/c++"

# The suite cross-compiled for 64-bit Windows with mingw-w64 and run under
# wine (Debian: gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine wine64). The
# wine prefix lives in the build tree, so a run never touches ~/.wine and a
# fresh tree gets a fresh prefix. Creating the prefix takes a while: it is
# done before ctest, so that the first test does not time out.
WINBUILD ?= build-windows
WINE ?= wine
WINE_ENV = WINEPREFIX=$(CURDIR)/$(WINBUILD)/wineprefix WINEDEBUG=-all \
  WINEDLLOVERRIDES="mscoree,mshtml="
check-windows:
	$(CMAKE) -S . -B $(WINBUILD) \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/mingw-w64.cmake $(CMAKE_FLAGS)
	$(CMAKE) --build $(WINBUILD) -j $(JOBS)
	$(WINE_ENV) $(WINE) cmd /c exit
	cd $(WINBUILD) && $(WINE_ENV) ctest --output-on-failure -j $(JOBS)

# Relative pointers against raw pointers and Boost's offset_ptr.
bench-relptr: build
	$(BUILD)/bench/relptr/ipcmem-bench-relptr

bench: build
	$(BUILD)/bench/ipcmem-bench

clean:
	rm -rf build build-*
