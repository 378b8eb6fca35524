#!/usr/bin/env bash
# Benchmark: VRRP crash failover and idle cost, `ha run` vs Debian's keepalived 2.2.7, same
# run, same machine. Needs root, ip(8), python3 and /usr/sbin/keepalived.
#
#   benches/vrrp.sh [N] [IDLE_SECS] [IDLE_ROUNDS]
#                                       (defaults: N = 10 failovers per case, 5 idle windows of 60 s)
#   CASES="3 0.01" benches/vrrp.sh 20 0  only the VRRPv3 0.01 case (cases: "V INT,V INT"), no idle
#   RAW=FILE benches/vrrp.sh            also keep the per-run JSON lines in FILE
#   KEEP_LOGS=DIR benches/vrrp.sh       also keep the daemons' logs in DIR
#
# 1. Crash failover. Two directors in network namespaces joined by a bridge in a third one:
#    master (priority 150, state MASTER) and backup (priority 100), same tool on both. Once the
#    master holds the VIP and the backup has stayed quiet for a whole master-down interval,
#    the master's process group is SIGKILLed (for keepalived: the parent and its VRRP child;
#    killing the parent alone would make the child exit gracefully, through PR_SET_PDEATHSIG,
#    with a priority 0 advert, which is not a crash). Timed: kill -> the backup's first
#    gratuitous ARP for the VIP (captured on the backup's bridge port, kernel timestamps),
#    and kill -> the VIP in the backup's namespace (rtnetlink notification).
#    Clocks: frame times are the kernel's SO_TIMESTAMPNS stamps (CLOCK_REALTIME) on the bridge
#    port, and the kill time is CLOCK_REALTIME read by the same python process right before
#    kill(2): one clock, no fork or exec between clock read and kill, and no capture wake-up
#    latency in the frame times. The VIP time is read when the netlink notification arrives
#    (netlink has no timestamps), so it includes the probe's own wake-up latency.
#    The protocol bound is Master_Down_Interval = 3 x advert_int + Skew_Time (priority 100:
#    VRRPv2 156/256 s, VRRPv3 156/256 x advert_int). The backup starts that timer at the last
#    advert it heard, up to one interval before the kill, so kill-based times fall between
#    bound - advert_int and bound; the "excess" column is the tool's own time:
#    (first GARP - last advert of the master seen on the port) - bound.
#    Cases: VRRPv2 advert_int 1, VRRPv3 0.1, VRRPv3 0.01. The tools alternate run by run
#    (ha, keepalived, ha, ...) so background load on a shared machine hits both alike.
# 2. Idle master: one VRRPv3 instance, advert_int 0.1, no peer. Both tools run at the same
#    time (separate namespaces, so they do not hear each other) and are measured over the
#    same windows: VmRSS (summed over the tool's processes) 5 s after start and after the
#    last window, and utime+stime of all its processes over IDLE_ROUNDS consecutive windows
#    of IDLE_SECS, as CPU ms per second. Alongside: PSS (summed RSS counts the pages keepalived's two
#    processes share twice) and the run time from the threads' schedstat (nanoseconds;
#    utime+stime moves in 10 ms ticks). The load of a shared machine changes from window
#    to window, so the tools are also compared window by window.
#
# Prints markdown tables, the kernel, the CPU model and the date. Everything runs inside
# namespaces named hvb<PID>-*; the EXIT trap kills the daemons and deletes them.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
idle_secs=${2:-60}
idle_rounds=${3:-5}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 0; }
KA=/usr/sbin/keepalived
[ -x $KA ] || { echo "SKIP: $KA not installed"; exit 0; }
cargo build --release -q
HA=$PWD/target/release/ha
PROBE=$PWD/benches/vrrp_probe.py

work=$(mktemp -d)
tag=hvb$$
SW=$tag-sw D1=$tag-d1 D2=$tag-d2 I1=$tag-i1 I2=$tag-i2
MAC1=02:76:00:00:00:01 MAC2=02:76:00:00:00:02
VIP=10.77.0.100
results=$work/results.jsonl
pgids=()  # every daemon started, for the trap

