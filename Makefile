# A thin driver around CMake. `make demo` and `make check` are the two
# commands of the README's quick start.
BUILD ?= build
CMAKE ?= cmake
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build demo check bench check-asan clean

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

bench: build
	$(BUILD)/bench/ipcmem-bench

clean:
	rm -rf build build-*
