# What `cmake --install` adds besides the binary and the man pages (see
# man/CMakeLists.txt), and the Debian package `cpack -G DEB` builds from it:
#   - shell completions, generated at build time from the built binary's
#     --help by packaging/completions/generate.sh, into
#     ${PROJECT_BINARY_DIR}/completions/;
#   - the systemd units, with ExecStart= naming the installed binary;
#   - the commented default configuration, /etc/baton/baton.toml.
# Included at the end of the root CMakeLists.txt; it may not touch targets
# other than `baton`, which it only runs.
include(GNUInstallDirs)

# ---------------------------------------------------------------- completions
set(BATON_COMPLETIONS_DIR ${PROJECT_BINARY_DIR}/completions)
set(BATON_COMPLETIONS ${BATON_COMPLETIONS_DIR}/baton.bash ${BATON_COMPLETIONS_DIR}/_baton
    ${BATON_COMPLETIONS_DIR}/baton.fish)
add_custom_command(OUTPUT ${BATON_COMPLETIONS}
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/completions/generate.sh $<TARGET_FILE:baton> ${BATON_COMPLETIONS_DIR}
  DEPENDS baton ${CMAKE_CURRENT_LIST_DIR}/completions/generate.sh
  COMMENT "Generating shell completions from baton --help"
  VERBATIM)
add_custom_target(completions ALL DEPENDS ${BATON_COMPLETIONS})

set(datadir ${CMAKE_INSTALL_DATAROOTDIR})
install(FILES ${BATON_COMPLETIONS_DIR}/baton.bash DESTINATION ${datadir}/bash-completion/completions
        RENAME baton)
install(FILES ${BATON_COMPLETIONS_DIR}/_baton DESTINATION ${datadir}/zsh/vendor-completions)
install(FILES ${BATON_COMPLETIONS_DIR}/baton.fish DESTINATION ${datadir}/fish/vendor_completions.d)

# ---------------------------------------------------------------- systemd, config
# Both are placed when the install runs, because CPack installs again with its
# own prefix (/usr): the units get ExecStart=<prefix>/bin/baton, and the
# configuration goes to /etc/baton when the prefix is /usr (the package), else
# to <prefix>/etc/baton (GNUInstallDirs' rule). baton itself reads only
# /etc/baton/baton.toml, so after `cmake --install` to /usr/local copy
# /usr/local/etc/baton/baton.toml there if you want it.
set(BATON_UNITS baton-broker.service baton-worker.service)
install(CODE "
  set(units_src \"${CMAKE_CURRENT_LIST_DIR}/systemd\")
  set(units_tmp \"${PROJECT_BINARY_DIR}/systemd\")
  set(bindir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  foreach(unit ${BATON_UNITS})
    file(READ \"\${units_src}/\${unit}\" text)
    string(REPLACE \"ExecStart=/usr/bin/baton \" \"ExecStart=\${bindir}/baton \" text \"\${text}\")
    file(WRITE \"\${units_tmp}/\${unit}\" \"\${text}\")
    file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\" TYPE FILE
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES \"\${units_tmp}/\${unit}\")
  endforeach()
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(confdir \"/etc/baton\")
  else()
    set(confdir \"\${CMAKE_INSTALL_PREFIX}/etc/baton\")
  endif()
  file(INSTALL DESTINATION \"\${confdir}\" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES \"${CMAKE_CURRENT_LIST_DIR}/baton.toml\")
")

# ---------------------------------------------------------------- Slurm commands
# sbatch, squeue, ... as symlinks to the binary under lib/baton/slurm/bin, off
# PATH so installing baton never shadows a real Slurm (baton-slurm(7)). Made
# when the install runs, relative, so they hold under CPack's staging prefix.
install(CODE "
  set(slurm_bin \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/baton/slurm/bin\")
  file(MAKE_DIRECTORY \"\${slurm_bin}\")
  foreach(cmd sbatch squeue scancel sacct sinfo scontrol srun sacctmgr sshare)
    file(REMOVE \"\${slurm_bin}/\${cmd}\")
    file(CREATE_LINK ../../../../${CMAKE_INSTALL_BINDIR}/baton \"\${slurm_bin}/\${cmd}\" SYMBOLIC)
  endforeach()
")

# ---------------------------------------------------------------- CPack (.deb)
set(CPACK_PACKAGE_NAME baton)
set(CPACK_PACKAGE_VENDOR "baton")
set(CPACK_PACKAGE_CONTACT "baton maintainers <baton@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "distributed batch scheduler: broker, worker and client in one binary")
set(CPACK_PACKAGE_DESCRIPTION
    "baton queues batch jobs and runs them on one or many hosts. One binary is\n"
    "the broker (queue, scheduler and an SQLite journal), a worker, and the\n"
    "client (submit, status, cancel, wait, ...). It speaks Slurm's language:\n"
    "sbatch-style options, #BATON script lines, Slurm job states and reasons.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR "")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)        # needs dpkg-shlibdeps (dpkg-dev)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
# The configuration is a conffile: upgrades keep local edits, purge removes it.
file(WRITE ${PROJECT_BINARY_DIR}/debian/conffiles "/etc/baton/baton.toml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/debian/conffiles
    ${CMAKE_CURRENT_LIST_DIR}/debian/postinst
    ${CMAKE_CURRENT_LIST_DIR}/debian/prerm
    ${CMAKE_CURRENT_LIST_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
