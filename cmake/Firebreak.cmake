# fb_module(NAME SOURCES a.cc b.cc DEPS other_module ... LIBS external::target ...)
#   One folder = one static library `fb_<NAME>` in namespace firebreak::<NAME>.
#   Tests beside the sources (`*_test.cc`) are collected into `fb_<NAME>_test` and registered with ctest.
function(fb_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;LIBS;TEST_LIBS" ${ARGN})
  add_library(fb_${name} STATIC ${M_SOURCES})
  target_include_directories(fb_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  set(deps)
  foreach(d ${M_DEPS})
    list(APPEND deps fb_${d})
  endforeach()
  target_link_libraries(fb_${name} PUBLIC ${deps} ${M_LIBS})
  if(FB_TESTS AND NOT FB_FUZZ)
    file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
    if(tests)
      add_executable(fb_${name}_test ${tests})
      target_link_libraries(fb_${name}_test PRIVATE fb_${name} fb_testing ${M_TEST_LIBS}
                            GTest::gtest_main GTest::gmock rapidcheck)
      add_test(NAME unit.${name} COMMAND fb_${name}_test --gtest_brief=1)
      set_tests_properties(unit.${name} PROPERTIES
        ENVIRONMENT "FB_SOURCE_DIR=${PROJECT_SOURCE_DIR};FB_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared"
        LABELS unit)
    endif()
  endif()
endfunction()
