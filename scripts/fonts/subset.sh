#!/bin/sh
# Makes the two fonts Heard serves to phones that cannot draw a script:
# Noto Sans Arabic (Arabic, Farsi, Dari, Pashto, Sorani) and Noto Sans Ethiopic
# (Tigrinya), cut down to the letters those languages use and compressed to
# WOFF2. Regular weight only: bold is drawn by the browser, which halves the
# bytes. The source fonts are Debian's fonts-noto-core; the tool is pyftsubset
# from Debian's fonttools (apt-get install fonts-noto-core fonttools).
#
# The ranges here must match unicode-range in pwa/static/css/fonts-*.css;
# TestFontsCoverTheCatalogues (i18n) checks every letter of those languages'
# catalogues is inside them.
#
#   sh scripts/fonts/subset.sh      # from the repository's root
set -eu
src=/usr/share/fonts/truetype/noto
out=pwa/static/fonts

# The Arabic block, the joiners and direction marks (Farsi writes with the
# zero-width non-joiner), and the ornate parentheses.
arabic="U+0600-06FF,U+200C-200F,U+FD3E-FD3F"
# Ethiopic syllables, combining marks and punctuation; not Ethiopic numerals,
# which Tigrinya writing on phones does not use (Heard shows 0-9).
ethiopic="U+1200-135A,U+135D-1368"

subset() { # font unicodes output
  pyftsubset "$src/$1" --unicodes="$2" --layout-features='*' --flavor=woff2 \
    --no-hinting --desubroutinize --output-file="$out/$3"
}
subset NotoSansArabic-Regular.ttf "$arabic" noto-sans-arabic.woff2
subset NotoSansEthiopic-Regular.ttf "$ethiopic" noto-sans-ethiopic.woff2
ls -l "$out"/*.woff2
