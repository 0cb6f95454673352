#!/bin/sh
# Installs baton's build and test dependencies from Debian packages (Debian 12).
# Idempotent: packages already present are left alone. Run as root (or with sudo).
set -eu

PACKAGES="
  build-essential cmake pkg-config
  cppzmq-dev libzmq3-dev
  libsqlite3-dev sqlite3
  libraft-dev libuv1-dev liblz4-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev
  doctest-dev bats libbenchmark-dev
  procps
  scdoc groff-base man-db dpkg-dev file
  task-spooler parallel
  clang-16 libclang-rt-16-dev llvm-16
"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
