#!/usr/bin/env bash
# bench.sh - segscan against baseline tools, side by side in one run (issue 8).
#
#   tests/bench.sh [SEGSCAN] [OUTDIR]
#
# Prints Markdown tables (also written to OUTDIR/bench.md) with mean times from hyperfine,
# ratios against the baselines measured in the same run, and peak RSS from /usr/bin/time -v.
# Inputs: the largest ELF shared library on the machine, and PE and Mach-O images built here with
# clang-14 + lld-link / ld64.lld-14 from that library's own bytes, in two shapes:
#   - "layout": its .text, .rodata, .data.rel.ro + .data and .bss in the PE or Mach-O sections
#     of the same role: the same content in another container, so the ratios compare with the
#     ELF row like with like;
#   - "rodata only": nothing but 32 MiB of its .rodata (real strings and tables), the worst case
#     for a ratio to cat, where every byte of the file goes through the string analysis.
# Then a many-files run: every ELF file under /usr/lib, segscan (all cores) against GNU size over
# the same list.
# Machines here are noisy: read the ratios, not the absolute times.
set -euo pipefail
segscan=$(realpath "${1:-build/segscan}")
out=${2:-$(mktemp -d)}
mkdir -p "$out"
runs=${BENCH_RUNS:-10}

# (no "| head": with pipefail, the writer's SIGPIPE would end the script)
lib=$(ls -S /usr/lib/x86_64-linux-gnu/*.so* 2>/dev/null | sed -n 1p)
echo "segscan: $segscan"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "largest ELF library: $lib ($(stat -c %s "$lib") bytes)"

# --- PE and Mach-O inputs ----------------------------------------------------------------------
# section NAME [MAX] -> the bytes of the library's section NAME (at most MAX) on stdout, nothing
# when it has none.
section() {
  python3 - "$lib" "$@" <<'EOF'
import subprocess, sys
lib, name = sys.argv[1], sys.argv[2]
cap = int(sys.argv[3]) if len(sys.argv) > 3 else None
for line in subprocess.run(["readelf", "-S", "-W", lib], capture_output=True, text=True,
                           check=True).stdout.splitlines():
    f = line.replace("[ ", "[").split()
    if len(f) > 6 and f[1] == name and f[2] != "NOBITS":
        off, size = int(f[4], 16), int(f[5], 16)
        with open(lib, "rb") as fh:
            fh.seek(off)
            sys.stdout.buffer.write(fh.read(size if cap is None else min(size, cap)))
        break
EOF
}
bss_hex=$(readelf -S -W "$lib" | sed 's/\[ /[/' | awk '$2 == ".bss" {print $6; exit}')
bss_size=$((16#${bss_hex:-0}))
section .rodata $((32 << 20)) > "$out/blob.bin"
[ -s "$out/blob.bin" ] || head -c $((32 << 20)) "$lib" > "$out/blob.bin"
section .text > "$out/text.bin"
section .rodata > "$out/rodata.bin"
{ section .data.rel.ro; section .data; } > "$out/data.bin"
cat > "$out/big.c" <<'EOF'
extern const char blob[];
const char *keep(void) { return blob; }
int entry(void) { return blob[1]; }
EOF
# rodata only
printf '.section .rdata,"dr"\n.globl blob\nblob:\n.incbin "%s"\n' "$out/blob.bin" > "$out/blob-pe.s"
printf '.section __TEXT,__const\n.globl _blob\n_blob:\n.incbin "%s"\n' "$out/blob.bin" > "$out/blob-macho.s"
# layout: code, read-only data, data and zero-initialised data where the library has them
printf '.section .text,"xr"\n.incbin "%s"\n.section .rdata,"dr"\n.globl blob\nblob:\n.incbin "%s"\n.section .data,"dw"\n.incbin "%s"\n.lcomm zeros, %d\n' \
  "$out/text.bin" "$out/rodata.bin" "$out/data.bin" "${bss_size:-0}" > "$out/layout-pe.s"
printf '.section __TEXT,__text,regular,pure_instructions\n.incbin "%s"\n.section __TEXT,__const\n.globl _blob\n_blob:\n.incbin "%s"\n.section __DATA,__data\n.incbin "%s"\n.zerofill __DATA,__bss,_zeros,%d,4\n' \
  "$out/text.bin" "$out/rodata.bin" "$out/data.bin" "${bss_size:-0}" > "$out/layout-macho.s"
clang-14 --target=x86_64-pc-windows-msvc -O1 -c "$out/big.c" -o "$out/big-pe.o"
clang-14 --target=x86_64-apple-macos11 -O1 -c "$out/big.c" -o "$out/big-macho.o"
for shape in blob layout; do
  exe=$([ $shape = blob ] && echo big || echo layout)
  clang-14 --target=x86_64-pc-windows-msvc -c "$out/$shape-pe.s" -o "$out/$shape-pe.o"
  lld-link /entry:entry /subsystem:console /nodefaultlib /out:"$out/$exe.exe" "$out/big-pe.o" \
    "$out/$shape-pe.o" >/dev/null
  clang-14 --target=x86_64-apple-macos11 -c "$out/$shape-macho.s" -o "$out/$shape-macho.o"
  ld64.lld-14 -arch x86_64 -platform_version macos 11.0 11.0 -e _entry -o "$out/$exe.macho" \
    "$out/big-macho.o" "$out/$shape-macho.o" 2>/dev/null || \
    ld64.lld-14 -arch x86_64 -platform_version macos 11.0 11.0 -dylib -o "$out/$exe.macho" \
      "$out/big-macho.o" "$out/$shape-macho.o"
  rm -f "$out/$shape-pe.o" "$out/$shape-macho.o"
done
rm -f "$out/text.bin" "$out/rodata.bin" "$out/data.bin"

mean_ms() { # hyperfine JSON -> mean of the named command in ms
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.1f" % (1000*[r["mean"] for r in d["results"] if r["command"]==sys.argv[2]][0]))' "$1" "$2"
}
peak_mib() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {printf "%.1f", $6/1024}'
}

bench_file() { # FILE LABEL SIZE_TOOL READOBJ_TOOL
  local f=$1 label=$2 sizecmd=$3 readcmd=$4 json="$out/$2.json"
  cat "$f" > /dev/null # warm the page cache
  hyperfine -N -w 2 -r "$runs" --export-json "$json" \
    -n size "$sizecmd $f" \
    -n readobj "$readcmd $f" \
    -n cat "cat $f" \
    -n sizes-only "$segscan -q --only sizes $f" \
    -n full "$segscan -q $f" \
    >/dev/null 2>&1
  hyperfine -N -w 0 -r 2 --export-json "$out/$2-naive.json" \
    -n naive "bash -c 'strings -a $f | sort | uniq -d > /dev/null'" >/dev/null 2>&1
  local s r c o a n
  s=$(mean_ms "$json" size); r=$(mean_ms "$json" readobj); c=$(mean_ms "$json" cat)
  o=$(mean_ms "$json" sizes-only); a=$(mean_ms "$json" full); n=$(mean_ms "$out/$2-naive.json" naive)
  local rss_o rss_a
  rss_o=$(peak_mib "$segscan" -q --only sizes "$f"); rss_a=$(peak_mib "$segscan" -q "$f")
  local scanned
  scanned=$("$segscan" -q --format json "$f" | python3 -c '
import json,sys
d=json.load(sys.stdin); im=d["images"][0]
print(sum(s["file_size"] for s in im["sections"] if s["kind"] in ("rodata","data","relro","tls-data")))')
  python3 - "$label" "$(stat -c %s "$f")" "$s" "$r" "$c" "$o" "$a" "$n" "$rss_o" "$rss_a" "$scanned" "$sizecmd" "$readcmd" <<'EOF' | tee -a "$out/bench.md"
import sys
l, fsize, s, r, c, o, a, n, ro, ra, scanned, sc, rc = sys.argv[1:]
fsize, s, r, c, o, a, n, ro, ra, scanned = int(fsize), *map(float, (s, r, c, o, a, n, ro, ra)), int(scanned)
print(f"\n### {l} ({fsize} bytes)\n")
print("| command | mean ms | ratio | peak RSS MiB |")
print("|---|---|---|---|")
print(f"| `{sc}` | {s} | | |")
print(f"| `{rc}` | {r} | | |")
print(f"| `cat FILE > /dev/null` | {c} | | |")
print(f"| `strings -a \\| sort \\| uniq -d` | {n} | | |")
print(f"| segscan `--only sizes` | {o} | {o/s:.2f}x size, {o/r:.2f}x readobj | {ro} |")
print(f"| segscan (sizes, bss, strings, perms) | {a} | {a/c:.2f}x cat, {n/a:.0f}x faster than naive | {ra} |")
print(f"\nsections a full analysis may scan: {scanned/1048576:.1f} MiB; "
      f"peak RSS budget 64 MiB + that = {64 + scanned/1048576:.1f} MiB")
EOF
}

: > "$out/bench.md"
bench_file "$lib" "ELF $(basename "$lib")" "size -A" "readelf -S -W"
# The same file copied next to the PE and Mach-O inputs: cat reads a file written just now faster
# than one installed long ago (here 10 ms against 16 ms for libLLVM-15; bigger page-cache pieces,
# probably), so only this row compares with theirs like with like.
cp "$lib" "$out/$(basename "$lib")"
bench_file "$out/$(basename "$lib")" "ELF $(basename "$lib") (a copy in OUTDIR)" "size -A" "readelf -S -W"
bench_file "$out/layout.exe" "PE layout.exe (the library's sections)" "llvm-size-14 -A" "llvm-readobj-14 --sections"
bench_file "$out/layout.macho" "Mach-O layout.macho (the library's sections)" "llvm-size-14 -A" "llvm-readobj-14 --sections"
bench_file "$out/big.exe" "PE big.exe (rodata only)" "llvm-size-14 -A" "llvm-readobj-14 --sections"
bench_file "$out/big.macho" "Mach-O big.macho (rodata only)" "llvm-size-14 -A" "llvm-readobj-14 --sections"

# --- many files ---------------------------------------------------------------------------
find /usr/lib -type f -size +0 -print0 2>/dev/null | \
  xargs -0 -n 500 python3 -c '
import sys
for p in sys.argv[1:]:
    try:
        with open(p, "rb") as f:
            if f.read(4) == b"\x7fELF": print(p)
    except OSError: pass' > "$out/elf-list.txt"
nfiles=$(wc -l < "$out/elf-list.txt")
cat $(cat "$out/elf-list.txt") > /dev/null 2>&1 || true
hyperfine -N -w 1 -r 3 --export-json "$out/many.json" \
  -n size "bash -c 'xargs -a $out/elf-list.txt -d \"\\n\" size -A > /dev/null 2>&1'" \
  -n segscan-sizes "bash -c 'xargs -a $out/elf-list.txt -d \"\\n\" $segscan -q --only sizes > /dev/null 2>&1'" \
  -n segscan-full "bash -c 'xargs -a $out/elf-list.txt -d \"\\n\" $segscan -q > /dev/null 2>&1'" \
  >/dev/null 2>&1
python3 - "$out/many.json" "$nfiles" "$(nproc)" <<'EOF' | tee -a "$out/bench.md"
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
m = {r["command"]: r["mean"] for r in d["results"]}
print(f"\n### many files: {n} ELF files under /usr/lib, {sys.argv[3]} cores\n")
print("| command | seconds | files/s | ratio |")
print("|---|---|---|---|")
for k, label in (("size", "`size -A` (one process per 500 files)"),
                 ("segscan-sizes", "segscan `--only sizes`, parallel"),
                 ("segscan-full", "segscan full analysis, parallel")):
    print(f"| {label} | {m[k]:.2f} | {n/m[k]:.0f} | {m[k]/m['size']:.2f}x size |")
EOF
# --- symbols (issue 18) -------------------------------------------------------------------------
# `segscan -d symbols` (the symbol layer: sort, overlaps, no-symbol rows, demangled names)
# against `nm -S --size-sort` on the largest libLLVM (stripped: its .dynsym, hence -D), side by
# side; nm -C too, since segscan demangles by default.
llvm=$(ls -S /usr/lib/x86_64-linux-gnu/libLLVM*.so.* 2>/dev/null | sed -n 1p)
llvm=${llvm:-$lib}
hyperfine -N -w 2 -r "$runs" --export-json "$out/symbols.json" \
  -n nm "nm -D -S --size-sort $llvm" \
  -n nm-C "nm -D -S -C --size-sort $llvm" \
  -n segscan "$segscan -q -d symbols $llvm" \
  -n segscan-raw "$segscan -q -d symbols --no-demangle $llvm" >/dev/null 2>&1
rss_nm=$(peak_mib nm -D -S --size-sort "$llvm"); rss_s=$(peak_mib "$segscan" -q -d symbols "$llvm")
python3 - "$out/symbols.json" "$llvm" "$rss_nm" "$rss_s" <<'EOF' | tee -a "$out/bench.md"
import json, os, sys
d = json.load(open(sys.argv[1])); m = {r["command"]: r["mean"] for r in d["results"]}
print(f"\n### symbols: {os.path.basename(sys.argv[2])} ({os.path.getsize(sys.argv[2])} bytes)\n")
print("| command | mean ms | ratio | peak RSS MiB |")
print("|---|---|---|---|")
rows = (("nm", "`nm -D -S --size-sort`", sys.argv[3]), ("nm-C", "`nm -D -S -C --size-sort`", ""),
        ("segscan", "`segscan -d symbols`", sys.argv[4]),
        ("segscan-raw", "`segscan -d symbols --no-demangle`", ""))
for k, label, rss in rows:
    print(f"| {label} | {m[k]*1000:.0f} | {m[k]/m['nm']:.2f}x nm | {rss} |")
EOF

# --- compile units (issue 22) ---------------------------------------------------------------------
# `segscan -d compileunits` (libdw: unit DIEs, ranges, aranges; attribution to sections) against
# `llvm-dwarfdump-14 --debug-aranges` on the same DWARF, side by side: the machine's libc.so.6
# with its libc6-dbg debug file (found by build-id, as a user's run would), and the largest -g
# build of the test fixtures (the Rust program: the std units). -d inputfiles (line tables) too.
# A function of its own, called once, so it merges easily with other changes to this script.
bench_compileunits() {
  local libc=/lib/x86_64-linux-gnu/libc.so.6 id dbg rust
  id=$(readelf -n "$libc" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
  dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
  rust=$(dirname "$segscan")/fixtures/debuginfo/rust-app
  local pairs=()
  if [ -f "$dbg" ]; then pairs+=("$libc:$dbg"); fi
  if [ -f "$rust" ]; then pairs+=("$rust:$rust"); fi
  for p in "${pairs[@]}"; do
    local bin=${p%%:*} dw=${p#*:} json
    json="$out/compileunits-$(basename "$bin").json"
    hyperfine -N -w 2 -r "$runs" --export-json "$json" \
      -n dwarfdump "llvm-dwarfdump-14 --debug-aranges $dw" \
      -n segscan "$segscan -q -d compileunits $bin" \
      -n inputfiles "$segscan -q -d inputfiles $bin" >/dev/null 2>&1
    local rd rs ri
    rd=$(peak_mib llvm-dwarfdump-14 --debug-aranges "$dw")
    rs=$(peak_mib "$segscan" -q -d compileunits "$bin")
    ri=$(peak_mib "$segscan" -q -d inputfiles "$bin")
    python3 - "$json" "$bin" "$dw" "$rd" "$rs" "$ri" <<'EOF' | tee -a "$out/bench.md"
import json, os, sys
d = json.load(open(sys.argv[1])); m = {r["command"]: r["mean"] for r in d["results"]}
b, dw = sys.argv[2], sys.argv[3]
print(f"\n### compileunits: {os.path.basename(b)} ({os.path.getsize(b)} bytes; DWARF in "
      f"{'itself' if dw == b else dw} ({os.path.getsize(dw)} bytes))\n")
print("| command | mean ms | ratio | peak RSS MiB |")
print("|---|---|---|---|")
print(f"| `llvm-dwarfdump-14 --debug-aranges` | {m['dwarfdump']*1000:.0f} | | {sys.argv[4]} |")
print(f"| `segscan -d compileunits` | {m['segscan']*1000:.0f} | "
      f"{m['segscan']/m['dwarfdump']:.2f}x dwarfdump | {sys.argv[5]} |")
print(f"| `segscan -d inputfiles` | {m['inputfiles']*1000:.0f} | "
      f"{m['inputfiles']/m['dwarfdump']:.2f}x dwarfdump | {sys.argv[6]} |")
EOF
  done
}
bench_compileunits

echo "results: $out/bench.md"
