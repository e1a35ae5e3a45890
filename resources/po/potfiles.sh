#!/bin/sh
# Lists, relative to the source root, every file that holds a string marked for translation:
# C sources (_(), N_(), C_(), NC_()), GtkBuilder templates (translatable="yes") and the desktop
# files.  update.sh writes it to POTFILES.in; tests/test-i18n.sh compares the two, so a new source
# file with marked strings cannot be forgotten.
set -eu
cd "$(dirname "$0")/../.."
{
  grep -rlE '(^|[^A-Za-z0-9_])(N?C?_|g_dngettext|ngettext) ?\(' app \
    --include='*.c' --include='*.cpp' --include='*.h' || true
  grep -rl 'translatable="yes"' ui --include='*.ui' || true
  ls resources/io.github.osteoplan.Osteoplan.desktop.in \
     resources/io.github.osteoplan.Osteoplan.metainfo.xml.in 2>/dev/null || true
} | LC_ALL=C sort -u
