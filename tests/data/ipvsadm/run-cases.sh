# Guest script (run by /bin/sh = dash inside the IPVS VM): runs every case of a case file
# with each ipvsadm implementation on the same kernel state and prints one record per run.
#
#   sh run-cases.sh DATA CASEFILE IMPL...   DATA = this directory copied into the guest;
#                                           IMPL = name=DIR, DIR holds an `ipvsadm` that is
#                                           found through PATH, so argv[0] is `ipvsadm`
#
# Case file: one case a line, `FIXTURE | shell command line`; `#` lines and blank lines are
# skipped. FIXTURE names DATA/fixtures/FIXTURE.rules, which the real ipvsadm -R loads after
# DATA/fixtures/reset.rules; the state is rebuilt before a run unless the run before left
# it exactly as the fixture made it.
#
# Record (byte counts make the captures exact, trailing spaces and missing newlines too):
#   @@case <n> <impl>
#   @@cmd <command line>
#   @@fixture <bytes>\n<what loading the fixture printed>\n   (only when it printed more
#                                         than "No daemon is running")
#   @@stdout <bytes>\n<bytes of stdout>\n
#   @@stderr <bytes>\n<bytes of stderr>\n
#   @@rc <status>
#   @@state <bytes>\n<the kernel state afterwards, as the real ipvsadm prints it>\n
#   @@end
REAL=/usr/sbin/ipvsadm
BASE_PATH=$PATH
DATA=$1; CASES=$2; shift 2
W=/tmp/ipvsadm-cases
export DATA W
mkdir -p $W

# Names the listings resolve without -n (reverse lookups, /etc/services) and the
# addresses and ports the cases give by name.
{ printf '127.0.0.1 localhost\n::1 localhost\n'; cat $DATA/hosts; } > /etc/hosts
cp $DATA/services /etc/services
printf 'hosts: files\nservices: files\n' > /etc/nsswitch.conf

# `with_conns FILE CMD...` runs CMD in a private mount namespace whose /proc is a tmpfs
# holding DATA/conns/FILE as /proc/net/ip_vs_conn (FILE `none`: no such file). The files
# follow the kernel's layout (net/netfilter/ipvs/ip_vs_conn.c); the `traffic` fixture
# makes real connections.
with_conns() {
  f=$1; shift
  unshare -m sh -c 'mount -t tmpfs none /proc && mkdir /proc/net &&
    { [ "$0" = none ] || cp "$DATA/conns/$0" /proc/net/ip_vs_conn; } && exec "$@"' "$f" "$@"
}

# Each exec of the real ipvsadm costs ~0.2 s under TCG, so a reset and its fixture are one
# -R run, and so is the state dump.
fixture() {
  cat $DATA/fixtures/reset.rules $DATA/fixtures/$1.rules | $REAL -R
  if [ "$1" = traffic ]; then
    # A TCP service on a dummy interface's address, NAT to a local busybox httpd, after
    # three requests (counters settle within the estimator's 2 s period).
    if ! [ -e /sys/class/net/vip0 ]; then
      modprobe dummy numdummies=0
      ip link add name vip0 type dummy
      ip link set vip0 up
      ip addr add 10.0.0.1/32 dev vip0
      mkdir -p /srv && echo "hello from backend" > /srv/index.html
      httpd -p 127.0.0.1:8080 -h /srv
    fi
    for i in 1 2 3; do wget -q -O /dev/null http://10.0.0.1/; done
    sleep 3
  fi
}

state() {
  printf '%s\n' -Sn '-L --timeout' '-L --daemon' '-Ln --stats --exact' | $REAL -R 2>&1
  echo "rc=$?"
}

emit() { # tag file
  printf '@@%s %s\n' "$1" "$(wc -c < "$2")"
  cat "$2"; echo
}

n=0
current=''   # fixture the kernel is in now ('' = unknown)
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  fixture=${line%% | *}; cmd=${line#* | }
  n=$((n + 1))
  for impl in "$@"; do
    name=${impl%%=*}; dir=${impl#*=}
    if [ "$current" != "$fixture" ]; then
      fixture $fixture > $W/fixture_out 2>&1
      state > $W/fixture_state; current=$fixture
    else
      : > $W/fixture_out
    fi
    PATH=$dir:$BASE_PATH
    export PATH
    ( eval "$cmd" ) > $W/out 2> $W/err < /dev/null
    rc=$?
    PATH=$BASE_PATH
    export PATH
    state > $W/state
    printf '@@case %s %s\n@@cmd %s\n' "$n" "$name" "$cmd"
    if grep -qv '^No daemon is running$' $W/fixture_out; then emit fixture $W/fixture_out; fi
    emit stdout $W/out
    emit stderr $W/err
    printf '@@rc %s\n' "$rc"
    emit state $W/state
    echo '@@end'
    cmp -s $W/state $W/fixture_state || current=''
  done
done < "$CASES"
