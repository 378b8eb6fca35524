#!/bin/bash
# Capture the VRRP fixtures from the installed keepalived (Debian 2.2.7) in a lab of two
# network namespaces joined by a veth pair. Needs root, ip(8), keepalived and python3.
#
#   tests/data/pcaps/capture.sh [OUTDIR]        (default: this script's directory)
#
# n1 (ha-cap-n1): v1, 02:99:00:00:00:01, 10.99.0.1/24, fd00:99::1/64, fe80::99:ff:fe00:1
# n2 (ha-cap-n2): v2, 02:99:00:00:00:02, 10.99.0.2/24, fd00:99::2/64, fe80::99:ff:fe00:2
#                 IPv6 forwarding on (so its neighbour advertisements carry the R flag)
#
# Each scenario runs the same play, captured on v1 (so both nodes' frames are seen):
# start n2 (lower priority; becomes master and sends gratuitous ARPs / unsolicited NAs),
# start n1 (higher priority; preempts), stop n1 (it sends priority 0; n2 takes over),
# stop n2 (priority 0). pcapwrite.py keeps only gratuitous ARP, VRRP/AH and unsolicited NA
# frames.
# Everything runs in the two namespaces: no traffic leaves them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
N1=ha-cap-n1
N2=ha-cap-n2
cap_pid=

