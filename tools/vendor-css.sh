#!/bin/sh
# Fetch NL Design System's community CSS components at pinned versions and write them, joined,
# to static/vendor/nl-design-system.min.css, then check its sha256 (so a refresh that brings
# other bytes fails loudly instead of changing the look unseen).
#
# The versions are those that @utrecht/component-library-css 9.0.4 bundles; only the components
# the wiki's templates use are taken (about 110 kB, 10 kB gzipped, instead of the bundle's 400 kB).
# To move to a newer release: change the versions here, run `make vendor-css SHA256=`, look at
# every page type (tests/browser), then put the new checksum below.
set -eu
OUT=static/vendor/nl-design-system.min.css
EXPECTED="${SHA256-dd2d02b148a4dcd39e425083d4503f605b49637f252881677a4c6c913873b86e}"
PACKAGES="
alert-css@3.0.1
button-css@3.1.0
button-group-css@2.0.1
code-block-css@2.0.1
code-css@2.0.1
document-css@2.0.1
form-field-css@2.0.1
form-field-description-css@2.0.1
form-field-error-message-css@2.0.1
form-fieldset-css@2.0.1
form-label-css@2.0.1
heading-1-css@2.0.1
heading-2-css@2.0.1
heading-3-css@2.0.1
link-button-css@2.0.1
link-css@2.0.1
mark-css@2.0.1
ordered-list-css@3.0.1
page-footer-css@3.0.1
page-header-css@2.0.1
paragraph-css@3.0.1
select-css@2.0.1
skip-link-css@2.0.1
table-css@2.0.2
textarea-css@3.0.1
textbox-css@3.1.0
unordered-list-css@2.0.1
"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "/* NL Design System community components (EUPL-1.2, see LICENSE.md beside this file):"
  for package in $PACKAGES; do echo " * @utrecht/$package"; done
  echo " */"
} >"$work/out.css"
for package in $PACKAGES; do
  (cd "$work" && npm pack --silent "@utrecht/$package" >/dev/null)
  tarball=$(ls "$work"/utrecht-*.tgz)
  tar -xzOf "$tarball" package/dist/index.min.css >>"$work/out.css"
  echo >>"$work/out.css"
  [ -f "$work/LICENSE.md" ] || tar -xzOf "$tarball" package/LICENSE.md >"$work/LICENSE.md"
  rm "$tarball"
done
actual=$(sha256sum "$work/out.css" | cut -d' ' -f1)
if [ -n "$EXPECTED" ] && [ "$actual" != "$EXPECTED" ]; then
  echo "vendor-css: sha256 $actual is not the pinned $EXPECTED; nothing written" >&2
  exit 1
fi
mkdir -p static/vendor
cp "$work/out.css" "$OUT"
cp "$work/LICENSE.md" static/vendor/LICENSE.md
echo "vendor-css: $OUT ($(wc -c <"$OUT") bytes), sha256 $actual"
