# remedi_module(NAME [DEPS targets...] [INCLUDES dirs...]): a static library from <module>/src/*.cpp
# with public headers under <module>/include (and any extra public INCLUDES). While a module has no
# sources yet it is an interface target, so the tree always configures.
function(remedi_module name)
  cmake_parse_arguments(M "" "" "DEPS;INCLUDES" ${ARGN})
  file(GLOB _src CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  if(_src)
    add_library(${name} STATIC ${_src})
    target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include ${M_INCLUDES}
                               PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(${name} PUBLIC ${M_DEPS})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include ${M_INCLUDES})
    target_link_libraries(${name} INTERFACE ${M_DEPS})
  endif()
endfunction()