cleanup() {
    set +e
    for p in "${pgids[@]}"; do kill -KILL -- "-$p" 2>/dev/null; done
    for p in "${pgids[@]}"; do gone "$p"; done
    for ns in $SW $D1 $D2 $I1 $I2; do ip netns del "$ns" 2>/dev/null; done
    if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$work"/*.log "$KEEP_LOGS"/; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- lab ----------------------------------------------------------------------------------

# A namespace with IPv6 off: no router solicitations or MLD reports on the capture.
new_ns() {
    ip netns add "$1"
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$1" link set lo up
}

# Failover lab: $D1 and $D2 each have eth0, a veth whose peer (p1, p2) is a port of br0 in $SW.
# The ports are in a namespace of their own so that capturing on p2 sees exactly what the
# backup receives and sends. STP is off, so ports forward at once.
lab_up() {
    new_ns $SW
    ip -n $SW link add br0 type bridge stp_state 0 mcast_snooping 0
    ip -n $SW link set br0 up
    local i ns mac
    for i in 1 2; do
        ns=$tag-d$i mac=$MAC1
        [ $i = 2 ] && mac=$MAC2
        new_ns "$ns"
        ip link add eth0 netns "$ns" address $mac type veth peer name p$i netns $SW
        ip -n "$ns" addr add 10.77.0.$i/24 dev eth0
        ip -n "$ns" link set eth0 up
        ip -n $SW link set p$i master br0 up
    done
    # Idle lab: one namespace per tool, eth0 paired with a peer in the same namespace.
    for ns in $I1 $I2; do
        new_ns "$ns"
        ip -n "$ns" link add eth0 type veth peer name peer0
        ip -n "$ns" addr add 10.78.0.1/24 dev eth0
        ip -n "$ns" link set peer0 up
        ip -n "$ns" link set eth0 up
    done
}

# ---- directors ----------------------------------------------------------------------------

# write_conf FILE NAME STATE PRIORITY VERSION ADVERT_INT: one instance, one VIP; the same
# file for both tools (ha reads keepalived.conf). garp and timer settings stay at their
# defaults, which both tools share.
write_conf() {
    cat >"$1" <<EOF
global_defs {
    router_id $2
}
vrrp_instance VI_1 {
    state $3
    interface eth0
    virtual_router_id 77
    priority $4
    version $5
    advert_int $6
    virtual_ipaddress {
        $VIP/24
    }
}
EOF
}

# start TOOL NS CONF NAME: starts a director in its own session (setsid does not fork here:
# a background job of a script is not a group leader), so its PID is also its process group
# and one kill(-PGID) reaches keepalived's parent and VRRP child together. Sets $started.
start() {
    local tool=$1 ns=$2 conf=$3 name=$4
    case $tool in
    ha) setsid ip netns exec "$ns" "$HA" run -f "$conf" >>"$work/$name.log" 2>&1 & ;;
    keepalived)
        setsid ip netns exec "$ns" $KA -n -l -P -f "$conf" -p "$work/$name.pid" \
            -r "$work/$name-vrrp.pid" >>"$work/$name.log" 2>&1 &
        ;;
    esac
    started=$!
    pgids+=("$started")
    # Disowned: bash still reaps it, but prints no "Killed" notice when the probe kills it.
    disown "$started"
}

