#!/bin/bash
# Re-runs the keepalived 2.2.7 checks recorded in MANIFEST.md (needs root and
# keepalived installed; nothing here starts a daemon: `keepalived -t` only parses).
#
#   host      keepalived -t -l -D -f FILE on this machine, as is.
#   sandbox   the same inside a private network + mount namespace that has the
#             interfaces the seeds name (eth0, eth1, ens33; veth pairs) and
#             executable stub scripts under /etc/keepalived (a private tmpfs), so
#             "interface doesn't exist" / "script not found" noise drops out and
#             what is left is about the config text.
#   context   fragments only: the fixture, unchanged, pulled in with `include`
#             at the place the author meant it to go (inside a vrrp_instance,
#             virtual_server, real_server), run in the sandbox. The wrapper is
#             printed with the result. Line numbers in messages are the fixture's.
#
# Messages are printed once each (keepalived parses the file in several
# processes and repeats them), with "(FILE: Line N)" prefixes kept.
#
# Usage: keepalived-check.sh [FIXTURE.conf ...]   (default: all *.conf here)
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here" || exit 1
[ $# -gt 0 ] || set -- *.conf

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Sandbox set-up, run inside `unshare -n -m`.
sandbox_setup='
ip link set lo up
ip link add eth0 type veth peer name eth1 || exit 90
ip link add ens33 type veth peer name ens33p || exit 90
for i in eth0 eth1 ens33 ens33p; do ip link set "$i" up; done
mount --make-rprivate / 2>/dev/null
mount -t tmpfs -o mode=755 none /etc/keepalived || exit 91
mkdir -p /etc/keepalived/conf
for s in notify.sh check_nginx.sh ping.sh chk_haproxy.sh mail_notify.py; do
  printf "#!/bin/sh\nexit 0\n" > /etc/keepalived/$s
  chmod 755 /etc/keepalived/$s
done
'

# The place each fragment goes, as a wrapper around `include FIXTURE`.
# An empty wrapper: the fixture is a whole file (or cannot be placed as is).
wrapper() {
    local f=$here/$1
    case $1 in
    001-notify-fragment.conf)
        printf 'vrrp_instance CTX {\n    state BACKUP\n    interface eth0\n    virtual_router_id 66\n    priority 90\n    virtual_ipaddress {\n        192.0.2.10\n    }\ninclude %s\n}\n' "$f" ;;
    001-include-fragment.conf)
        # the fragment closes the vrrp_instance itself ("}" on its line 5)
        printf 'vrrp_instance CTX {\n    state BACKUP\n    interface eth0\n    virtual_router_id 66\n    priority 90\n    virtual_ipaddress {\n        192.0.2.10\n    }\ninclude %s\n' "$f" ;;
    004-nginx0?-unicast-fragment.conf)
        printf 'vrrp_instance CTX {\n    state BACKUP\n    interface ens33\n    virtual_router_id 55\n    priority 80\n    virtual_ipaddress {\n        192.168.175.100\n    }\ninclude %s\n}\n' "$f" ;;
    001-chk-down.conf | 001-linux-ping.conf | 001-chk-haproxy.conf | 004-nginx0?-check-nginx-sh*.conf | 004-nginx0?-killall.conf)
        # vrrp_script is top level; the author's top-level track_script block is
        # what the author meant to put in the instance, so the instance tracks
        # the script by name as the author said to.
        local name
        name=$(sed -n 's/^[[:space:]]*vrrp_script[[:space:]]\+\([^[:space:]{]*\).*/\1/p' "$f" | head -1)
        printf 'include %s\nvrrp_instance CTX {\n    state BACKUP\n    interface eth0\n    virtual_router_id 66\n    priority 90\n    virtual_ipaddress {\n        192.0.2.10\n    }\n    track_script {\n        %s\n    }\n}\n' "$f" "$name" ;;
    002-rs-genhash-digest.conf) printf 'virtual_server 192.0.2.100 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\ninclude %s\n}\n' "$f" ;;
    002-rs-tcp-inhibit.conf) printf 'virtual_server 192.0.2.100 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\ninclude %s\n}\n' "$f" ;;
    002-rs-smtp-check.conf) printf 'virtual_server 192.0.2.100 25 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\ninclude %s\n}\n' "$f" ;;
    002-rs-misc-args.conf | 002-rs-misc-dynamic.conf) printf 'virtual_server 192.0.2.100 1358 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\ninclude %s\n}\n' "$f" ;;
    002-tcp-check.conf) printf 'virtual_server 192.0.2.100 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    real_server 192.0.2.1 80 {\ninclude %s\n    }\n}\n' "$f" ;;
    esac
}

# keepalived -t on $1; prints "exit N" and the distinct messages.
ka_test() {
    local conf=$1 where=$2 out rc
    out=$tmp/out
    if [ "$where" = host ]; then
        (timeout 60 keepalived -t -l -D -f "$conf" >"$out" 2>&1; exit $?) 2>/dev/null
        rc=$?
    else
        (timeout 60 unshare -n -m sh -c "$sandbox_setup"'
exec keepalived -t -l -D -f "$0"' "$conf" >"$out" 2>&1; exit $?) 2>/dev/null
        rc=$?
    fi
    if [ "$rc" -gt 128 ]; then
        echo "  exit $rc (killed by signal $((rc - 128)))"
    else
        echo "  exit $rc"
    fi
    # keep the "(FILE: Line N)" copy of each message; drop the "(Line N)" repeat
    awk '!seen[$0]++' "$out" | grep -v '^(Line [0-9]*)' | sed "s#$here/##g; s/^/  | /"
}

for f in "$@"; do
    echo "=== $f"
    echo "- host:"
    ka_test "$here/$f" host
    echo "- sandbox:"
    ka_test "$here/$f" sandbox
    w=$(wrapper "$f")
    if [ -n "$w" ]; then
        printf '%s\n' "$w" > "$tmp/ctx.conf"
        echo "- context (wrapper; FIXTURE = $f):"
        sed "s#$here/##; s/^/  > /" "$tmp/ctx.conf"
        ka_test "$tmp/ctx.conf" sandbox | sed "s#$tmp/##g"
    fi
done
