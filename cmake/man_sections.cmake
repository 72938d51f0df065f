# man_sections.cmake — cmake -DCORUN=PROGRAM -DOUT=FILE -P man_sections.cmake
#
# Writes a help2man include file with one section per corun command, holding
# that command's --help text as it is printed, so the man page covers every
# subcommand's options and not just the top-level usage. The commands are the
# ones `corun --help` lists; a command this build answers with an error (one
# not built in) gets no section.
execute_process(COMMAND ${CORUN} --help OUTPUT_VARIABLE top RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${CORUN} --help failed")
endif()
string(REGEX MATCH "commands:\n(  [a-z]+ [^\n]*\n)+" listing "${top}")
string(REGEX MATCHALL "\n  [a-z]+ " names "${listing}")
set(text "")
foreach(name IN LISTS names)
  string(STRIP "${name}" cmd)
  execute_process(COMMAND ${CORUN} ${cmd} --help OUTPUT_VARIABLE help ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR help STREQUAL "")
    continue()
  endif()
  # troff: a backslash is \e; a line starting with . or ' is a request.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(APPEND text "[COMMAND: corun ${cmd}]\n.nf\n${help}.fi\n\n")
endforeach()
file(WRITE ${OUT} "${text}")
