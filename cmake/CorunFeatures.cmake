# CorunFeatures.cmake — the configure summary: one line per optional part,
# saying whether it is built and, when not, why (e.g. "fib: off (GMP not found)").
#
#   corun_feature(NAME ON|OFF "detail")   records a line
#   corun_feature_summary()               prints them, once, at the end
#   corun_want(OPTION found "what is missing") -> ${OPTION}_ON
#       resolves an AUTO|ON|OFF option against what was found: ON and
#       missing is a configure error naming what to install.

set_property(GLOBAL PROPERTY CORUN_FEATURES "")

function(corun_feature name state detail)
  if(state)
    set(line "  ${name}: on")
  else()
    set(line "  ${name}: off")
  endif()
  if(NOT detail STREQUAL "")
    string(APPEND line " (${detail})")
  endif()
  set_property(GLOBAL APPEND PROPERTY CORUN_FEATURES "${line}")
endfunction()

function(corun_feature_summary)
  get_property(lines GLOBAL PROPERTY CORUN_FEATURES)
  list(JOIN lines "\n" text)
  message(STATUS "corun ${PROJECT_VERSION} configuration:\n${text}")
endfunction()

# option: the cache variable (AUTO|ON|OFF); found: a boolean; missing: what
# to install, for the error and the summary. Sets ${option}_ON (0/1) and
# ${option}_WHY (empty when on).
macro(corun_want option found missing)
  set(${option}_ON 0)
  set(${option}_WHY "")
  if(${option} STREQUAL "OFF")
    set(${option}_WHY "${option}=OFF")
  elseif(${found})
    set(${option}_ON 1)
  elseif(${option} STREQUAL "ON")
    message(FATAL_ERROR "${option}=ON but ${missing}")
  else()
    set(${option}_WHY "${missing}")
  endif()
endmacro()
