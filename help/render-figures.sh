#!/bin/sh
# Renders the user guide's figures from the demo case (the phantom) with osteoplan-cli.
# Usage: render-figures.sh OSTEOPLAN-CLI OUTDIR
# Without a working OpenGL driver (a headless builder) a figure falls back to a 1x1 placeholder,
# so the build never fails for an illustration; the guide's text stands without it.
set -u
cli=$1
out=$2
placeholder () {
  # A valid 1x1 grey PNG.
  printf '\211PNG\015\012\032\012\000\000\000\015IHDR\000\000\000\001\000\000\000\001' > "$1"
  printf '\010\000\000\000\000:~\233U\000\000\000\012IDATx\332ch\000\000\000\202\000' >> "$1"
  printf '\201\332E\010;\000\000\000\000IEND\256B`\202' >> "$1"
}
render () {
  name=$1; shift
  "$cli" render --demo --size 640x400 --samples 2 "$@" -o "$out/$name.png" >/dev/null 2>&1 ||
    placeholder "$out/$name.png"
}
render anterior --view anterior
render superior --view superior
render left --view left
render section --view anterior --section 0,1,0,0
exit 0
