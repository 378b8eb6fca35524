#!/usr/bin/env bash
# Benchmark: keepalived's genhash vs ha's genhash personality, same page, same run.
# Measures wall time per invocation (mean over N runs) and peak RSS (max over the runs).
# Usage: benches/genhash.sh [N]   (needs Debian's keepalived for /usr/bin/genhash)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
command -v /usr/bin/genhash >/dev/null || { echo "SKIP: /usr/bin/genhash not installed"; exit 0; }
cargo build --release -q
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/bin"
head -c 100000 /dev/urandom | base64 > "$work/www/page.html"
ln -s "$PWD/target/release/ha" "$work/bin/genhash"
port=$((20000 + RANDOM % 20000))
(cd "$work/www" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

measure() { # name, program
    local t0 t1 rss max=0
    t0=$(date +%s%N)
    for _ in $(seq "$n"); do
        rss=$( { /usr/bin/time -f %M "$2" -s 127.0.0.1 -p "$port" -u /page.html >/dev/null; } 2>&1 )
        [ "$rss" -gt "$max" ] && max=$rss
    done
    t1=$(date +%s%N)
    printf '| %s | %s | %.2f | %d |\n' "$1" "$n" "$(awk -v a="$t0" -v b="$t1" -v n="$n" "BEGIN{print (b-a)/n/1e6}")" "$max"
}
[ "$(/usr/bin/genhash -s 127.0.0.1 -p "$port" -u /page.html)" = "$("$work/bin/genhash" -s 127.0.0.1 -p "$port" -u /page.html)" ] \
    || { echo "digests differ" >&2; exit 1; }
echo "| tool | runs | ms per run (mean) | peak RSS KiB |"
echo "|---|---|---|---|"
measure "keepalived 2.2.7 genhash" /usr/bin/genhash
measure "ha (genhash personality)" "$work/bin/genhash"