teardown() {
    set +e
    for n in n1 n2; do
        if [ -s "$work/$n.job" ]; then
            kill -TERM "$(cat "$work/$n.job")" 2>/dev/null
        fi
    done
    if [ -n "$cap_pid" ]; then kill -TERM "$cap_pid" 2>/dev/null; fi
    sleep 0.5
    ip netns del $N1 2>/dev/null
    ip netns del $N2 2>/dev/null
    # KEEP_LOGS=1: show keepalived's output of the whole run.
    if [ -n "${KEEP_LOGS:-}" ]; then cat "$work"/*.log; fi
    rm -rf "$work"
}
trap teardown EXIT

setup() {
    ip netns del $N1 2>/dev/null || true
    ip netns del $N2 2>/dev/null || true
    ip netns add $N1
    ip netns add $N2
    for ns in $N1 $N2; do
        ip netns exec $ns sysctl -qw net.ipv6.conf.default.accept_dad=0
        ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_dad=0
        ip netns exec $ns sysctl -qw net.ipv6.conf.default.router_solicitations=0
        ip netns exec $ns ip link set lo up
    done
    ip netns exec $N2 sysctl -qw net.ipv6.conf.all.forwarding=1
    ip link add v1 netns $N1 address 02:99:00:00:00:01 type veth \
        peer name v2 netns $N2 address 02:99:00:00:00:02
    ip -n $N1 addr add 10.99.0.1/24 dev v1
    ip -n $N2 addr add 10.99.0.2/24 dev v2
    ip -n $N1 addr add fd00:99::1/64 dev v1 nodad
    ip -n $N2 addr add fd00:99::2/64 dev v2 nodad
    ip -n $N1 link set v1 up
    ip -n $N2 link set v2 up
    sleep 1
}

# conf NODE FILE BODY...: write a keepalived.conf for node n1 or n2
conf() {
    local node=$1 file=$2
    shift 2
    {
        echo "global_defs {"
        echo "    router_id $node"
        echo "    vrrp_garp_master_repeat 2"
        echo "}"
        printf '%s\n' "$@"
    } >"$file"
}

start_ka() { # NODE CONF
    local node=$1 ns
    if [ "$node" = n1 ]; then ns=$N1; else ns=$N2; fi
    ip netns exec $ns keepalived -n -l -P -f "$2" -p "$work/$node.pid" \
        -r "$work/$node-vrrp.pid" >>"$work/$node.log" 2>&1 &
    echo $! >"$work/$node.job"
}

stop_ka() { # NODE
    local pid
    pid=$(cat "$work/$1.job")
    kill -TERM "$pid"
    wait "$pid" || true
    : >"$work/$1.job"
}

start_capture() { # FILE
    ip netns exec $N1 python3 "$here/pcapwrite.py" v1 "$1" >"$work/cap.out" &
    cap_pid=$!
    for _ in $(seq 50); do
        grep -q ready "$work/cap.out" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "capture did not start" >&2
    return 1
}

stop_capture() {
    kill -TERM "$cap_pid"
    wait "$cap_pid" || true
    cap_pid=
}

# play NAME SETTLE CONF_N1 CONF_N2: the scenario described at the top
play() {
    local name=$1 settle=$2
    echo "== $name"
    start_capture "$out/$name.pcap"
    start_ka n2 "$4"
    sleep "$settle"
    start_ka n1 "$3"
    sleep "$settle"
    stop_ka n1
    sleep "$settle"
    stop_ka n2
    sleep 0.3
    stop_capture
    ls -l "$out/$name.pcap"
}

# instance NODE PRIO LINES...: a vrrp_instance block on the node's interface
instance() {
    local node=$1 prio=$2 ifname
    shift 2
    if [ "$node" = n1 ]; then ifname=v1; else ifname=v2; fi
    echo "vrrp_instance VI_1 {"
    echo "    state BACKUP"
    echo "    interface $ifname"
    echo "    virtual_router_id 51"
    echo "    priority $prio"
    printf '    %s\n' "$@"
    echo "}"
}

setup

v4vips='virtual_ipaddress {
        10.99.0.100/24
        10.99.0.101/24
    }'
v6vips='virtual_ipaddress {
        fd00:99::100/64
        fd00:99::101/64
    }'
uc4() { # NODE: unicast to the other node
    if [ "$1" = n1 ]; then echo "unicast_src_ip 10.99.0.1"; echo "unicast_peer {
        10.99.0.2
    }"
    else echo "unicast_src_ip 10.99.0.2"; echo "unicast_peer {
        10.99.0.1
    }"; fi
}
uc6() {
    if [ "$1" = n1 ]; then echo "unicast_src_ip fd00:99::1"; echo "unicast_peer {
        fd00:99::2
    }"
    else echo "unicast_src_ip fd00:99::2"; echo "unicast_peer {
        fd00:99::1
    }"; fi
}

# VRRPv3 IPv4 multicast, 0.5 s interval.
for n in n1 n2; do
    p=100; [ $n = n2 ] && p=90
    conf $n "$work/$n.conf" "$(instance $n $p 'version 3' 'advert_int 0.5' "$v4vips")"
done
play vrrpv3-ipv4-mcast 2.5 "$work/n1.conf" "$work/n2.conf"

# VRRPv3 IPv4 unicast, RFC pseudo-header (destination = the peer).
for n in n1 n2; do
    p=100; [ $n = n2 ] && p=90
    conf $n "$work/$n.conf" "$(instance $n $p 'version 3' 'advert_int 0.5' "$(uc4 $n)" "$v4vips")"
done
play vrrpv3-ipv4-unicast 2.5 "$work/n1.conf" "$work/n2.conf"

# VRRPv3 IPv4 unicast with old_unicast_checksum (pseudo-header destination 224.0.0.18).
for n in n1 n2; do
    p=100; [ $n = n2 ] && p=90
    conf $n "$work/$n.conf" "$(instance $n $p 'version 3' 'advert_int 0.5' \
        'old_unicast_checksum' "$(uc4 $n)" "$v4vips")"
done
play vrrpv3-ipv4-unicast-oldcsum 2.5 "$work/n1.conf" "$work/n2.conf"

# VRRPv3 IPv6 multicast (ff02::12 from the link-local address), 0.25 s interval.
for n in n1 n2; do
    p=100; [ $n = n2 ] && p=90
    conf $n "$work/$n.conf" "$(instance $n $p 'advert_int 0.25' "$v6vips")"
done
play vrrpv3-ipv6-mcast 1.5 "$work/n1.conf" "$work/n2.conf"

# VRRPv3 IPv6 unicast.
for n in n1 n2; do
    p=100; [ $n = n2 ] && p=90
    conf $n "$work/$n.conf" "$(instance $n $p 'advert_int 0.5' "$(uc6 $n)" "$v6vips")"
done
play vrrpv3-ipv6-unicast 2.5 "$work/n1.conf" "$work/n2.conf"

# VRRPv2 with simple password authentication (6 characters, zero padded to 8).
for n in n1 n2; do
    p=100; [ $n = n2 ] && p=90
    conf $n "$work/$n.conf" "$(instance $n $p 'version 2' 'advert_int 1' 'authentication {
        auth_type PASS
        auth_pass s3cr.t
    }' "$v4vips")"
done
play vrrpv2-auth-pass 4.5 "$work/n1.conf" "$work/n2.conf"

# VRRPv2 with IPsec AH authentication.
for n in n1 n2; do
    p=100; [ $n = n2 ] && p=90
    conf $n "$work/$n.conf" "$(instance $n $p 'version 2' 'advert_int 1' 'authentication {
        auth_type AH
        auth_pass ahsecret
    }' "$v4vips")"
done
play vrrpv2-auth-ah 4.5 "$work/n1.conf" "$work/n2.conf"

# VRRPv2 unicast, no authentication.
for n in n1 n2; do
    p=100; [ $n = n2 ] && p=90
    conf $n "$work/$n.conf" "$(instance $n $p 'version 2' 'advert_int 1' "$(uc4 $n)" "$v4vips")"
done
play vrrpv2-ipv4-unicast 4.5 "$work/n1.conf" "$work/n2.conf"

