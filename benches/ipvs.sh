#!/usr/bin/env bash
# Benchmark: big IPVS tables in the kernel, through Debian's ipvsadm 1.31 and, once ha has
# its ipvsadm personality, through ha in the same VM run.
#   restore: `ipvsadm -R` of 2,000 services x 10 real servers (-S format, made here)
#   list:    `ipvsadm -Ln` of those 20,000 destinations (best and mean of N runs)
# Runs in the QEMU VM of tests/vm/run.sh (software-emulated CPU: absolute times are several
# times a real machine's; compare the tools with each other). Wall time comes from the
# guest's /proc/uptime (10 ms steps), peak RSS from busybox time.
# Usage: benches/ipvs.sh [SERVICES] [DESTS_PER_SERVICE] [LIST_RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-2000} per=${2:-10} runs=${3:-3}

# run.sh --setup exits 3 with the reason on stdout when the VM cannot run here (a skip);
# any other failure is the harness's and fails the bench.
setup_rc=0
reason=$(tests/vm/run.sh --setup) || setup_rc=$?
case $setup_rc in
    0) ;;
    3) echo "SKIP: the IPVS VM cannot run here: $reason"; exit 0 ;;
    *) echo "benches/ipvs.sh: tests/vm/run.sh --setup failed (exit $setup_rc)" >&2; exit 1 ;;
esac
cargo build --release -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The rules, as `ipvsadm -S -n` prints them: VIPs 10.100.x.y:80, real servers 10.200.x.y:80
# (every one distinct), alternately DR and NAT, weights 1..10.
awk -v services="$services" -v per="$per" 'BEGIN {
    for (s = 0; s < services; s++) {
        vip = sprintf("10.100.%d.%d:80", int(s / 250), s % 250 + 1)
        printf "-A -t %s -s wlc\n", vip
        for (d = 0; d < per; d++) {
            k = s * per + d
            printf "-a -t %s -r 10.200.%d.%d:80 %s -w %d\n", vip, int(k / 250), k % 250 + 1,
                (d % 2 ? "-m" : "-g"), d % 10 + 1
        }
    }
}' > "$work/rules"

cat > "$work/guest.sh" <<'EOF'
rules=/root/rules
want=$(sort "$rules" | md5sum | cut -d' ' -f1)
dests=$(grep -c '^-a ' "$rules")

# timed STEP TOOL CMD...: prints "STEP|TOOL|t0|t1|peak RSS"; stdin from $IN (or /dev/null)
timed() {
    local step=$1 tool=$2 t0 t1 rss rc
    shift 2
    read -r t0 _ < /proc/uptime
    busybox time -f '%M' "$@" < "${IN:-/dev/null}" > /dev/null 2> /tmp/time.err
    rc=$?
    read -r t1 _ < /proc/uptime
    rss=$(tail -n 1 /tmp/time.err)
    if [ $rc != 0 ]; then
        echo "note|$tool|$step failed (exit $rc): $(sed '$d' /tmp/time.err | grep -v '^Command exited' | head -n 1)"
        return 1
    fi
    echo "$step|$tool|$t0|$t1|$rss"
}

# bench TOOL IPVSADM: restore, check the kernel's table with the real ipvsadm, list RUNS
# times, check the listing against the real one, clear
bench() {
    local tool=$1 bin=$2 n
    ipvsadm -C
    IN=$rules timed restore "$tool" "$bin" -R || return 1
    n=$(ipvsadm -Ln | grep -c '^  -> [0-9]')
    if [ "$(ipvsadm -S -n | sort | md5sum | cut -d' ' -f1)" != "$want" ] || [ "$n" != "$dests" ]; then
        echo "note|$tool|the table after -R is not the input ($n destinations)"
        return 1
    fi
    for _ in $(seq 1 "$RUNS"); do timed list "$tool" "$bin" -Ln || return 1; done
    "$bin" -Ln > /tmp/tool.out 2>&1
    ipvsadm -Ln > /tmp/real.out
    cmp -s /tmp/tool.out /tmp/real.out || echo "note|$tool|its -Ln output differs from ipvsadm's"
    ipvsadm -C
}

# Inside a tool's own namespace (see below): its bench only.
if [ "$1" = --one ]; then
    RUNS=$2
    bench "$3" "$4"
    exit $?
fi
RUNS=$1

# Each tool gets a fresh network namespace, hence a fresh IPVS table: the kernel keeps
# deleted real servers in a per-namespace trash list for minutes and checks every new real
# server against it, so a tool restoring right after another's -C of 20,000 servers would
# pay for the first one's leftovers. The default route lets -g servers be added.
one() {
    ns=$1
    shift
    ip netns add "$ns" && ip -n "$ns" link set lo up && ip -n "$ns" route add default dev lo || return 1
    ip netns exec "$ns" /bin/sh "$0" --one "$RUNS" "$@"
    rc=$?
    ip netns del "$ns"
    return $rc
}

one bench-ipvsadm "ipvsadm 1.31" /usr/sbin/ipvsadm || exit 1
mkdir -p /opt/ha && ln -s /usr/local/bin/ha /opt/ha/ipvsadm
one bench-ha "ha (ipvsadm personality)" /opt/ha/ipvsadm || true   # its failure is a table note
EOF

echo "IPVS table benchmark: $services services x $per real servers, $runs listings each" >&2
out=$(IPVS_VM_MEM=${IPVS_VM_MEM:-512M} tests/vm/run.sh -t 1800 "$work/guest.sh" \
        "$work/rules:/root/rules" target/release/ha:/usr/local/bin/ha -- "$runs") || {
    status=$?
    echo "$out"
    echo "benchmark failed in the VM (exit $status)" >&2
    exit 1
}
[ -n "$out" ] || { echo "no measurements" >&2; exit 1; }

echo "| step | tool | seconds (best) | seconds (mean) | runs | peak RSS KiB |"
echo "|---|---|---|---|---|---|"
awk -F'|' -v dests="$((services * per)) dests" '
$1 == "note" { notes = notes sprintf("| - | %s | %s | | | |\n", $2, $3); next }
{
    key = $1 "|" $2; secs = $4 - $3
    if (!(key in n)) { order[++keys] = key; best[key] = secs }
    n[key]++; sum[key] += secs; if (secs < best[key]) best[key] = secs
    if ($5 > rss[key]) rss[key] = $5
} END {
    for (i = 1; i <= keys; i++) {
        k = order[i]; split(k, f, "|")
        step = (f[1] == "restore") ? "-R (" dests ")" : "-Ln"
        printf "| %s | %s | %.2f | %.2f | %d | %d |\n", step, f[2], best[k], sum[k] / n[k], n[k], rss[k]
    }
    printf "%s", notes
}' <<<"$out"
