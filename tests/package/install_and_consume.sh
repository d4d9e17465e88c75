#!/usr/bin/env bash
# install_and_consume.sh BUILD_DIR CONSUMER_SOURCE_DIR GENERATOR
# Fails (exit 1, with the step that failed) unless a project of a user's own
# builds against an install tree of BUILD_DIR and the installed tools work on it.
set -euo pipefail
build=$1 consumer_src=$2 generator=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-package-XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

step() { echo "-- $*"; "$@" >"$work/step.log" 2>&1 || { cat "$work/step.log"; echo "FAILED: $*"; exit 1; }; }

step cmake --install "$build" --prefix "$prefix"
step cmake -S "$consumer_src" -B "$work/consumer" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix"
step cmake --build "$work/consumer"
step "$work/consumer/vigil_consumer" "$work/consumer.json"
step "$prefix/bin/vigil-report" validate "$work/consumer.json"

# External mode: the installed tool must find libvigil_preload.so in $prefix/lib.
rc=0
"$prefix/bin/vigil-leak-test" --json "$work/leak.json" -- "$work/consumer/vigil_consumer" >"$work/leak.log" 2>&1 || rc=$?
if [[ $rc -ne 1 ]] || ! grep -q '"leak"' "$work/leak.json"; then
  cat "$work/leak.log"
  echo "FAILED: installed vigil-leak-test exit $rc, expected 1 with a leak finding"
  exit 1
fi
# In-process mode (the driver beside the tool) and the shipped data (share/vigil).
step "$prefix/bin/vigil-leak-test" --cycles 8 --warmup 2 --requests-per-cycle 50
step "$prefix/bin/vigil-route-cache" --pattern sequential --lookups 2000
echo "package: installed, consumed, and the installed tools ran"
