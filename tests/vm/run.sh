#!/usr/bin/env bash
# tests/vm/run.sh: run a shell script as root in a throw-away QEMU VM whose kernel has IPVS
# (Debian bookworm's cloud kernel, software-emulated, ~3 s a run). tests/vm/mod.rs drives it
# for the integration tests; developers and benches/ipvs.sh call it directly.
#
#   tests/vm/run.sh [-v] [-k] [-t SECS] [-o DIR] [--caller-dir DIR] SCRIPT [HOST_FILE[:GUEST_PATH]]... [-- ARGS...]
#   tests/vm/run.sh --setup        # only prepare the cache; exit 3 + one line: cannot run here
#
# SCRIPT runs as root in the guest with /bin/sh (dash, not -e), cwd /root, stdin /dev/null,
# ARGS as "$@". Each HOST_FILE is copied in (default GUEST_PATH /usr/local/bin/<name>); ELF
# files lose their debug info on the way (debug test binaries are hundreds of MB) and bring
# their shared libraries along. The guest's stdout and stderr come back separately (three
# serial ports: kernel console, stdout, stderr), the exit status as a marker line on the
# console.
#   -o DIR   write the guest's stdout, stderr and (when it reported one) status to
#            DIR/stdout, DIR/stderr, DIR/status instead of printing them
#   -t SECS  kill the VM after SECS (default $IPVS_VM_TIMEOUT or 120)
#   -v       copy the kernel console to stderr as it comes;  -k  keep the run directory
#   --caller-dir DIR  the caller's temporary directory: the run directory goes inside it,
#            and when the caller dies before this run ends (Ctrl-C on cargo test ends the
#            test, not this script, which runs in a process group of its own) it is removed
# When its caller dies this script ends too (the VM with it): a watcher checks every second.
# Exit: the guest script's status; 124 VM timed out; 125 guest died without a status;
# 126 host-side error; 3 (--setup) the VM cannot run here, the reason on stdout.
#
# Nothing is installed on the host: `apt-get download` fetches pinned Debian packages into
# the cache ($IPVS_VM_CACHE, default <target>/ipvs-vm-cache) and `dpkg-deb -x` unpacks them.
# The first run needs apt package lists (`apt-get update`) and ~45 MB of downloads.
# Environment: IPVS_VM_CACHE, IPVS_VM_TIMEOUT, IPVS_VM_MEM (256M), IPVS_VM_SMP (1),
# IPVS_VM_JOBS (VMs at once on this machine, default nproc), IPVS_VM_APPEND (kernel args),
# IPVS_VM_KERNEL_PKG (default: what linux-image-cloud-amd64 depends on, pinned at first use),
# IPVS_VM_LOCK_WAIT (seconds to wait for another run's setup, default 600).
# Facts behind the choices: /work/shared/tools/ipvs-vm/NOTES.md and docs/DECISIONS.md.
set -euo pipefail

die() { echo "ipvs-vm: $*" >&2; exit 126; }
cannot_run() { echo "$*"; exit 3; }   # an environment that cannot run the VM: the test skips

HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
VERBOSE=0 KEEP=0 SETUP_ONLY=0 OUT='' TIMEOUT=${IPVS_VM_TIMEOUT:-120} CALLER_DIR=''
while [ $# -gt 0 ]; do
    case "$1" in
        -v) VERBOSE=1 ;;
        -k) KEEP=1 ;;
        -t) TIMEOUT=${2:?-t needs seconds}; shift ;;
        -o) OUT=${2:?-o needs a directory}; shift ;;
        --caller-dir) CALLER_DIR=${2:?--caller-dir needs a directory}; shift ;;
        --setup) SETUP_ONLY=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        --) shift; break ;;
        -*) die "unknown option $1" ;;
        *) break ;;
    esac
    shift
done
if [ $SETUP_ONLY = 0 ]; then
    [ $# -ge 1 ] || die "usage: $0 [-v] [-k] [-t SECS] [-o DIR] SCRIPT [FILE[:GUEST_PATH]]... [-- ARGS]"
    SCRIPT=$1; shift
    [ -f "$SCRIPT" ] || die "no such script: $SCRIPT"
fi
FILES=() ARGS=()
while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then shift; ARGS=("$@"); break; fi
    FILES+=("$1"); shift
done
case "$CALLER_DIR" in ''|/?*) ;; *) die "--caller-dir must be absolute: $CALLER_DIR" ;; esac
[ -z "$CALLER_DIR" ] || [ -d "$CALLER_DIR" ] || die "no such directory: $CALLER_DIR"

