#!/bin/sh
# Regenerates POTFILES.in and the template from the sources, merges zh_CN.po with msgmerge and
# lists the strings still untranslated or fuzzy.  Run it from anywhere after adding strings.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# --pot OUT: only write a template from the current sources to OUT (for tests/test-i18n.sh).
if [ "${1:-}" = "--pot" ]; then
  list=$(mktemp)
  trap 'rm -f "$list"' EXIT
  "$here/potfiles.sh" > "$list"
  potfiles=$list
  pot=$2
else
  # The template is generated, never kept: `ninja osteoplan-pot` writes one if you want it.
  "$here/potfiles.sh" > "$here/POTFILES.in"
  potfiles=$here/POTFILES.in
  pot=$(mktemp --suffix=.pot)
  trap 'rm -f "$pot"' EXIT
fi
cd "$root"
# The keywords of meson's 'glib' preset, so this .pot matches the osteoplan-pot target's.
xgettext --package-name=osteoplan --from-code=UTF-8 --add-comments=TRANSLATORS \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2 \
  --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_prefix_error:2:c-format --flag=g_printerr:1:c-format --flag=g_print:1:c-format \
  --directory="$root" --files-from="$potfiles" -o "$pot"
[ "${1:-}" = "--pot" ] && exit 0

for lang in $(cat "$here/LINGUAS"); do
  msgmerge --quiet --update --backup=none --no-fuzzy-matching "$here/$lang.po" "$pot"
  msgfmt --check --statistics -o /dev/null "$here/$lang.po"
  echo "== $lang: untranslated =="
  msgattrib --untranslated --no-obsolete "$here/$lang.po" | grep -A1 '^msgid' || true
  echo "== $lang: fuzzy =="
  msgattrib --only-fuzzy --no-obsolete "$here/$lang.po" | grep -A1 '^msgid' || true
done
