#!/bin/sh
# The desktop integration files are valid and go to the right places.
# Usage: test-desktop.sh SOURCE_ROOT BUILD_ROOT DESKTOP_FILE METAINFO_FILE
#   desktop-file-validate on the merged .desktop; appstreamcli validate --no-net on the merged
#   metainfo; glib-compile-schemas --strict --dry-run on the schema; the MIME database built from
#   our MIME file recognises .osteoplan by name and by content; the icons are well-formed SVG;
#   the zh_CN translations reached the merged files; `meson introspect --installed` puts each
#   file where the desktop looks for it.
# A missing validator skips its check (exit 77 when none could run).
set -u
src=$1
build=$2
desktop=$3
metainfo=$4
id=io.github.osteoplan.Osteoplan
fail=0
ran=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have () { command -v "$1" >/dev/null 2>&1; }
check () {   # check DESCRIPTION COMMAND…
  what=$1; shift
  ran=$((ran + 1))
  if "$@" > "$tmp/out" 2>&1; then
    echo "ok: $what"
  else
    echo "not ok: $what"; sed 's/^/    /' "$tmp/out"; fail=1
  fi
}

if have desktop-file-validate; then
  # Hints are advice; errors and warnings fail.
  check "desktop-file-validate $id.desktop" \
    sh -c "desktop-file-validate '$desktop' | grep -v ': hint: ' | { ! grep . ; }"
fi
if have appstreamcli; then
  check "appstreamcli validate --no-net $id.metainfo.xml" \
    appstreamcli validate --no-net --explain "$metainfo"
fi
if have glib-compile-schemas; then
  check "glib-compile-schemas --strict --dry-run" \
    glib-compile-schemas --strict --dry-run "$src/resources"
  check "compiled schema in the build tree" test -f "$build/resources/gschemas.compiled"
  if have gsettings; then
    check "default bone threshold is 250 HU" sh -c \
      "[ \"\$(GSETTINGS_SCHEMA_DIR='$build/resources' GSETTINGS_BACKEND=memory \
         gsettings get $id bone-threshold)\" = 250.0 ]"
  fi
fi
if have xmllint; then
  for f in "$src/resources/icons/$id.svg" "$src/resources/icons/symbolic/$id-symbolic.svg" \
           "$src/resources/$id.mime.xml"; do
    check "well-formed $(basename "$f")" xmllint --noout "$f"
  done
fi
if have update-mime-database; then
  mkdir -p "$tmp/mime/packages"
  cp "$src/resources/$id.mime.xml" "$tmp/mime/packages/$id.xml"
  check "update-mime-database accepts $id.mime.xml" update-mime-database "$tmp/mime"
  check "*.osteoplan is application/x-osteoplan" \
    grep -q '^application/x-osteoplan:\*\.osteoplan$' "$tmp/mime/globs"
  check "a zip starting with plan.json has a magic rule" \
    grep -q 'application/x-osteoplan' "$tmp/mime/magic"
fi

ran=$((ran + 1))
check "zh_CN reached the .desktop file" grep -q '^GenericName\[zh_CN\]=' "$desktop"
check "zh_CN reached the metainfo" grep -q 'xml:lang="zh_CN"' "$metainfo"
check "every MIME type of the .desktop file is known" sh -c "
  for t in \$(sed -n 's/^MimeType=//p' '$desktop' | tr ';' ' '); do
    case \$t in application/dicom|application/zip) continue;; esac
    grep -q \"type=\\\"\$t\\\"\" '$src/resources/$id.mime.xml' ||
      grep -q \"<alias type=\\\"\$t\\\"\" '$src/resources/$id.mime.xml' ||
      { echo \"\$t is in neither the MIME file nor shared-mime-info\"; exit 1; }
  done"

# Where meson installs each file (relative to the prefix).
meson introspect "$build" --installed > "$tmp/installed.json" 2>/dev/null ||
  { echo "not ok: meson introspect --installed"; exit 1; }
for want in "share/applications/$id.desktop" "share/metainfo/$id.metainfo.xml" \
             "share/glib-2.0/schemas/$id.gschema.xml" "share/mime/packages/$id.xml" \
             "share/icons/hicolor/scalable/apps/$id.svg" \
             "share/icons/hicolor/symbolic/apps/$id-symbolic.svg" \
             "share/locale/zh_CN/LC_MESSAGES/osteoplan.mo"; do
  check "installs $want" grep -q "/$want\"" "$tmp/installed.json"
done

[ "$ran" -gt 0 ] || exit 77
exit $fail