# Whether the process that started this script is still its parent (a dead one's children
# go to init or a subreaper).
CALLER=$PPID
caller_alive() {
    local stat ppid
    { read -r stat < /proc/$$/stat; } 2>/dev/null || return 1
    read -r _ ppid _ <<<"${stat##*) }"
    [ "$ppid" = "$CALLER" ]
}
# Everything this script may leave running or lying around, ended on every exit.
RUN='' QPID='' TPID='' BG='' WATCHER=''
cleanup() {
    set +e   # a failing kill (that process ended already) must not change the exit status
    [ -n "$WATCHER" ] && kill "$WATCHER" 2>/dev/null
    [ -n "$BG" ] && kill "$BG" 2>/dev/null
    [ -n "$QPID" ] && kill "$QPID" 2>/dev/null
    [ -n "$TPID" ] && kill "$TPID" 2>/dev/null
    if [ -n "$RUN" ]; then
        if [ $KEEP = 1 ]; then echo "ipvs-vm: kept $RUN" >&2; else rm -rf "$RUN"; fi
    fi
    # A caller that died first cannot remove its own directory.
    if [ -n "$CALLER_DIR" ] && [ $KEEP = 0 ] && ! caller_alive; then rm -rf "$CALLER_DIR"; fi
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The watcher: TERM to this script once its caller is gone. Its output goes nowhere, so that
# it never holds a pipe the caller reads to its end.
watch_caller() {
    while sleep 1; do
        caller_alive && continue
        kill -TERM $$ 2>/dev/null
        return 0
    done
}
watch_caller </dev/null >/dev/null 2>&1 &
WATCHER=$!
# Runs a long command in the background and waits for it, so that a TERM (the watcher's or
# the caller's) ends this script at once; its exit status.
bg_wait() {
    local rc=0
    "$@" & BG=$!
    wait "$BG" || rc=$?
    BG=''
    return $rc
}

for tool in apt-get apt-cache dpkg-deb flock timeout ldd md5sum; do
    command -v $tool >/dev/null || cannot_run "no $tool on this host (the VM packages come from Debian's apt)"
done

CACHE=${IPVS_VM_CACHE:-${CARGO_TARGET_DIR:-$HERE/../../target}/ipvs-vm-cache}
mkdir -p "$CACHE" || die "cannot create the cache $CACHE"
CACHE=$(cd "$CACHE" && pwd)
ROOT=$CACHE/root                      # every package unpacked here
BB=$ROOT/bin/busybox                  # static: the guest's userland, and cpio/depmod here
QEMU=$ROOT/usr/bin/qemu-system-x86_64
LIBPATH=$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu

# Modules put into the initramfs with their modules.dep closure: IPVS and every 6.1
# scheduler, the helpers, and what namespace labs use.
INITRD_MODULES="ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh
 ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_ftp ip_vs_pe_sip nf_conntrack
 nf_conntrack_netlink dummy veth bridge macvlan 8021q"
# Never installed, only unpacked. The full qemu-system-x86_64 (its -microvm build is
# KVM-only; KVM cannot run guests here), its TCG module and firmware, and the libraries a
# stock host lacks. Guest programs: busybox, dash as /bin/sh (busybox ash prefers its own
# applets to same-named programs in PATH), the real ipvsadm 1.31, iproute2's ip (busybox ip
# has no netns), netbase's /etc/services (ipvsadm -L names ports).
QEMU_PKGS="qemu-system-x86 qemu-system-common qemu-system-data libfdt1 libcapstone4 libpmem1
 libndctl6 libdaxctl1 libkmod2 librdmacm1 libibverbs1 libnl-3-200 libnl-route-3-200 libslirp0
 libvdeplug2"
# lz4 unpacks the kernel: QEMU boots the bare vmlinux through its PVH entry point, which
# saves the emulated guest unpacking itself (~0.8 s a run).
TOOL_PKGS="lz4 liblz4-1"
GUEST_PKGS="busybox-static dash ipvsadm libnl-genl-3-200 libpopt0 iproute2 libbpf1 libelf1
 libmnl0 libbsd0 libcap2 libmd0 zlib1g netbase"

APT_TIMEOUT=300   # seconds for one `apt-get download` (~45 MB on first use)

fetch_debs() { # PKG...: download the missing .debs, unpack each once
    mkdir -p "$CACHE/debs" "$ROOT"
    local p f missing=() log rc
    for p in "$@"; do
        compgen -G "$CACHE/debs/${p}_*.deb" >/dev/null || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        # apt as root says "W: Download is performed unsandboxed ..." about the cache dir:
        # harmless here, so it is not shown. Other runs wait for this one under the cache
        # lock (600 s at most), so the download has a deadline below that.
        log=$CACHE/debs/.download.log rc=0
        bg_wait sh -c 'cd "$1" && shift && exec "$@"' sh "$CACHE/debs" \
            timeout -k 10 "$APT_TIMEOUT" apt-get download -q "${missing[@]}" >"$log" 2>&1 || rc=$?
        if [ $rc != 0 ]; then
            grep -v 'unsandboxed' "$log" | head -n 5 >&2 || true
            rm -f "$log"
            [ $rc = 124 ] && cannot_run "apt-get download of the VM's Debian packages took over ${APT_TIMEOUT}s"
            cannot_run "apt-get download of the VM's Debian packages failed (apt lists missing? run apt-get update)"
        fi
        rm -f "$log"
        for p in "${missing[@]}"; do
            compgen -G "$CACHE/debs/${p}_*.deb" >/dev/null ||
                cannot_run "apt-get download gave no $p package"
        done
    fi
    for p in "$@"; do
        for f in "$CACHE/debs/${p}"_*.deb; do
            [ -e "$ROOT/.unpacked.${f##*/}" ] && continue
            dpkg-deb -x "$f" "$ROOT" || die "dpkg-deb -x $f failed"
            touch "$ROOT/.unpacked.${f##*/}"
        done
    done
}

# ELF files get their debug info stripped: binutils' objcopy, else the one every Rust
# toolchain ships (rust-objcopy, LLVM's, which needs the toolchain's libLLVM), else they go
# in whole. Prints the command to prefix the arguments with.
find_objcopy() {
    if command -v objcopy >/dev/null; then echo objcopy; return; fi
    local sysroot c
    sysroot=$(rustc --print sysroot 2>/dev/null) || return 0
    for c in "$sysroot"/lib/rustlib/*/bin/rust-objcopy; do
        if [ -x "$c" ] && LD_LIBRARY_PATH=$sysroot/lib "$c" --version >/dev/null 2>&1; then
            echo "env LD_LIBRARY_PATH=$sysroot/lib $c"; return
        fi
    done
}
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

# put_file SRC GUEST STAGE [LIBPATH]: copy SRC (stripped with $OBJCOPY when ELF) and, for a
# dynamic ELF, the shared libraries ldd finds (LIBPATH first) unless $SKIP_LIST (the base's
# files) has them.
put_file() {
    local src=$1 dst=$2 st=$3 lp=${4:-} lib g libs
    mkdir -p "$st$(dirname "$dst")"
    if ! is_elf "$src"; then cp -L "$src" "$st$dst"; return 0; fi
    if [ -z "$OBJCOPY" ] || ! $OBJCOPY --strip-debug "$src" "$st$dst" 2>/dev/null; then
        cp -L "$src" "$st$dst"
    fi
    chmod --reference="$src" "$st$dst"
    libs=$(LD_LIBRARY_PATH=$lp ldd "$src" 2>/dev/null) || return 0   # static
    if grep -q 'not found' <<<"$libs"; then
        die "$src needs libraries this host lacks: $(grep 'not found' <<<"$libs" | tr -s ' \t' ' ')"
    fi
    for lib in $(awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' <<<"$libs"); do
        case "$lib" in
            */ld-linux*) g=/lib64/${lib##*/} ;;
            *) g=/lib/x86_64-linux-gnu/${lib##*/} ;;
        esac
        [ -n "$SKIP_LIST" ] && grep -qxF "$g" "$SKIP_LIST" && continue
        [ -e "$st$g" ] && continue
        mkdir -p "$st$(dirname "$g")"
        cp -L "$lib" "$st$g"
    done
}

extract_vmlinux() { # BZIMAGE OUT: the LZ4 payload of a bzImage (Debian's are LZ4) as ELF
    local off
    off=$(grep -obUaP -m1 '\x02\x21\x4c\x18' "$1" | head -1 | cut -d: -f1)
    [ -n "$off" ] || return 1
    # lz4 complains about the bzImage's bytes after the payload, but has written it all.
    tail -c +$((off + 1)) "$1" | LD_LIBRARY_PATH=$LIBPATH "$ROOT/usr/bin/lz4" -dc > "$2.tmp" 2>/dev/null
    if is_elf "$2.tmp" && [ "$(stat -c %s "$2.tmp")" -gt 10000000 ]; then
        mv "$2.tmp" "$2"
    else
        rm -f "$2.tmp"; return 1
    fi
}

write_init() { # the guest's /init (busybox sh)
    cat > "$1" <<'EOF'
#!/bin/busybox sh
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
for d in /tmp /run /dev/shm; do mount -t tmpfs tmpfs $d; done
echo /sbin/modprobe > /proc/sys/kernel/modprobe   # schedulers load on first use
hostname ipvs-vm
ip link set lo up
say() { echo "<2>ipvs-vm: $*" > /dev/kmsg; }
# stdout on ttyS1, stderr on ttyS2, both raw (no \n -> \r\n). init holds them open so that
# its own close at the end is the last one, which waits until the UART has sent everything.
for p in 1 2; do stty -F /dev/ttyS$p raw -echo 2>/dev/null || say "stty ttyS$p failed"; done
exec 3>/dev/ttyS1 4>/dev/ttyS2
modprobe ip_vs || say "modprobe ip_vs failed"
cd /root
/bin/sh -c '. /ha-vm/args; exec /bin/sh /ha-vm/script "$@"' </dev/null >&3 2>&4
rc=$?
# Background processes the script left (httpd...) would keep writing; then drain the ports.
kill -9 -1 2>/dev/null; sleep 0.1
exec 3>&- 4>&-
# printk is written to the console synchronously, so the marker is out before the power is.
say "@@HA-VM-EXIT=$rc@@"
poweroff -f
EOF
    chmod 755 "$1"
}

setup() { # under the cache lock: packages, then the base initramfs (once per inputs)
    local kpkg=${IPVS_VM_KERNEL_PKG:-}
    # Old kernel ABIs vanish from bookworm-security when Debian bumps the kernel: pin the one
    # downloaded first.
    [ -z "$kpkg" ] && [ -s "$CACHE/kernel-pkg" ] && kpkg=$(cat "$CACHE/kernel-pkg")
    if [ -z "$kpkg" ]; then
        kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
               awk '/Depends: linux-image-[0-9]/{print $2; exit}') || true
        [ -n "$kpkg" ] || cannot_run "apt knows no linux-image-cloud-amd64 (no Debian bookworm apt lists? run apt-get update)"
    fi
    KVER=${kpkg#linux-image-}
    fetch_debs "$kpkg" $QEMU_PKGS $TOOL_PKGS $GUEST_PKGS
    echo "$kpkg" > "$CACHE/kernel-pkg"
    local bz=$ROOT/boot/vmlinuz-$KVER
    [ -f "$bz" ] || die "no kernel $bz in $kpkg"
    KERNEL=$CACHE/vmlinux-$KVER
    if [ ! -s "$KERNEL" ]; then   # tried once; the bzImage boots too, only slower
        [ -e "$KERNEL.failed" ] || extract_vmlinux "$bz" "$KERNEL" || touch "$KERNEL.failed"
        [ -s "$KERNEL" ] || KERNEL=$bz
    fi
    [ -x "$BB" ] || die "no busybox in busybox-static"
    local qerr
    qerr=$(LD_LIBRARY_PATH=$LIBPATH "$QEMU" --version 2>&1 >/dev/null) ||
        cannot_run "the unpacked qemu-system-x86_64 does not start here: $(echo "$qerr" | head -1)"

    # The base initramfs depends on the code that builds it, the packages and the host's C
    # library (the guest's programs are dynamic and take the host's).
    local key
    key=$( { declare -f setup put_file write_init; echo "$INITRD_MODULES $KVER"; ls "$CACHE/debs";
             stat -L -c '%n %s %Y' /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6; } |
           md5sum | cut -c1-12)
    BASE=$CACHE/base-$key.cpio
    BASE_LIST=$BASE.list
    [ -s "$BASE" ] && [ -s "$BASE_LIST" ] && return 0
    local SKIP_LIST='' OBJCOPY=''   # Debian's programs are stripped already

    local st=$CACHE/base-staging a m f dep mdir=$ROOT/lib/modules/$KVER
    rm -rf "$st"
    mkdir -p "$st"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,run,root,etc,ha-vm}
    cp "$BB" "$st/bin/busybox"
    for a in $("$BB" --list-full); do
        case "$a" in bin/busybox|bin/sh) continue ;; esac
        [ -e "$st/$a" ] || ln -s /bin/busybox "$st/$a"
    done
    put_file "$ROOT/bin/dash" /bin/dash "$st" "$LIBPATH"
    ln -s dash "$st/bin/sh"
    rm -f "$st/usr/bin/ip" "$st/usr/sbin/ipvsadm"   # busybox's, if any
    put_file "$ROOT/sbin/ipvsadm" /usr/sbin/ipvsadm "$st" "$LIBPATH"
    put_file "$ROOT/bin/ip" /usr/bin/ip "$st" "$LIBPATH"
    # busybox depmod: the host may lack kmod
    "$BB" depmod -b "$ROOT" "$KVER" || die "depmod failed"
    mkdir -p "$st/lib/modules/$KVER"
    cp "$mdir"/modules.builtin* "$mdir"/modules.order "$st/lib/modules/$KVER/"
    for m in $INITRD_MODULES; do
        dep=$(grep -E "(^|/)${m}\.ko(\.[a-z]+)?:" "$mdir/modules.dep") || die "no module $m in $KVER"
        for f in ${dep//:/}; do
            mkdir -p "$st/lib/modules/$KVER/$(dirname "$f")"
            cp -n "$mdir/$f" "$st/lib/modules/$KVER/$f"
        done
    done
    "$BB" depmod -b "$st" "$KVER" || die "depmod of the initramfs failed"
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$st/etc/passwd"
    printf 'root:x:0:\n' > "$st/etc/group"
    printf '127.0.0.1 localhost\n::1 localhost\n' > "$st/etc/hosts"
    cp "$ROOT/etc/services" "$ROOT/etc/protocols" "$st/etc/"
    write_init "$st/init"
    rm -f "$CACHE"/base-*.cpio "$CACHE"/base-*.cpio.list
    # Uncompressed (gunzip costs the emulated guest ~0.3 s) and padded to 512 bytes: a cpio
    # appended to it must start 4-byte aligned or the kernel rejects it ("invalid magic").
    (cd "$st" && find . | "$BB" cpio -o -H newc 2>/dev/null) > "$BASE.tmp"
    truncate -s $(( ($(stat -c %s "$BASE.tmp") + 511) / 512 * 512 )) "$BASE.tmp"
    (cd "$st" && find . \( -type f -o -type l \) | sed 's/^\.//') > "$BASE_LIST"
    mv "$BASE.tmp" "$BASE"
    rm -rf "$st"
}

