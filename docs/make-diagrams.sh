#!/usr/bin/env bash
# make-diagrams.sh [SEGSCAN] - rebuilds the examples of docs/diagrams.md: compiles
# docs/examples/{bss,data}.c and writes their text reports and rendered diagrams to
# docs/diagrams/ (bss.txt, data.txt, bss.svg, data.svg). SEGSCAN defaults to build/segscan;
# Graphviz's dot must be installed (Debian package graphviz). Compiler output varies between
# compiler versions, so the committed files show one machine's build (see the walkthrough).
set -euo pipefail

docs=$(cd "$(dirname "$0")" && pwd)
segscan=$(realpath "${1:-$docs/../build/segscan}")
cc=${CC:-gcc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for p in bss data; do
    "$cc" -O1 -o "$work/$p" "$docs/examples/$p.c"
done
cd "$work" # short paths in the reports and diagrams
for p in bss data; do
    "$segscan" -q "$p" >"$docs/diagrams/$p.txt"
    "$segscan" -q --format svg "$p" >"$docs/diagrams/$p.svg"
done
echo "wrote $docs/diagrams/{bss,data}.{txt,svg} with $("$cc" --version | head -n 1)"
