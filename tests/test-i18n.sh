#!/bin/sh
# Every string marked for translation has a Simplified Chinese translation, and the catalogue is
# valid.  Usage: test-i18n.sh SOURCE_ROOT
#   1. POTFILES.in lists every file that holds marked strings (resources/po/potfiles.sh);
#   2. a template extracted from the sources now, merged with zh_CN.po, has no untranslated and no
#      fuzzy message (a msgid the catalogue lacks comes out untranslated);
#   3. msgfmt --check passes (format specifiers, plural forms, header);
#   4. the user guide has the same pages and figures in every language.
# Exit 77 (skip) without the gettext tools.
set -u
src=$1
po=$src/resources/po
for tool in xgettext msgmerge msgattrib msgfmt; do
  command -v "$tool" >/dev/null 2>&1 || { echo "# SKIP: $tool is not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

echo "# 1. POTFILES.in"
"$po/potfiles.sh" > "$tmp/POTFILES"
if ! diff -u "$po/POTFILES.in" "$tmp/POTFILES" > "$tmp/potfiles.diff"; then
  echo "not ok: resources/po/POTFILES.in is out of date; run resources/po/update.sh:"
  grep '^[-+][^-+]' "$tmp/potfiles.diff"
  fail=1
fi

echo "# 2. zh_CN translations"
if ! "$po/update.sh" --pot "$tmp/osteoplan.pot" 2> "$tmp/xgettext.log"; then
  cat "$tmp/xgettext.log"
  echo "not ok: xgettext failed"
  exit 1
fi
# A msgid that is not a valid format where it is used (a G_*_FORMAT macro inside _()) is never
# found at run time: xgettext warns about exactly that.
if grep 'not a valid C format string' "$tmp/xgettext.log"; then
  echo "not ok: use PRIu64/PRId64/%zu, not G_*_FORMAT, inside _() (xgettext cannot see macros)"
  fail=1
fi
for lang in $(cat "$po/LINGUAS"); do
  msgmerge --quiet --no-fuzzy-matching -o "$tmp/$lang.po" "$po/$lang.po" "$tmp/osteoplan.pot"
  untranslated=$(msgattrib --untranslated --no-obsolete --no-wrap "$tmp/$lang.po" |
                 grep -c '^msgid "[^"]' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete --no-wrap "$tmp/$lang.po" | grep -c '^msgid "[^"]' ||
          true)
  if [ "$untranslated" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
    echo "not ok: $lang: $untranslated untranslated, $fuzzy fuzzy (run resources/po/update.sh):"
    msgattrib --untranslated --no-obsolete --no-wrap "$tmp/$lang.po" | grep '^msgid "[^"]'
    msgattrib --only-fuzzy --no-obsolete --no-wrap "$tmp/$lang.po" | grep '^msgid "[^"]'
    fail=1
  else
    echo "ok: $lang: every message translated"
  fi

  echo "# 3. msgfmt --check $lang.po"
  if ! msgfmt --check --statistics -o "$tmp/$lang.mo" "$po/$lang.po"; then
    echo "not ok: msgfmt --check $lang.po"
    fail=1
  fi
done

echo "# 4. user guide"
pages_c=$(grep -c '^== ' "$src/help/C/guide.markup")
figures_c=$(grep '^@figure ' "$src/help/C/guide.markup" | tr '\n' ' ')
for dir in "$src"/help/*/; do
  lang=$(basename "$dir")
  [ -f "$dir/guide.markup" ] || continue
  pages=$(grep -c '^== ' "$dir/guide.markup")
  figures=$(grep '^@figure ' "$dir/guide.markup" | tr '\n' ' ')
  if [ "$pages" -ne "$pages_c" ] || [ "$figures" != "$figures_c" ]; then
    echo "not ok: help/$lang has $pages pages ($figures), help/C has $pages_c ($figures_c)"
    fail=1
  fi
done
[ -f "$src/help/zh_CN/guide.markup" ] || { echo "not ok: no help/zh_CN/guide.markup"; fail=1; }

exit $fail
