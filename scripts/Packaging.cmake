# Installation and the Debian package (cpack -G DEB). The package installs with prefix /usr:
# configure with -DCMAKE_INSTALL_PREFIX=/usr (scripts/test.sh does). The systemd units are
# generated with the binaries' real paths, so a /usr/local install gets units that match it.
include(GNUInstallDirs)

foreach(unit pharos-backend.service pharos-health.service)
  configure_file(${PROJECT_SOURCE_DIR}/scripts/systemd/${unit}.in
                 ${PROJECT_BINARY_DIR}/systemd/${unit} @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/systemd/${unit} DESTINATION /lib/systemd/system)
endforeach()
install(FILES scripts/systemd/pharos-backend.socket DESTINATION /lib/systemd/system)
install(FILES scripts/systemd/pdns-pharos.conf DESTINATION ${CMAKE_INSTALL_DATADIR}/pharos/systemd)
install(FILES scripts/pdns/pharos.conf DESTINATION ${CMAKE_INSTALL_DATADIR}/pharos/pdns)
install(FILES contrib/prometheus/pharos-rules.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/pharos/prometheus)
install(PROGRAMS scripts/pharos-zone.sh DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME pharos-zone)
install(FILES conf/examples/pharos.yaml conf/examples/polaris-lb.yaml
              conf/examples/polaris-topology.yaml
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/pharos)
install(FILES README.md docs/ARCHITECTURE.md docs/LB.md docs/SECURITY.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pharos)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "pharos developers <pharos@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Global server load balancer for disaster recovery, on PowerDNS's remote backend")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: the runtime libraries it links
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "pdns-server, pdns-backend-remote, pdns-backend-sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/scripts/debian/postinst;${PROJECT_SOURCE_DIR}/scripts/debian/postrm;${PROJECT_SOURCE_DIR}/scripts/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
