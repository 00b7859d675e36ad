# sinter_add_model(<target> <model.mlir> [NAME <c-prefix>] [CPU <cpu>]
#                  [ENTRY <function>])
#
# Compiles a model ahead of time at build time with sinter-compile and makes
# <target> a static library holding its object, with the generated header
# <NAME>.h on its include path: link it into an application and call
# <NAME>_run(...) or hand <NAME>_descriptor() to the runtime. No MLIR and no
# dlopen at run time.
function(sinter_add_model target mlir)
  cmake_parse_arguments(ARG "" "NAME;CPU;ENTRY" "" ${ARGN})
  if(NOT ARG_NAME)
    set(ARG_NAME ${target})
  endif()
  if(NOT ARG_CPU)
    set(ARG_CPU native)
  endif()
  get_filename_component(mlir_path "${mlir}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/${target}.sinter")
  set(object "${out_dir}/${ARG_NAME}.o")
  set(header "${out_dir}/include/${ARG_NAME}.h")
  set(extra)
  if(ARG_ENTRY)
    list(APPEND extra --entry=${ARG_ENTRY})
  endif()
  add_custom_command(
    OUTPUT "${object}" "${header}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}/include"
    COMMAND sinter-compile "${mlir_path}" --emit=obj -o "${object}"
            --header "${header}" --name=${ARG_NAME} --cpu=${ARG_CPU} ${extra}
    DEPENDS sinter-compile "${mlir_path}"
    COMMENT "sinter-compile ${mlir} -> ${ARG_NAME}.o, ${ARG_NAME}.h"
    VERBATIM)
  set_source_files_properties("${object}" PROPERTIES EXTERNAL_OBJECT TRUE
                                                     GENERATED TRUE)
  add_library(${target} STATIC "${object}" "${header}")
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} PUBLIC "${out_dir}/include")
  target_link_libraries(${target} PUBLIC sinter_runtime_abi)
endfunction()
