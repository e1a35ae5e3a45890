#!/usr/bin/env bash
# Runs osteoplan-cli's main paths (info, phantom, segment, cut, export, check) under valgrind:
# any memory error or definite leak fails the test.
#   valgrind-cli.sh OSTEOPLAN_CLI TMPDIR CUBE_STL
set -euo pipefail
cli=$1; tmp=$2/valgrind-cli; cube=$3
rm -rf "$tmp"; mkdir -p "$tmp"

supp=/usr/share/glib-2.0/valgrind/glib.supp
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-origins=no --num-callers=30)
[ -f "$supp" ] && vg+=(--suppressions="$supp")

# Fails on a valgrind error (exit 99) and on a failure of the command itself; `check` may exit 1
# for "not ready to print", which is an answer, not a failure.
run () {
  local rc=0
  echo "# valgrind osteoplan-cli $*"
  "${vg[@]}" "$cli" "$@" > "$tmp/out.txt" 2>&1 || rc=$?
  if [ "$rc" -eq 99 ] || { [ "$rc" -ne 0 ] && [ "$1" != check ]; }; then
    cat "$tmp/out.txt"; echo "not ok: $* (exit $rc)"; exit 1
  fi
}

run info "$cube" --json
run phantom --voxel 4 -o "$tmp/phantom.nii.gz"
run volume-info "$tmp/phantom.nii.gz"
run segment "$tmp/phantom.nii.gz" --smooth 2 --decimate 4000 -o "$tmp/bone.stl"
run info "$tmp/bone.stl"
run cut "$tmp/bone.stl" --plane 1,0,0,0 -o "$tmp/pieces"
run convert "$cube" "$tmp/cube.ply"
run export "$tmp/bone.stl" "$cube" -o "$tmp/case.3mf"
run info "$tmp/case.3mf"
run check "$tmp/case.3mf"
echo "valgrind: every CLI path clean"
