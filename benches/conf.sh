#!/usr/bin/env bash
# Benchmark: parse and validate a generated keepalived.conf (10,000 virtual servers x 4 real
# servers with HTTP_GET, 540,004 lines): `keepalived -t` vs `ha run -t`, same file, same run.
# Reports the best of R runs (wall seconds) and the peak RSS.
# Usage: benches/conf.sh [VS] [RS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
vs=${1:-10000} rs=${2:-4} runs=${3:-5}
cargo build --release -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 benches/gen_conf.py "$vs" "$rs" > "$work/big.conf"
lines=$(wc -l < "$work/big.conf")

measure() { # label, command...
    local label=$1 best="" rss=0 t m rc
    shift
    for _ in $(seq "$runs"); do
        /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1 && rc=0 || rc=$?
        read -r t m < <(tail -n1 "$work/time")
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; fi
        [ "$m" -gt "$rss" ] && rss=$m
    done
    printf '| %s | %s | %s | %d | %s |\n' "$label" "$lines" "$best" "$rss" "$rc"
}
echo "| tool | lines | best wall s (of $runs) | peak RSS KiB | exit |"
echo "|---|---|---|---|---|"
if command -v keepalived >/dev/null; then
    measure "keepalived 2.2.7 -t" keepalived -t -f "$work/big.conf"
else
    echo "| keepalived not installed | | | | |"
fi
measure "ha run -t" target/release/ha run -t -f "$work/big.conf"