# One setup at a time. The holder may be downloading (APT_TIMEOUT), unpacking and building
# the base initramfs: 600 s is beyond all of that.
exec 8>"$CACHE/.lock"
LOCK_WAIT=${IPVS_VM_LOCK_WAIT:-600}
bg_wait flock -w "$LOCK_WAIT" 8 ||
    die "no cache lock ($CACHE/.lock) after ${LOCK_WAIT}s: another run's setup hangs"
setup
[ $SETUP_ONLY = 1 ] && exit 0
RUN=$(mktemp -d "${CALLER_DIR:-${TMPDIR:-/tmp}}/ipvs-vm.XXXXXX")
# A run with other inputs replaces base-*.cpio under the lock: this run keeps its base open
# (fd 9, readable after an unlink) and its file list copied.
exec 9<"$BASE"
cp "$BASE_LIST" "$RUN/base.list"
flock -u 8
exec 8>&-

# The per-run initramfs: the script, its arguments and the given files, appended to the base.
st=$RUN/stage
mkdir -p "$st/ha-vm"
OBJCOPY=$(find_objcopy) SKIP_LIST=$RUN/base.list
for e in ${FILES[@]+"${FILES[@]}"}; do
    src=${e%:*} dst=${e##*:}   # the last colon: host paths may have some, guest paths don't
    [ "$src" = "$e" ] && dst=/usr/local/bin/${src##*/}
    [ -e "$src" ] || die "no such file: $src"
    case "$dst" in /*) ;; *) die "guest path must be absolute: $dst" ;; esac
    if [ -d "$src" ]; then mkdir -p "$st$dst"; cp -a "$src/." "$st$dst/"
    else put_file "$src" "$dst" "$st"; fi
done
cp "$SCRIPT" "$st/ha-vm/script"
{ printf 'set --'
  for a in ${ARGS[@]+"${ARGS[@]}"}; do printf " '%s'" "${a//\'/\'\\\'\'}"; done
  echo; } > "$st/ha-vm/args"
(cd "$st" && find . | "$BB" cpio -o -H newc 2>/dev/null) > "$RUN/extra.cpio"
cat - "$RUN/extra.cpio" <&9 > "$RUN/initrd"
exec 9<&-
rm -rf "$st"

# At most IPVS_VM_JOBS VMs at once on this machine (any user, any checkout): more only make
# every one slower and push them towards their timeouts. The timeout starts with the VM.
JOBS=${IPVS_VM_JOBS:-$(nproc 2>/dev/null || echo 2)}
SLOTS=${TMPDIR:-/tmp}/ipvs-vm-slots
mkdir -p "$SLOTS" 2>/dev/null && chmod 1777 "$SLOTS" 2>/dev/null || true
got_slot=0
for _ in $(seq 1 1200); do
    for i in $(seq 1 "$JOBS"); do
        [ -e "$SLOTS/$i" ] || { : > "$SLOTS/$i" && chmod 666 "$SLOTS/$i"; } 2>/dev/null || true
        exec 7<"$SLOTS/$i" || continue
        if flock -n 7; then got_slot=1; break 2; fi
        exec 7<&-
    done
    sleep 0.5
done
[ $got_slot = 1 ] || echo "ipvs-vm: no free VM slot after 10 min; running anyway" >&2

# Under TCG the guest TSC runs at the host's rate. microvm has no HPET or PM timer, so when
# the guest's PIT calibration fails (host jitter, ~1 boot in 10) it marks the TSC unstable
# and hangs: hand it the frequency.
khz=$(awk '/^cpu MHz/{printf "%d", $4*1000; exit}' /proc/cpuinfo)
CMDLINE="console=ttyS0 quiet panic=-1 rdinit=/init i8042.noaux i8042.nokbd mitigations=off
 cryptomgr.notests initcall_blacklist=crypto_kdf108_init,init_kprobe_trace
 ${khz:+tsc_early_khz=$khz tsc=reliable} ${IPVS_VM_APPEND:-}"

: > "$RUN/stdout"; : > "$RUN/stderr"; : > "$RUN/console"
set +e
# timeout runs qemu in its own process group: the trap above ends it on INT/TERM.
LD_LIBRARY_PATH=$LIBPATH QEMU_MODULE_DIR=$ROOT/usr/lib/x86_64-linux-gnu/qemu \
  timeout -k 5 "$TIMEOUT" "$QEMU" -L "$ROOT/usr/share/qemu" \
    -M microvm -accel tcg -cpu max -m "${IPVS_VM_MEM:-256M}" -smp "${IPVS_VM_SMP:-1}" \
    -nodefaults -no-user-config -nographic -no-reboot -nic none \
    -chardev file,id=con,path="$RUN/console" -serial chardev:con \
    -chardev file,id=out,path="$RUN/stdout" -device isa-serial,chardev=out,iobase=0x2f8,irq=3 \
    -chardev file,id=err,path="$RUN/stderr" -device isa-serial,chardev=err,iobase=0x3e8,irq=4 \
    -kernel "$KERNEL" -initrd "$RUN/initrd" -append "$(echo $CMDLINE)" \
    </dev/null >"$RUN/qemu.log" 2>&1 &
QPID=$!
if [ $VERBOSE = 1 ]; then tail -n +1 -f "$RUN/console" >&2 & TPID=$!; fi
wait $QPID; qrc=$?; QPID=''
if [ -n "$TPID" ]; then sleep 0.2; kill $TPID 2>/dev/null; wait $TPID 2>/dev/null; TPID=''; fi
exec 7<&-
set -e

rc=$(sed -n 's/.*@@HA-VM-EXIT=\([0-9]*\)@@.*/\1/p' "$RUN/console" | tail -1)
if [ -n "$OUT" ]; then
    mkdir -p "$OUT"
    cp "$RUN/stdout" "$OUT/stdout"; cp "$RUN/stderr" "$OUT/stderr"
    [ -n "$rc" ] && echo "$rc" > "$OUT/status"
else
    cat "$RUN/stdout"; cat "$RUN/stderr" >&2
fi
# The guest's own complaints (setserial, modprobe) are on the console.
grep -a 'ipvs-vm: ' "$RUN/console" | grep -v '@@HA-VM-EXIT' >&2 || true
[ -n "$rc" ] && exit "$rc"
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
    echo "ipvs-vm: the VM timed out after ${TIMEOUT}s; kernel console tail:" >&2
    tail -n 20 "$RUN/console" >&2
    exit 124
fi
echo "ipvs-vm: the guest ended without an exit status (qemu exit $qrc); qemu log and console tail:" >&2
cat "$RUN/qemu.log" >&2
tail -n 30 "$RUN/console" >&2
exit 125
