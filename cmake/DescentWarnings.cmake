# descent_warnings(target): the project's warning flags, errors when DESCENT_WERROR is on.
function(descent_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wold-style-cast)
  # GCC 12 at -O3 reports false -Wrestrict errors inside std::string's operator+ (GCC bug 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(DESCENT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
