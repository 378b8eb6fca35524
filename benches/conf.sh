#!/usr/bin/env bash
# Benchmark: parse and validate a generated keepalived.conf (10,000 virtual servers x 4 real
# servers with HTTP_GET, 540,004 lines): `keepalived -t` vs `ha run -t`, same file, same run.
#
# For each tool, RUNS runs under /usr/bin/time: the median user CPU time, wall time and peak
# RSS (user time is the figure to compare on a shared machine: wall time moves with the
# load, which is printed before and after). Then, with valgrind installed (INSTR=0 skips
# it), one run of each under callgrind: instructions executed, which do not depend on the
# load at all.
#
# Usage: benches/conf.sh [VS] [RS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
vs=${1:-10000} rs=${2:-4} runs=${3:-7}
cargo build --release -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 benches/gen_conf.py "$vs" "$rs" > "$work/big.conf"
lines=$(wc -l < "$work/big.conf")
bytes=$(wc -c < "$work/big.conf")

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

measure() { # label, command...
    local label=$1 rc=0 instr="-"
    shift
    : > "$work/times"
    for _ in $(seq "$runs"); do
        /usr/bin/time -o "$work/time" -f '%U %e %M' "$@" >/dev/null 2>&1 && rc=0 || rc=$?
        tail -n1 "$work/time" >> "$work/times"
    done
    local user wall rss
    user=$(awk '{print $1}' "$work/times" | median)
    wall=$(awk '{print $2}' "$work/times" | median)
    rss=$(awk '{print $3}' "$work/times" | median)
    if [ "${INSTR:-1}" != 0 ] && command -v valgrind >/dev/null; then
        instr=$(valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" 2>&1 >/dev/null |
            awk '/Collected :/ {printf "%.2f G", $4 / 1e9}')
    fi
    printf '| %s | %s | %s | %s | %d | %s | %s |\n' "$label" "$lines" "$user" "$wall" "$rss" "$instr" "$rc"
}

echo "config: $vs virtual servers x $rs real servers, $lines lines, $bytes bytes; $runs runs each, medians"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
echo
echo "| tool | lines | user s | wall s | max RSS KiB | instructions | exit |"
echo "|---|---|---|---|---|---|---|"
if command -v keepalived >/dev/null; then
    measure "keepalived $(keepalived -v 2>&1 | awk 'NR==1 {print $2}') -t" keepalived -t -f "$work/big.conf"
else
    echo "| keepalived not installed | | | | | | |"
fi
measure "ha run -t ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))" target/release/ha run -t -f "$work/big.conf"
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
