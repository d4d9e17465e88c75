# Warnings, debug info and sanitizers, on one INTERFACE target that every
# target of the project links privately (vigil_apply_build_flags() at the end
# of the top-level CMakeLists.txt), instead of global add_compile_options.
# Two target properties adjust it per target:
#   VIGIL_NO_SANITIZERS  code that runs under the preload library, or is
#                        linked into programs that do: sanitizer runtimes and
#                        an LD_PRELOAD malloc interposer do not mix
#   VIGIL_FULL_DEBUG_INFO  -g2 in the sanitizer flavours (tests that read
#                        their own DWARF: inlined frames, lambdas)
#   VIGIL_NO_FRAME_POINTERS  code built as much of a distribution is, for the
#                        stack walks' tests (frame pointers are on elsewhere)
#   VIGIL_COLD_CODE      programs whose speed nothing measures and that run
#                        no measured code (test drivers, report tools), built
#                        for build speed: -O1 -g1 (line tables), -O0 under sanitizers
#                        (half the compile time of -O1 there), unless
#                        VIGIL_FULL_DEBUG_INFO. It holds most of the build's
#                        template code (CLI11, nlohmann/json, GoogleTest).
#                        Whole cold targets are unity builds too, one batch
#                        each: their files parse those headers once, not once
#                        each (a test executable builds in a quarter of the
#                        time), and a file added cannot move others between
#                        batches. File-local names must then differ per target.
add_library(vigil_build_flags INTERFACE)

set(_vigil_sanitized "$<NOT:$<BOOL:$<TARGET_PROPERTY:VIGIL_NO_SANITIZERS>>>")
set(_vigil_full_debug "$<BOOL:$<TARGET_PROPERTY:VIGIL_FULL_DEBUG_INFO>>")
set(_vigil_no_fp "$<BOOL:$<TARGET_PROPERTY:VIGIL_NO_FRAME_POINTERS>>")

# Debug info always: the leak tools name file:line, and profiles need symbols.
target_compile_options(vigil_build_flags INTERFACE -g
  "$<IF:${_vigil_no_fp},-fomit-frame-pointer,-fno-omit-frame-pointer>" -Wall -Wextra)
# GCC 12 reports -Wrestrict inside libstdc++'s own string concatenation at -O2
# (GCC bug 105329), a false positive that -Werror would turn into a failure.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(vigil_build_flags INTERFACE -Wno-restrict)
endif()
if(VIGIL_WERROR)
  target_compile_options(vigil_build_flags INTERFACE -Werror)
endif()

set(_vigil_sanitizers "")
if(VIGIL_SANITIZE OR VIGIL_FUZZ)
  set(_vigil_sanitizers -fsanitize=address,undefined)
  target_compile_options(vigil_build_flags INTERFACE
    "$<${_vigil_sanitized}:-fsanitize=address,undefined;-fno-sanitize-recover=undefined>")
elseif(VIGIL_TSAN)
  set(_vigil_sanitizers -fsanitize=thread)
  target_compile_options(vigil_build_flags INTERFACE "$<${_vigil_sanitized}:-fsanitize=thread>")
endif()
if(_vigil_sanitizers)
  target_link_options(vigil_build_flags INTERFACE "$<${_vigil_sanitized}:${_vigil_sanitizers}>")
  # Sanitized targets: -O1 (the sanitizers' own advice) and -g1 line tables,
  # enough for file:line in every sanitizer report, compile in about 60% of
  # the time of -O2 -g. Unsanitized ones keep the build type's flags and
  # their own (the preload's -O2).
  target_compile_options(vigil_build_flags INTERFACE
    "$<${_vigil_sanitized}:-O1;$<IF:${_vigil_full_debug},-g2,-g1>>")
endif()
if(_vigil_sanitizers)
  set(_vigil_cold_flags "$<$<NOT:${_vigil_full_debug}>:-O0;-g1>")
else()
  set(_vigil_cold_flags "$<$<NOT:${_vigil_full_debug}>:-O1;-g1>")
endif()
target_compile_options(vigil_build_flags INTERFACE "$<$<BOOL:$<TARGET_PROPERTY:VIGIL_COLD_CODE>>:${_vigil_cold_flags}>")
# In a unity build a file's anonymous-namespace types (test fixtures) sit in
# an included file, which GCC's -Wsubobject-linkage takes for a header.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(vigil_build_flags INTERFACE "$<$<BOOL:$<TARGET_PROPERTY:UNITY_BUILD>>:-Wno-subobject-linkage>")
endif()
if(VIGIL_FUZZ)
  # Coverage for libFuzzer in every object; the fuzz targets link the driver.
  target_compile_options(vigil_build_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()

function(vigil_no_sanitizers target)
  set_target_properties(${target} PROPERTIES VIGIL_NO_SANITIZERS ON)
endfunction()

function(vigil_no_frame_pointers target)
  set_target_properties(${target} PROPERTIES VIGIL_NO_FRAME_POINTERS ON)
endfunction()

# Whole executables only: a cold object linked beside measured code may give
# it its -O1 copies of templates and inline functions both use.
function(vigil_cold_code)
  foreach(target IN LISTS ARGN)
    set_target_properties(${target} PROPERTIES VIGIL_COLD_CODE ON UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
  endforeach()
endfunction()

function(vigil_full_debug_info target)
  set_target_properties(${target} PROPERTIES VIGIL_FULL_DEBUG_INFO ON)
endfunction()

# Links vigil_build_flags into every compiled target defined in `dir` and below.
function(vigil_apply_build_flags dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
      target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:vigil_build_flags>)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    vigil_apply_build_flags(${subdir})
  endforeach()
endfunction()

# A static library of the package: target <target>, alias and exported name
# vigil::<name>, public headers in the calling folder's include/.
function(vigil_add_library target name)
  add_library(${target} STATIC ${ARGN})
  add_library(vigil::${name} ALIAS ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
endfunction()