# gone PGID: waits up to 3 s for every process of the group to exit.
gone() {
    for _ in $(seq 30); do
        kill -0 -- "-$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

# stop PGID: graceful stop (SIGTERM to the group), SIGKILL after 3 s.
stop() {
    kill -TERM -- "-$1" 2>/dev/null || true
    gone "$1" || { kill -KILL -- "-$1" 2>/dev/null || true; gone "$1" || true; }
}

# has_vip NS [ADDRESS]: the VIP (or ADDRESS) is on eth0 in NS.
has_vip() { ip -n "$1" -br -4 addr show dev eth0 | grep -q " ${2:-$VIP}/"; }

# wait_vip NS SECS
wait_vip() {
    local i
    for i in $(seq $((${2} * 50))); do
        has_vip "$1" && return 0
        sleep 0.02
    done
    return 1
}

# bound_ms VERSION ADVERT_INT: Master_Down_Interval for priority 100 (RFC 3768 / RFC 5798).
bound_ms() {
    if [ "$1" = 2 ]; then
        awk -v i="$2" 'BEGIN { printf "%.4f", 3 * i * 1000 + 156 / 256 * 1000 }'
    else
        awk -v i="$2" 'BEGIN { printf "%.4f", 3 * i * 1000 + 156 / 256 * i * 1000 }'
    fi
}

# ---- 1. crash failover --------------------------------------------------------------------

# failover TOOL VERSION ADVERT_INT: one run; appends one JSON line to $results.
failover() {
    local tool=$1 ver=$2 int=$3 scen="VRRPv$2 advert_int $3" bound master backup extra
    bound=$(bound_ms "$ver" "$int")
    extra=$(printf '{"kind":"failover","tool":"%s","scenario":"%s","bound_ms":%s}' \
        "$tool" "$scen" "$bound")
    # A killed master leaves its VIP behind; start every run from a clean interface.
    ip -n $D1 addr del $VIP/24 dev eth0 2>/dev/null || true
    ip -n $D2 addr del $VIP/24 dev eth0 2>/dev/null || true
    write_conf "$work/d1.conf" d1 MASTER 150 "$ver" "$int"
    write_conf "$work/d2.conf" d2 BACKUP 100 "$ver" "$int"

    start "$tool" $D1 "$work/d1.conf" "$tool-d1"
    master=$started
    if ! wait_vip $D1 10; then
        stop "$master"
        printf '%s\n' "${extra%\}},\"flaps\":0,\"kill_to_garp_ms\":null,\"start_error\":\"master never held the VIP\"}" >>"$results"
        return
    fi
    start "$tool" $D2 "$work/d2.conf" "$tool-d2"
    backup=$started
    # Settle: the backup must sit through one whole master-down interval (plus process
    # start) without taking over, so that its timer runs on the master's adverts.
    ip netns exec $SW python3 "$PROBE" failover --port p2 --master-mac $MAC1 --backup-mac $MAC2 \
        --vip $VIP --backup-netns $D2 --pgid "$master" --advert-int "$int" \
        --settle "$(awk -v b="$bound" 'BEGIN { print b / 1000 + 1 }')" \
        --timeout "$(awk -v b="$bound" 'BEGIN { print b / 1000 + 2 }')" \
        --extra "$extra" >>"$results"
    gone "$master" || true
    stop "$backup"
}

# ---- 2. idle master -----------------------------------------------------------------------

idle() {
    local ha ka vip=10.78.0.100
    write_conf "$work/idle.conf" idle MASTER 150 3 0.1
    sed -i "s#$VIP/24#$vip/24#" "$work/idle.conf"
    start ha $I1 "$work/idle.conf" ha-idle
    ha=$started
    start keepalived $I2 "$work/idle.conf" keepalived-idle
    ka=$started
    python3 "$PROBE" idle --pgid "ha=$ha" --pgid "keepalived=$ka" --rss-after 5 \
        --window "$idle_secs" --rounds "$idle_rounds" >>"$results"
    # Figures of a director that is not MASTER would not be an idle master's.
    has_vip $I1 $vip || echo "warning: ha was not MASTER at the end of the idle window" >&2
    has_vip $I2 $vip || echo "warning: keepalived was not MASTER at the end of the idle window" >&2
    stop "$ha"
    stop "$ka"
}

# ---- main ---------------------------------------------------------------------------------

lab_up
IFS=, read -ra cases <<<"${CASES:-2 1,3 0.1,3 0.01}"
for c in "${cases[@]}"; do
    for _ in $(seq "$runs"); do
        for tool in ha keepalived; do
            # shellcheck disable=SC2086
            failover $tool $c
        done
    done
done
[ "$idle_secs" = 0 ] || idle

python3 "$PROBE" table "$results"
[ -z "${RAW:-}" ] || cp "$results" "$RAW"
echo
echo "Kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')," \
    "$(nproc) cores; ha $(git describe --always --dirty), $($KA --version 2>&1 | head -n1);" \
    "$(date -u '+%Y-%m-%d %H:%M UTC'); N = $runs, idle $idle_rounds x $idle_secs s."
