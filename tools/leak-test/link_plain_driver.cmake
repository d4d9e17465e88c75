# cmake -DFROM=<plain build's driver> -DTO=<this build's bin/vigil-leak-driver> -P link_plain_driver.cmake
if(NOT EXISTS "${FROM}")
  message(FATAL_ERROR "vigil-leak-driver: ${FROM} is missing; build the plain flavour first "
                      "(scripts/build plain --target vigil-leak-driver)")
endif()
file(CREATE_LINK "${FROM}" "${TO}" SYMBOLIC)
