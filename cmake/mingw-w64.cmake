# Cross-compiling for 64-bit Windows with mingw-w64 (Debian:
# gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64), running tests under wine.
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
# `make check-windows` does this and runs the suite.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(IPCMEM_MINGW_PREFIX x86_64-w64-mingw32 CACHE STRING
    "Target triplet of the mingw-w64 tools")
set(CMAKE_C_COMPILER ${IPCMEM_MINGW_PREFIX}-gcc)
set(CMAKE_CXX_COMPILER ${IPCMEM_MINGW_PREFIX}-g++)
set(CMAKE_RC_COMPILER ${IPCMEM_MINGW_PREFIX}-windres)

# Libraries and headers come from the mingw-w64 sysroot only; programs
# (the host's sh, for instance) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${IPCMEM_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The compiler's runtime libraries (libgcc, libstdc++, winpthread) are
# linked statically, so that the programs and the DLL run under wine (or on
# a bare Windows) without copying the toolchain's DLLs next to them. The
# DLL then depends on KERNEL32.dll and msvcrt.dll only.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++ -static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

# CTest runs every test program through wine. WINEDEBUG=-all and a
# WINEPREFIX inside the build tree are set by `make check-windows`.
find_program(IPCMEM_WINE NAMES wine64 wine wine-stable)
if(IPCMEM_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${IPCMEM_WINE})
endif()
