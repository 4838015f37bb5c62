# Installation and the Debian package. One build tree installs two ways:
# - `cmake --install` follows CMAKE_INSTALL_PREFIX: the programs in PREFIX/bin, the samples in
#   the prefix's etc (/etc for prefix /usr) and units naming those paths (component "local").
# - `cpack -G DEB` builds a Debian package whatever the prefix and build type: /usr and /etc,
#   units naming /usr/bin and /etc/pharos, stripped programs, the copyright file and changelog
#   (component "deb", which a plain `cmake --install` leaves out).
include(GNUInstallDirs)

# The units and samples of one layout; the socket unit names no path, so both share it.
function(pharos_install_layout component bindir sysconfdir)
  set(PHAROS_BINDIR ${bindir})
  set(PHAROS_SYSCONFDIR ${sysconfdir})
  set(units ${PROJECT_BINARY_DIR}/systemd-${component})
  foreach(unit pharos-backend.service pharos-health.service)
    configure_file(${PROJECT_SOURCE_DIR}/scripts/systemd/${unit}.in ${units}/${unit} @ONLY)
  endforeach()
  install(FILES ${units}/pharos-backend.service ${units}/pharos-health.service
                ${PROJECT_SOURCE_DIR}/scripts/systemd/pharos-backend.socket
          DESTINATION /lib/systemd/system COMPONENT ${component} ${ARGN})
  install(FILES ${PROJECT_SOURCE_DIR}/conf/examples/pharos.yaml
                ${PROJECT_SOURCE_DIR}/conf/examples/polaris-lb.yaml
                ${PROJECT_SOURCE_DIR}/conf/examples/polaris-topology.yaml
          DESTINATION ${sysconfdir}/pharos COMPONENT ${component} ${ARGN})
endfunction()

pharos_install_layout(local ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_SYSCONFDIR})
pharos_install_layout(deb /usr/bin /etc EXCLUDE_FROM_ALL)

# Both layouts: relative destinations, under the prefix (/usr in the package).
install(FILES scripts/systemd/pdns-pharos.conf DESTINATION ${CMAKE_INSTALL_DATADIR}/pharos/systemd)
install(FILES scripts/pdns/pharos.conf DESTINATION ${CMAKE_INSTALL_DATADIR}/pharos/pdns)
install(FILES contrib/prometheus/pharos-rules.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/pharos/prometheus)
install(PROGRAMS scripts/pharos-zone.sh DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME pharos-zone)
install(FILES README.md docs/ARCHITECTURE.md docs/LB.md docs/SECURITY.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Debian's copyright file and the native package's changelog, compressed as policy asks
# (gzip -9n: no name or time stamp, so the same changelog gives the same bytes).
set(debian ${PROJECT_SOURCE_DIR}/scripts/debian)
file(STRINGS ${debian}/changelog changelog_head LIMIT_COUNT 1)
if(NOT changelog_head MATCHES "^pharos \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "scripts/debian/changelog's first entry is not version ${PROJECT_VERSION}: "
                      "add an entry for it")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${debian}/changelog)
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/debian)
execute_process(COMMAND gzip -9nc ${debian}/changelog
                OUTPUT_FILE ${PROJECT_BINARY_DIR}/debian/changelog.gz COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${debian}/copyright ${PROJECT_BINARY_DIR}/debian/changelog.gz
        DESTINATION share/doc/pharos COMPONENT deb EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pharos)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "pharos developers <pharos@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Global server load balancer for disaster recovery, on PowerDNS's remote backend")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION  # lines of at most 80 characters, as lintian wants
    "pharos probes every copy of an application run in two or more data
centres and, when one fails, sends users to a healthy one within seconds.
It answers the load-balanced names through PowerDNS Authoritative's remote
backend, with failover groups, weighted, topology-weighted and
consistent-hash methods, and reads Polaris GSLB's configuration files
unchanged.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)  # Debian's, not CMAKE_INSTALL_PREFIX
set(CPACK_STRIP_FILES ON)                 # whatever CMAKE_BUILD_TYPE: no debug symbols shipped
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: the runtime libraries it links
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "pdns-server, pdns-backend-remote, pdns-backend-sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${debian}/postinst ${debian}/prerm ${debian}/postrm
                                       ${debian}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# The package holds every component but "local", including those that install() rules after
# this file add (man pages, completions): CPack is set up once the whole tree is read.
function(pharos_package)
  get_cmake_property(components COMPONENTS)
  list(REMOVE_ITEM components local)
  set(CPACK_COMPONENTS_ALL ${components})
  set(CPACK_DEB_COMPONENT_INSTALL ON)  # install by component, so that "local" stays out,
  set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)  # into one package
  include(CPack)
endfunction()
cmake_language(DEFER CALL pharos_package)
