# Turns the Lua sources (and the data files beside them: .csv, .json) under
# SOURCE_DIR into a C file of byte arrays, so duo-lua and duo.so carry their
# Lua half and run from any directory. Bytes as unsigned char: 0x80 and
# above do not fit a signed char (-Wpedantic's overflow warning).
file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*.lua" "${SOURCE_DIR}/*.csv"
     "${SOURCE_DIR}/*.json")
list(SORT files)
set(out "/* Generated from scripts/ by bindings/embed_scripts.cmake. */\n#include <stddef.h>\n\n")
set(table "")
set(i 0)
foreach(f IN LISTS files)
  file(READ "${SOURCE_DIR}/${f}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
  string(APPEND out "static const unsigned char file_${i}[] = {\n${bytes}0 };\n")
  string(APPEND table "    { \"${f}\", file_${i}, ${len} },\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND out "
typedef struct embedded_file { const char *path; const unsigned char *data; size_t len; } embedded_file;
const embedded_file duo_embedded_files[] = {
${table}    { NULL, NULL, 0 }
};
const size_t duo_embedded_count = ${i};
")
file(WRITE "${OUTPUT}.tmp" "${out}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
