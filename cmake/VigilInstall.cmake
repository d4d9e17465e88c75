# `cmake --install`: tools, the preload library, headers, data and a package
# config, so that a project of a user's own does
#   find_package(Vigil CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE vigil::cycle vigil::reports)
include(CMakePackageConfigHelpers)

set(VIGIL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Vigil)

install(TARGETS vigil_framework vigil_http vigil_harness vigil_load vigil_reports vigil_profilers vigil_cycle
        EXPORT VigilTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS vigil_preload LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# vigil-leak-test finds vigil-leak-driver beside itself and the preload in ../lib.
set(VIGIL_INSTALLED_TOOLS vigil-leak-test vigil-pool vigil-route-cache vigil-server vigil-report vigil-count vigil-load)
if(TARGET vigil-bench)
  list(APPEND VIGIL_INSTALLED_TOOLS vigil-bench)
endif()
if(NOT (VIGIL_SANITIZE OR VIGIL_TSAN))
  list(APPEND VIGIL_INSTALLED_TOOLS vigil-leak-driver)
endif()
install(TARGETS ${VIGIL_INSTALLED_TOOLS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(part framework harness reports profilers)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${part}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(DIRECTORY ${VIGIL_DATA_OUTPUT_DIRECTORY}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/vigil)

install(EXPORT VigilTargets NAMESPACE vigil:: DESTINATION ${VIGIL_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/VigilConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/VigilConfig.cmake
                              INSTALL_DESTINATION ${VIGIL_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/VigilConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/VigilConfig.cmake ${PROJECT_BINARY_DIR}/VigilConfigVersion.cmake
        DESTINATION ${VIGIL_CMAKE_DIR})
