# The library the test programs link, IPCXX_TEST_LIBRARY. The tests reach into the library's
# internals (src/), which a shared libipcxx does not export (include/ipcxx/export.hpp): in a
# BUILD_SHARED_LIBS build they link a static copy instead, compiled from the same sources with the
# same settings (copied from the ipcxx target, so that they cannot drift apart).
get_target_property(IPCXX_TEST_LIBRARY_TYPE ipcxx TYPE)
if(NOT IPCXX_TEST_LIBRARY_TYPE STREQUAL "SHARED_LIBRARY")
    set(IPCXX_TEST_LIBRARY ipcxx::ipcxx)
    return()
endif()
add_library(ipcxx_static STATIC ${IPCXX_SOURCES})
foreach(property INCLUDE_DIRECTORIES COMPILE_DEFINITIONS COMPILE_OPTIONS LINK_LIBRARIES
                 INTERFACE_INCLUDE_DIRECTORIES INTERFACE_COMPILE_DEFINITIONS)
    get_target_property(value ipcxx ${property})
    if(value)
        set_property(TARGET ipcxx_static PROPERTY ${property} "${value}")
    endif()
endforeach()
# A static library passes on all it links, the shared one's private dependencies (OpenSSL) too.
get_target_property(value ipcxx LINK_LIBRARIES)
set_property(TARGET ipcxx_static PROPERTY INTERFACE_LINK_LIBRARIES "${value}")
set(IPCXX_TEST_LIBRARY ipcxx_static)
