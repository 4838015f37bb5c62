# The manual pages, the programs' --help texts and pharosctl's bash completion, all built from
# one source per page (docs/man/NAME.SECTION.txt) by docs/man/manpage.py, so they cannot differ.
# Included before the programs' folders, which call pharos_help_text().
include(GNUInstallDirs)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(PHAROS_MAN_DIR ${CMAKE_CURRENT_LIST_DIR})
set(PHAROS_MAN_TOOL ${PHAROS_MAN_DIR}/manpage.py)

# Gives TARGET the header HEADER (no folder: #include "HEADER") that defines `SYMBOL[]`, the
# text of page PAGE (e.g. pharosctl.8), which the program prints for --help.
function(pharos_help_text target page header symbol)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/help)
  add_custom_command(
    OUTPUT ${dir}/${header}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${Python3_EXECUTABLE} ${PHAROS_MAN_TOOL} help ${PHAROS_MAN_DIR}/${page}.txt ${symbol}
            ${dir}/${header}
    DEPENDS ${PHAROS_MAN_TOOL} ${PHAROS_MAN_DIR}/${page}.txt
    COMMENT "Generating ${header} from docs/man/${page}.txt")
  target_sources(${target} PRIVATE ${dir}/${header})
  target_include_directories(${target} PRIVATE ${dir})
endfunction()

set(PHAROS_MAN_PAGES pharos-backend.8 pharos-health.8 pharosctl.8 pharos.yaml.5)
set(PHAROS_MAN_OUTPUT ${PROJECT_BINARY_DIR}/man)
set(generated)
foreach(page ${PHAROS_MAN_PAGES})
  add_custom_command(
    OUTPUT ${PHAROS_MAN_OUTPUT}/${page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PHAROS_MAN_OUTPUT}
    COMMAND ${Python3_EXECUTABLE} ${PHAROS_MAN_TOOL} roff ${PHAROS_MAN_DIR}/${page}.txt
            ${PROJECT_VERSION} ${PHAROS_MAN_OUTPUT}/${page}
    DEPENDS ${PHAROS_MAN_TOOL} ${PHAROS_MAN_DIR}/${page}.txt
    COMMENT "Generating the manual page ${page}")
  # Debian ships manual pages compressed, reproducibly (-n: no name or time in the header).
  add_custom_command(
    OUTPUT ${PHAROS_MAN_OUTPUT}/${page}.gz
    COMMAND gzip -9nkf ${PHAROS_MAN_OUTPUT}/${page}
    DEPENDS ${PHAROS_MAN_OUTPUT}/${page})
  list(APPEND generated ${PHAROS_MAN_OUTPUT}/${page} ${PHAROS_MAN_OUTPUT}/${page}.gz)
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${PHAROS_MAN_OUTPUT}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

# pharosctl's commands, arguments and options come from its page's COMMANDS and OPTIONS.
set(PHAROS_COMPLETION ${PROJECT_BINARY_DIR}/completion/pharosctl)
set(completion_template ${PROJECT_SOURCE_DIR}/scripts/completion/pharosctl.bash.in)
add_custom_command(
  OUTPUT ${PHAROS_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/completion
  COMMAND ${Python3_EXECUTABLE} ${PHAROS_MAN_TOOL} completion ${PHAROS_MAN_DIR}/pharosctl.8.txt
          ${completion_template} ${PHAROS_COMPLETION}
  DEPENDS ${PHAROS_MAN_TOOL} ${PHAROS_MAN_DIR}/pharosctl.8.txt ${completion_template}
  COMMENT "Generating pharosctl's bash completion")
install(FILES ${PHAROS_COMPLETION}
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

add_custom_target(pharos_manpages ALL DEPENDS ${generated} ${PHAROS_COMPLETION})
