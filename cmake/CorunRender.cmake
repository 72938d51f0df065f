# CorunRender.cmake — `corun render` and `corun life --write-png` write PNG
# (libpng) and animated GIF (giflib) pictures of Life grids. Without the
# two libraries corun builds everything else; those outputs then say how it
# was built (src/cli/render_disabled.c), and `corun render`'s pattern export
# (.rle, .cells), which needs neither, still works.
#
# CMake's own FindPNG and FindGIF (on clusters: modules or Spack through
# CMAKE_PREFIX_PATH, or -DPNG_ROOT=DIR / -DGIF_ROOT=DIR).
#
# Sets: CORUN_RENDER_ON, CORUN_RENDER_WHY and the INTERFACE target
# corun_images (linked by the corun program only: the library does not use them).

set(CORUN_RENDER "AUTO" CACHE STRING "PNG and GIF output (needs libpng and giflib): AUTO|ON|OFF")
set_property(CACHE CORUN_RENDER PROPERTY STRINGS AUTO ON OFF)

set(_render_found OFF)
set(_render_missing "")
if(NOT CORUN_RENDER STREQUAL "OFF")
  find_package(PNG QUIET)
  find_package(GIF QUIET)
  if(NOT PNG_FOUND)
    set(_render_missing "libpng not found")
  elseif(NOT GIF_FOUND OR GIF_VERSION VERSION_LESS 5)
    set(_render_missing "giflib 5 not found")
  else()
    set(_render_found ON)
  endif()
endif()
corun_want(CORUN_RENDER _render_found "${_render_missing}")

add_library(corun_images INTERFACE)
if(CORUN_RENDER_ON)
  target_link_libraries(corun_images INTERFACE PNG::PNG GIF::GIF)
  corun_feature(render ON "libpng ${PNG_VERSION_STRING}, giflib ${GIF_VERSION}")
else()
  set(_hint "")
  if(NOT CORUN_RENDER STREQUAL "OFF")
    set(_hint ": libpng-dev libgif-dev on Debian, or libpng and giflib modules")
  endif()
  corun_feature(render OFF "${CORUN_RENDER_WHY}${_hint}")
endif()
