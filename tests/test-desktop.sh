#!/bin/sh
# The desktop integration files are valid and go to the right places.
# Usage: test-desktop.sh SOURCE_ROOT BUILD_ROOT DESKTOP_FILE METAINFO_FILE
#   desktop-file-validate on the merged .desktop (not even a hint); appstreamcli validate --no-net
#   on the merged metainfo, which names its <developer>, a contact, and screenshots that are files
#   of this repository; glib-compile-schemas --strict --dry-run on the schema; the MIME database
#   built from our MIME file recognises .osteoplan by name and by content, and .nii.gz as a NIfTI
#   file that is a kind of gzip; the icons are well-formed SVG; the zh_CN translations reached the
#   merged files; `meson introspect --installed` puts each file where the desktop looks for it;
#   `meson install` updates the MIME, icon, desktop and schema caches of the prefix.
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
  # Errors, warnings and hints (a category that wants another one, say) all fail.
  check "desktop-file-validate $id.desktop (no errors, warnings or hints)" \
    sh -c "desktop-file-validate '$desktop' | { ! grep . ; }"
fi
if have appstreamcli; then
  check "appstreamcli validate --no-net $id.metainfo.xml" \
    appstreamcli validate --no-net --explain "$metainfo"
fi
ran=$((ran + 1))
check "the metainfo names its <developer id=…> with a <name>" \
  grep -Eq '<developer id="[a-z0-9.]+">' "$metainfo"
check "… and no deprecated <developer_name>" sh -c "! grep -q '<developer_name>' '$metainfo'"
check "the metainfo gives a contact (<url type=\"contact\"> or <update_contact>)" \
  grep -Eq '<url type="contact">https://|<update_contact>' "$metainfo"
check "the contact is not a placeholder (example.org, example.com)" \
  sh -c "! grep -Eq 'example\\.(org|com)' '$metainfo'"
# Every screenshot is a PNG of this repository (the URL's path under the main branch), at the
# size the metainfo says, and at least the 624 × 351 software centres ask for.
base=https://raw.githubusercontent.com/osteoplan/osteoplan/main/
n_shots=$(grep -c '<image' "$metainfo")
check "the metainfo has screenshots" test "$n_shots" -gt 0
grep -o '<image[^>]*>[^<]*</image>' "$metainfo" | while read -r line; do
  url=$(echo "$line" | sed 's/.*>\(.*\)<\/image>/\1/')
  w=$(echo "$line" | sed -n 's/.*width="\([0-9]*\)".*/\1/p')
  h=$(echo "$line" | sed -n 's/.*height="\([0-9]*\)".*/\1/p')
  rel=${url#"$base"}
  check "screenshot $rel is a file of this repository" \
    sh -c "[ '$rel' != '$url' ] && [ -f '$src/$rel' ]"
  check "screenshot $rel is a ${w}×${h} PNG, at least 624×351" python3 -c "
import struct, sys
d = open('$src/$rel', 'rb').read(24)
assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG'
w, h = struct.unpack('>II', d[16:24])
assert (w, h) == ($w, $h), f'{w}×{h}'
assert w >= 624 and h >= 351, f'{w}×{h} is too small'"
done
# The caches `meson install` brings up to date in the prefix (meson skips them under DESTDIR,
# where the packager's triggers do it).  meson's own Python reads its install plan.
meson_python=$(sed -n '1s/^#! *//p' "$(command -v meson)")
if [ -n "$meson_python" ] && "$meson_python" -c 'import mesonbuild' 2>/dev/null; then
  "$meson_python" -c "
import pickle
data = pickle.load(open('$build/meson-private/install.dat', 'rb'))
for s in data.install_scripts:
    print(' '.join(s.cmd_args))" > "$tmp/scripts"
  for tool in update-mime-database gtk-update-icon-cache update-desktop-database \
              glib-compile-schemas; do
    check "meson install runs $tool" grep -q "$tool" "$tmp/scripts"
  done
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
  check "*.nii.gz is application/x-compressed-nifti, weighted above gzip's *.gz" \
    grep -q '^60:application/x-compressed-nifti:\*\.nii\.gz' "$tmp/mime/globs2"
  check "application/x-compressed-nifti is a kind of application/gzip" \
    grep -q '^application/x-compressed-nifti application/gzip$' "$tmp/mime/subclasses"
  # GIO asks the database both the name and the content: a gzip stream named .nii.gz is NIfTI,
  # and so is an uncompressed NIfTI-1 file by its name, and without a name by its magic.
  if have gio && [ -f /usr/share/mime/packages/freedesktop.org.xml ]; then
    cp /usr/share/mime/packages/freedesktop.org.xml "$tmp/mime/packages/"
    update-mime-database "$tmp/mime" 2>/dev/null
    mkdir -p "$tmp/home" "$tmp/files"
    echo 'not a volume' | gzip > "$tmp/files/ct.nii.gz"
    python3 -c "
import struct
b = bytearray(352)
b[0:4] = struct.pack('<i', 348)
b[344:348] = b'n+1\\0'
open('$tmp/files/ct.nii', 'wb').write(b)
open('$tmp/files/noname', 'wb').write(b)"
    for f in ct.nii.gz:application/x-compressed-nifti ct.nii:application/x-nifti \
             noname:application/x-nifti; do
      check "GIO sees ${f%%:*} as ${f#*:}" \
        sh -c "[ \"\$(XDG_DATA_HOME='$tmp/home' XDG_DATA_DIRS='$tmp' gio info \
                  -a standard::content-type '$tmp/files/${f%%:*}' |
                  sed -n 's/^ *standard::content-type: //p')\" = '${f#*:}' ]"
    done
  fi
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
