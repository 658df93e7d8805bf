#!/usr/bin/env bash
# bench.sh - segscan against baseline tools, in interleaved pairs (issues 8, 24).
#
#   tests/bench.sh [--smoke] [SEGSCAN] [OUTDIR]
#
# Each case is a function that runs one or more pairs A/B through tests/bench_pairs.py: A and B
# alternate (A B A B ...), and the row gives the median of each and the median and min-max of the
# per-pair ratio A/B, with the issue's target where it names one. On a shared machine only the
# ratios mean something; the load average is printed before and after each case. Peak memory
# comes from /usr/bin/time -v. Everything goes to stdout and OUTDIR/bench.md (raw times in
# OUTDIR/pairs.ndjson).
#
# The full run (the default) takes minutes and is run by hand; --smoke runs every case once on
# small inputs in seconds (CTest's bench.smoke), so that the script cannot rot.
# To add a case: write case_NAME using pair/mem_row, and add it to the list at the end.
set -euo pipefail
smoke=false
if [ "${1:-}" = --smoke ]; then smoke=true; shift; fi
segscan=$(realpath "${1:-build/segscan}")
out=${2:-$(mktemp -d)}
mkdir -p "$out"
out=$(realpath "$out")
export BENCH_OUT=$out
here=$(dirname "$(realpath "$0")")
libdir=/usr/lib/x86_64-linux-gnu
: > "$out/bench.md"
: > "$out/pairs.ndjson"

if $smoke; then
  runs=1; many_runs=1; big=$(realpath "$segscan")
  # a diff of two different, small ELF files: the segscan binary and /bin/ls
  old=/bin/ls; new=$big
