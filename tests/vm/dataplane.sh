# Guest script of tests/ipvs_dataplane.rs: real HTTP through kernel IPVS, NAT and DR.
#
#   client ns             director (the VM's own ns)         real-server ns rs1, rs2
#   cl0 10.0.1.2 --veth-- dir0 10.0.1.1
#                         vips (dummy): 10.0.9.10 NAT VIP, 10.0.9.20 DR VIP
#                         br0 10.0.2.1 ----------bridge---- 10.0.2.11 / 10.0.2.12 :80 httpd
#   cl1 10.0.2.2 --------------------------------^          lo: 10.0.9.20/32 (ARP-silent)
#
# The client reaches both VIPs through the director (cl0). The real servers' default route
# is the director, so NAT replies come back through IPVS to be un-NATed; replies from the DR
# VIP take a policy route to 10.0.2.2 instead, as DR replies go to a router and never
# through the director (the client's LAN leg plays that router).
# Prints "@@ <section>" lines followed by what the Rust side checks. If /usr/local/bin/ha
# is there, ha's ipvsadm personality reads the same tables.

fail() { echo "dataplane: $*" >&2; exit 1; }
ns() { local name=$1; shift; ip netns exec "$name" "$@"; }
set_sys() { ns "$1" sysctl -q -w "$2=$3" >/dev/null || fail "sysctl $2=$3 in $1"; }

modprobe veth; modprobe bridge; modprobe dummy numdummies=0
echo 1 > /proc/sys/net/ipv4/ip_forward

# --- network
ip netns add client && ip netns add rs1 && ip netns add rs2 || fail "ip netns add"
ip link add cl0 type veth peer name dir0 || fail "veth"
ip link set cl0 netns client
ip -n client link set lo up
ip -n client addr add 10.0.1.2/24 dev cl0
ip -n client link set cl0 up
ip -n client route add default via 10.0.1.1
ip addr add 10.0.1.1/24 dev dir0
ip link set dir0 up

ip link add vips type dummy || fail "dummy"
ip addr add 10.0.9.10/32 dev vips
ip addr add 10.0.9.20/32 dev vips
ip link set vips up

ip link add br0 type bridge || fail "bridge"
ip addr add 10.0.2.1/24 dev br0
ip link set br0 up
ip link add cl1 type veth peer name cl1-d || fail "veth cl1"
ip link set cl1 netns client
ip link set cl1-d master br0
ip link set cl1-d up
ip -n client addr add 10.0.2.2/24 dev cl1
ip -n client link set cl1 up
# DR replies arrive on cl1 for cl0's address
set_sys client net.ipv4.conf.all.rp_filter 0
set_sys client net.ipv4.conf.cl1.rp_filter 0

for i in 1 2; do
    rs=rs$i
    ip link add $rs-d type veth peer name $rs-r || fail "veth $rs"
    ip link set $rs-r netns $rs
    ip link set $rs-d master br0
    ip link set $rs-d up
    ip -n $rs link set lo up
    ip -n $rs addr add 10.0.2.1$i/24 dev $rs-r
    ip -n $rs link set $rs-r up
    ip -n $rs route add default via 10.0.2.1
    ip -n $rs rule add from 10.0.9.20 table 100
    ip -n $rs route add default via 10.0.2.2 table 100
    # DR: the VIP on lo, never answered for nor announced in ARP
    ip -n $rs addr add 10.0.9.20/32 dev lo
    set_sys $rs net.ipv4.conf.all.arp_ignore 1
    set_sys $rs net.ipv4.conf.all.arp_announce 2
    mkdir -p /srv/$rs
    echo "hello from $rs" > /srv/$rs/index.html
    ns $rs httpd -p 80 -h /srv/$rs || fail "httpd in $rs"
done

# --- IPVS
ipvsadm -A -t 10.0.9.10:80 -s rr || fail "ipvsadm -A nat"
ipvsadm -a -t 10.0.9.10:80 -r 10.0.2.11:80 -m || fail "ipvsadm -a nat rs1"
ipvsadm -a -t 10.0.9.10:80 -r 10.0.2.12:80 -m || fail "ipvsadm -a nat rs2"
ipvsadm -A -t 10.0.9.20:80 -s rr || fail "ipvsadm -A dr"
ipvsadm -a -t 10.0.9.20:80 -r 10.0.2.11:80 -g || fail "ipvsadm -a dr rs1"
ipvsadm -a -t 10.0.9.20:80 -r 10.0.2.12:80 -g || fail "ipvsadm -a dr rs2"

# --- traffic: four requests through each service
for vip in 10.0.9.10 10.0.9.20; do
    echo "@@ replies $vip"
    for n in 1 2 3 4; do
        # (busybox 1.35's wget -T crashes: timeout bounds it instead)
        ns client timeout 10 wget -q -O - "http://$vip/" || echo "request $n to $vip failed"
    done
done

# --- counters: the kernel's estimator copies them every 2 s, and a connection's last
# packets may come after the copy that counted it. Whether they show what the test asserts:
# two services of 4 connections, 2 per real server with packets and bytes in, NAT replies
# counted, and each service the sum of its real servers.
counters_settled() {
    ipvsadm -Ln --stats | awk '
        function close_service() {
            for (i = 3; i <= 7; i++) if (svc != "" && sum[i] != total[i]) bad = 1
        }
        $1 == "TCP" {
            close_service(); svc = $2; services++
            for (i = 3; i <= 7; i++) { total[i] = $i; sum[i] = 0 }
            if ($3 != 4 || (svc == "10.0.9.10:80" && $5 == 0)) bad = 1
        }
        $1 == "->" && svc != "" {
            for (i = 3; i <= 7; i++) sum[i] += $i
            if ($3 != 2 || $4 == 0 || $6 == 0) bad = 1
        }
        END { close_service(); exit (bad || services != 2) }'
}
# No limit of its own: the VM's timeout is the backstop, and every 10 s the counters go to
# stderr, whose tail a timeout shows.
read -r t0 _ < /proc/uptime
tries=0
until counters_settled; do
    tries=$((tries + 1))
    if [ $((tries % 40)) = 0 ]; then
        echo "still waiting for the counters:" >&2
        ipvsadm -Ln --stats >&2
    fi
    sleep 0.25
done
read -r t1 _ < /proc/uptime
echo "@@ waited"
echo "$t0 $t1" | awk '{ printf "%.2f s for the counters\n", $2 - $1 }'

echo "@@ ipvsadm -Ln"
ipvsadm -Ln
echo "@@ ipvsadm -Ln --stats"
ipvsadm -Ln --stats
echo "@@ ipvsadm -Lnc"
ipvsadm -Lnc

# --- the same tables through ha's ipvsadm personality, when this ha has one
echo "@@ ha"
if [ -x /usr/local/bin/ha ]; then
    mkdir -p /opt/ha && ln -s /usr/local/bin/ha /opt/ha/ipvsadm
    if /opt/ha/ipvsadm -Ln 2>&1 | grep -q 'does not provide the ipvsadm command line'; then
        echo "absent"
    else
        for args in "-Ln" "-Ln --stats"; do
            echo "@@ ha $args"
            /opt/ha/ipvsadm $args 2>&1
            echo "rc=$?"
            echo "@@ ipvsadm again $args"
            ipvsadm $args
        done
    fi
else
    echo "not copied in"
fi
echo "@@ end"
