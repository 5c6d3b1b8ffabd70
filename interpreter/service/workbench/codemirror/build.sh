#!/bin/sh
# Rebuild static/vendor/codemirror.js and its licences from the exact versions in package-lock.json.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
out=../static/vendor
npx esbuild entry.mjs --bundle --format=esm --minify --legal-comments=none --target=es2020 \
    --outfile="$out/codemirror.js"
# The licences of every bundled package, in one file beside the bundle.
{
    echo "The workbench editor bundle (codemirror.js) is built from these npm packages (see package-lock.json)."
    for dir in node_modules/@codemirror/* node_modules/@lezer/* node_modules/crelt node_modules/style-mod \
               node_modules/w3c-keyname node_modules/@marijn/*; do
        [ -d "$dir" ] || continue
        name=$(node -p "require('./$dir/package.json').name + '@' + require('./$dir/package.json').version")
        echo; echo "==== $name ===="
        cat "$dir"/LICENSE* 2>/dev/null || node -p "require('./$dir/package.json').license"
    done
} > "$out/codemirror.LICENSE.txt"