else
  runs=${BENCH_RUNS:-10}; many_runs=${BENCH_MANY_RUNS:-5}
  big=$(ls -S $libdir/libLLVM-15.so.1 $libdir/*.so* 2>/dev/null | sed -n 1p)
  old=$(ls $libdir/libLLVM-14.so.1 2>/dev/null || echo "$big"); new=$big
fi

say() { printf '%s\n' "$*" | tee -a "$out/bench.md"; }
load() { cut -d' ' -f1-4 /proc/loadavg; }
# pair CASE TARGET NAME_A CMD_A NAME_B CMD_B [RUNS]
pair() {
  python3 "$here/bench_pairs.py" --runs "${7:-$runs}" --warmup 1 --case "$1" --target "$2" \
    --a "$3" "$4" --b "$5" "$6" | tee -a "$out/bench.md"
}
pair_minus() { # CASE TARGET NAME_A CMD_A NAME_C CMD_C NAME_B CMD_B: (A - C) against B
  python3 "$here/bench_pairs.py" --runs "$runs" --warmup 1 --case "$1" --target "$2" \
    --a "$3" "$4" --minus "$5" "$6" --b "$7" "$8" | tee -a "$out/bench.md"
}
table() {
  say ""
  say "| case | A | B | pairs | A median ms | B median ms | A/B median | A/B min-max | target | met |"
  say "|---|---|---|---|---|---|---|---|---|---|"
}
peak_mib() { # CMD... -> peak RSS of CMD in MiB
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {printf "%.1f", $6/1024}'
}
mem_row() { # LABEL BUDGET_MIB CMD...
  local label=$1 budget=$2; shift 2
  local m; m=$(peak_mib "$@")
  local met=""
  [ -n "$budget" ] && met=$(awk -v m="$m" -v b="$budget" 'BEGIN {print (m <= b) ? "yes" : "no"}')
  say "| $label | $m | ${budget:+<= $budget} | $met |"
}
# The other CPU kept busy by a shell loop (what `stress --cpu 1` does, without the package).
busy_pid=""
busy_on() { ( while :; do :; done ) & busy_pid=$!; sleep 0.2; }
busy_off() { [ -n "$busy_pid" ] && kill "$busy_pid" 2>/dev/null; wait "$busy_pid" 2>/dev/null || true; busy_pid=""; }
trap busy_off EXIT
section() { say ""; say "### $1"; say ""; say "load average before: $(load)"; }

# --- cases -------------------------------------------------------------------------------------
case_one_thread() { # the full analysis with one thread against reading the file
  section "full analysis, one thread: $(basename "$big") ($(stat -c %s "$big") bytes)"
  cat "$big" > /dev/null
  table
  pair "full -j1 vs cat" le:2 "segscan -j1 -q" "$segscan -j1 -q $big" "cat" "cat $big"
  pair "--only sizes vs size -A" le:1 "segscan --only sizes" "$segscan -q --only sizes $big" "size -A" "size -A $big"
}

case_threads() { # default threads against -j1, quiet and with the other CPU busy
  section "threads: default against -j1, $(basename "$big")"
  table
  pair "default vs -j1, quiet" le:1 "segscan" "$segscan -q $big" "segscan -j1" "$segscan -j1 -q $big"
  busy_on
  pair "default vs -j1, other CPU busy" le:1 "segscan" "$segscan -q $big" "segscan -j1" "$segscan -j1 -q $big"
  pair "full -j1 vs cat, other CPU busy" le:2 "segscan -j1 -q" "$segscan -j1 -q $big" "cat" "cat $big"
  busy_off
}

case_literals() { # issue 19: what the literals analysis costs, one thread, against reading the file
  section "literals: what the pass costs on one thread against cat, $(basename "$big")"
  cat "$big" > /dev/null
  table
  # in the full analysis: the full analysis less the same without literals, per round
  pair_minus "the pass in the full analysis, -j1, vs cat" le:1 "segscan -j1" "$segscan -q -j1 $big" \
    "--only sizes,perms,bss,strings" "$segscan -q -j1 --only sizes,perms,bss,strings $big" \
    "cat" "cat $big"
  # alone: --only literals less --only sizes (the loading both do)
  pair_minus "the pass alone, -j1, vs cat" le:1 "segscan --only literals -j1" \
    "$segscan -q -j1 --only literals $big" "--only sizes" "$segscan -q -j1 --only sizes $big" \
    "cat" "cat $big"
  pair "--only literals -j1 vs cat" "" "segscan --only literals -j1" \
    "$segscan -q -j1 --only literals $big" "cat" "cat $big"
}

case_naive() { # the string analysis against the shell's way of finding repeated strings
  section "strings: \`strings -a FILE | sort | uniq -d\` against the full analysis"
  table
  pair "naive vs full (how many times faster)" ge:30 "strings \\| sort \\| uniq -d" \
    "strings -a $big | sort | uniq -d" "segscan" "$segscan -q $big" "$((runs > 3 ? 3 : runs))"
}

case_memory() { # peak RSS (the issue's budget: 32 MiB + a documented fraction of the file)
  section "peak memory (/usr/bin/time -v), $(basename "$big")"
  say ""
  say "| command | peak RSS MiB | budget MiB | met |"
  say "|---|---|---|---|"
  mem_row "segscan --only sizes" "" "$segscan" -q --only sizes "$big"
  mem_row "segscan full, -j1" "" "$segscan" -j1 -q "$big"
  mem_row "segscan full, default threads" "" "$segscan" -q "$big"
  mem_row "segscan -d symbols" "" "$segscan" -q -d symbols "$big"
  mem_row "size -A" "" size -A "$big"
  # where it goes: pages allocated against pages of the file read, per analysis
  say ""
  say "| command | allocated (RssAnon) MiB | file pages (RssFile) MiB | peak (VmHWM) MiB |"
  say "|---|---|---|---|"
  local o
  for o in sizes perms bss strings literals sizes,perms,bss,strings,literals; do
    python3 "$here/bench_rss.py" "segscan -j1 --only $o" "$segscan" -j1 -q --only "$o" "$big" | \
      tee -a "$out/bench.md"
  done
}

case_diff() { # bloaty is not in Debian 12: the diff against size -A of both files, and itself
  section "diff: $(basename "$old") -> $(basename "$new")"
  table
  pair "diff full vs size -A of both" "" "segscan diff" "$segscan diff $old $new" \
    "size -A OLD NEW" "size -A $old $new"
  pair "diff --only sizes vs size -A of both" le:1 "segscan diff --only sizes" \
    "$segscan diff --only sizes $old $new" "size -A OLD NEW" "size -A $old $new"
  pair "diff full vs two full analyses" le:1 "segscan diff" "$segscan diff $old $new" \
    "segscan OLD; segscan NEW" "$segscan -q $old; $segscan -q $new"
  say ""
  say "| command | peak RSS MiB | budget MiB | met |"
  say "|---|---|---|---|"
  mem_row "segscan diff" "" "$segscan" diff "$old" "$new"
  mem_row "segscan diff --only sizes" "" "$segscan" diff --only sizes "$old" "$new"
  mem_row "size -A OLD NEW" "" size -A "$old" "$new"
}

case_many() { # many files: the machine's ELF libraries, one process each side
  python3 - "$libdir" > "$out/elf-list.txt" <<'PY'
import glob, os, sys
seen = set()
for p in sorted(glob.glob(os.path.join(sys.argv[1], "*.so*"))):
    r = os.path.realpath(p)
    if r in seen or not os.path.isfile(r):
        continue
    seen.add(r)
    try:
        with open(r, "rb") as f:
            if f.read(4) == b"\x7fELF":
                print(r)
    except OSError:
        pass
PY
  $smoke && { head -n 20 "$out/elf-list.txt" > "$out/l"; mv "$out/l" "$out/elf-list.txt"; }
  local n; n=$(wc -l < "$out/elf-list.txt")
  section "many files: $n ELF libraries of $libdir, $(nproc) CPUs"
  xargs -a "$out/elf-list.txt" -d '\n' cat > /dev/null
  local l="xargs -a $out/elf-list.txt -d '\\n'"
  table
  pair "many --only sizes vs size -A" le:1 "segscan --only sizes" "$l $segscan -q --only sizes" \
    "size -A" "$l size -A" "$many_runs"
  pair "many full vs size -A" le:1.5 "segscan" "$l $segscan -q" "size -A" "$l size -A" "$many_runs"
  pair "many --only sizes NDJSON vs size -A" le:1 "segscan --only sizes -f ndjson" \
    "$l $segscan --only sizes --format ndjson" "size -A" "$l size -A" "$many_runs"
  pair "many full text vs size -A" "" "segscan (text)" "$l $segscan" "size -A" "$l size -A" "$many_runs"
}

case_symbols() { # the symbol layer against nm on the largest libLLVM
  section "symbols: \`segscan -d symbols\` against nm, $(basename "$big")"
  table
  pair "-d symbols vs nm -D -S --size-sort" "" "segscan -d symbols" "$segscan -q -d symbols $big" \
    "nm" "nm -D -S --size-sort $big" "$((runs > 5 ? 5 : runs))"
  pair "-d symbols --no-demangle vs nm" "" "segscan --no-demangle" \
    "$segscan -q -d symbols --no-demangle $big" "nm" "nm -D -S --size-sort $big" "$((runs > 5 ? 5 : runs))"
}

case_formats() { # PE and Mach-O: the library's sections in the other containers (clang-14, lld)
  # "layout": its .text, .rodata, .data.rel.ro + .data and .bss in the PE or Mach-O sections of
  # the same role (the same content in another container); "rodata only": 32 MiB of .rodata,
  # the worst case for a ratio to cat (every byte goes through the string analysis).
# elf_section NAME [MAX] -> the bytes of the library's section NAME (at most MAX) on stdout, nothing
# when it has none.
elf_section() {
  python3 - "$big" "$@" <<'EOF'
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
bss_hex=$(readelf -S -W "$big" | sed 's/\[ /[/' | awk '$2 == ".bss" && !done {print $6; done = 1}')
bss_size=$((16#${bss_hex:-0}))
elf_section .rodata $((32 << 20)) > "$out/blob.bin"
[ -s "$out/blob.bin" ] || head -c $((32 << 20)) "$big" > "$out/blob.bin"
elf_section .text > "$out/text.bin"
elf_section .rodata > "$out/rodata.bin"
{ elf_section .data.rel.ro; elf_section .data; } > "$out/data.bin"
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
  section "PE and Mach-O images built from $(basename "$big")'s sections"
  table
  local f
  for f in layout.exe layout.macho big.exe big.macho; do
    cat "$out/$f" > /dev/null
    pair "$f ($(stat -c %s "$out/$f") bytes): full -j1 vs cat" le:2 "segscan -j1 -q" \
      "$segscan -j1 -q $out/$f" "cat" "cat $out/$f"
    pair "$f: --only sizes vs llvm-size-14 -A" le:1 "segscan --only sizes" \
      "$segscan -q --only sizes $out/$f" "llvm-size-14 -A" "llvm-size-14 -A $out/$f"
  done
}

case_compileunits() { # issue 22: -d compileunits (libdw) against llvm-dwarfdump-14 --debug-aranges
  # the machine's libc.so.6 with libc6-dbg's debug file (found by build-id, as a user's run would)
  local libc=/lib/x86_64-linux-gnu/libc.so.6 id dbg
  id=$(readelf -n "$libc" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
  dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
  section "compile units: $(basename "$libc") with its debug file $dbg"
  table
  pair "-d compileunits vs llvm-dwarfdump --debug-aranges" le:3 "segscan -d compileunits" \
    "$segscan -q -d compileunits $libc" "llvm-dwarfdump-14 --debug-aranges" \
    "llvm-dwarfdump-14 --debug-aranges $dbg"
  pair "-d inputfiles vs llvm-dwarfdump --debug-aranges" "" "segscan -d inputfiles" \
    "$segscan -q -d inputfiles $libc" "llvm-dwarfdump-14 --debug-aranges" \
    "llvm-dwarfdump-14 --debug-aranges $dbg"
  say ""
  say "| command | peak RSS MiB | budget MiB | met |"
  say "|---|---|---|---|"
  mem_row "segscan -d compileunits" "" "$segscan" -q -d compileunits "$libc"
  mem_row "segscan -d inputfiles" "" "$segscan" -q -d inputfiles "$libc"
  mem_row "llvm-dwarfdump-14 --debug-aranges" "" llvm-dwarfdump-14 --debug-aranges "$dbg"
}

say "# tests/bench.sh$($smoke && echo ' --smoke') $(date -u '+%Y-%m-%d %H:%M UTC')"
say ""
say "segscan: $segscan ($(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'))"
say "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
say "uptime: $(uptime)"
for c in ${BENCH_CASES:-one_thread threads naive memory diff many symbols formats compileunits literals}; do
  "case_$c"
done
say ""
say "uptime after: $(uptime)"
echo "results: $out/bench.md"
if $smoke; then # every case gave its rows, each with a time: else the script has rotted
  python3 - "$out" <<'PY'
import json, os, sys
rows = [json.loads(l) for l in open(os.path.join(sys.argv[1], "pairs.ndjson"))]
md = open(os.path.join(sys.argv[1], "bench.md")).read()
# a side less another (--minus) may come out at or below 0 on the smoke's small inputs
bad = [r["case"] for r in rows if not (min(r.get("a_raw_s", r["a_s"])) > 0 and min(r["b_s"]) > 0)]
mem = [l for l in md.splitlines() if l.startswith("| segscan") and l.count("|") == 5]
if len(rows) < 25 or bad or len(mem) < 6 or any(not l.split("|")[2].strip() for l in mem):
    sys.exit(f"bench.sh --smoke: {len(rows)} pairs (want 25), {len(mem)} memory rows (want 6), "
             f"untimed {bad}")
print(f"bench.sh --smoke: {len(rows)} pairs, {len(mem)} memory rows")
PY
fi
