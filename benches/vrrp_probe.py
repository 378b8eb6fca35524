#!/usr/bin/env python3
"""The timing-critical half of benches/vrrp.sh, kept out of bash so that no fork or exec
sits between the clock reads, the kill and the capture.

  vrrp_probe.py failover --port IF --master-mac MAC --backup-mac MAC --vip IP
                         --backup-netns NAME --pgid PGID --settle S --timeout S
      Run inside the namespace that holds the bridge. Captures on IF (the bridge port of
      the backup) for S seconds to check the pair is settled (adverts from the master,
      silence from the backup), then SIGKILLs process group PGID (the master director) and
      waits for the backup's first gratuitous ARP for the VIP and for the VIP to appear in
      the backup's namespace. Prints one JSON object.

  vrrp_probe.py idle --pgid LABEL=PGID ... --rss-after S --window S
      RSS of every process of each group S seconds after start, then CPU time over the
      window. Prints one JSON object per group.

  vrrp_probe.py table RESULTS.jsonl
      The markdown tables of benches/vrrp.sh from the JSON lines above.

Clocks. Frame times are the kernel's receive/transmit timestamps on the bridge port
(SO_TIMESTAMPNS, CLOCK_REALTIME, taken when the frame crossed the port), so they do not
include this script's wake-up latency on a busy machine. The kill time is CLOCK_REALTIME read
in this process immediately before kill(2): same clock as the frame stamps, and no fork
between the two. The VIP time is CLOCK_REALTIME when this script reads the RTM_NEWADDR
notification (netlink messages carry no timestamp), so that column includes our own
wake-up latency.
"""
import argparse
import ctypes
import json
import os
import random
import select
import signal
import socket
import statistics
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
IPPROTO_VRRP = 112
SO_TIMESTAMPNS = 35  # asm-generic/socket.h (SO_TIMESTAMPNS_OLD); also SCM_TIMESTAMPNS
NETLINK_ROUTE = 0
RTMGRP_IPV4_IFADDR = 0x10
RTM_NEWADDR = 20
IFA_ADDRESS, IFA_LOCAL = 1, 2
CLONE_NEWNET = 0x40000000


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_REALTIME)


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def setns(path):
    """Moves this (single-threaded) process into the network namespace at `path`. Sockets
    opened before keep their own namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


def open_capture(port):
    # Protocol 0 at creation and the protocol given at bind: nothing from the namespace's
    # other interfaces (the master's port, the bridge) is queued before the bind.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((port, ETH_P_ALL))
    s.setblocking(False)
    return s


def open_addr_watch(netns):
    """A netlink socket on the IPv4 address notifications of the backup's namespace."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        setns(f"/run/netns/{netns}")
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        s.bind((0, RTMGRP_IPV4_IFADDR))
    finally:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.setns(home, CLONE_NEWNET)
        os.close(home)
    s.setblocking(False)
    return s


def frames(sock):
    """Every queued frame as (kernel timestamp ns or None, bytes)."""
    while True:
        try:
            data, anc, _flags, _addr = sock.recvmsg(2048, socket.CMSG_SPACE(16))
        except BlockingIOError:
            return
        ts = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                sec, nsec = struct.unpack("qq", payload[:16])
                ts = sec * 1_000_000_000 + nsec
        yield ts, data


def classify(frame, master, backup, vip):
    """'master-advert', 'backup-advert', 'backup-garp' or None."""
    if len(frame) < 14:
        return None
    src = frame[6:12]
    etype = struct.unpack("!H", frame[12:14])[0]
    if etype == ETH_P_IP and len(frame) >= 34 and frame[14 + 9] == IPPROTO_VRRP:
        if src == master:
            return "master-advert"
        if src == backup:
            return "backup-advert"
    if etype == ETH_P_ARP and len(frame) >= 42 and src == backup:
        spa, tpa = frame[28:32], frame[38:42]
        if spa == vip and tpa == vip:
            return "backup-garp"
    return None


def vip_added(sock, vip):
    """True when a queued RTM_NEWADDR names the VIP."""
    seen = False
    while True:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return seen
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if length < 16:
                break
            if kind == RTM_NEWADDR:
                a = off + 16 + 8  # nlmsghdr, ifaddrmsg
                end = off + length
                while a + 4 <= end:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    if atype in (IFA_ADDRESS, IFA_LOCAL) and data[a + 4:a + alen] == vip:
                        seen = True
                    a += (alen + 3) & ~3
            off += (length + 3) & ~3


def failover(a):
    master, backup = mac_bytes(a.master_mac), mac_bytes(a.backup_mac)
    vip = socket.inet_aton(a.vip)
    cap = open_capture(a.port)
    watch = open_addr_watch(a.backup_netns)
    out = {**json.loads(a.extra), "master_adverts": 0, "flaps": 0, "stamp_missing": 0}
    last_advert = None

    def drain(after_kill):
        nonlocal last_advert
        garp = None
        for ts, frame in frames(cap):
            if ts is None:
                out["stamp_missing"] += 1
                ts = now_ns()
            kind = classify(frame, master, backup, vip)
            if kind == "master-advert":
                out["master_adverts"] += 1
                last_advert = ts
            elif kind in ("backup-advert", "backup-garp") and not after_kill:
                # The backup spoke while the master was alive: it took over on its own
                # (a late advert on a loaded machine). The run is not a clean failover.
                out["flaps"] += 1
            elif kind == "backup-garp" and garp is None:
                garp = ts
        return garp

    # Settle, with a random extra so the kill falls at any phase of the advert cycle.
    end = time.monotonic() + a.settle + random.uniform(0, a.advert_int)
    while (left := end - time.monotonic()) > 0:
        select.select([cap], [], [], left)
        drain(False)
    vip_added(watch, vip)  # forget notifications from before the kill

    kill_ns = now_ns()
    os.killpg(a.pgid, signal.SIGKILL)

    garp_ns = vip_ns = None
    deadline = time.monotonic() + a.timeout
    while (garp_ns is None or vip_ns is None) and (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([cap, watch], [], [], left)
        if watch in ready and vip_ns is None and vip_added(watch, vip):
            vip_ns = now_ns()
        if cap in ready:
            g = drain(True)
            if garp_ns is None and g is not None:
                garp_ns = g
    ms = lambda t: None if t is None else (t - kill_ns) / 1e6
    out.update(
        kill_to_garp_ms=ms(garp_ns),
        kill_to_vip_ms=ms(vip_ns),
        kill_after_last_advert_ms=None if last_advert is None else (kill_ns - last_advert) / 1e6,
        garp_after_last_advert_ms=None
        if garp_ns is None or last_advert is None
        else (garp_ns - last_advert) / 1e6,
    )
    print(json.dumps(out))


def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state): pgrp is field 5, utime/stime fields 14/15.
    return int(fields[2]), int(fields[11]) + int(fields[12])


def cpu(pid):
    """(utime+stime in clock ticks, CPU time in ns from the threads' schedstat). The tick count
    has a resolution of 10 ms (about 0.17 ms/s over 60 s); schedstat's run time is the
    same scheduler sum in nanoseconds, so it separates tools that differ by a tick."""
    ticks = proc_stat(pid)[1]
    ns = 0
    # Per thread: /proc/PID/schedstat is the main thread's alone.
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                ns += int(f.read().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            pass
    return ticks, ns


def group_pids(pgid):
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if proc_stat(int(name))[0] == pgid:
                    pids.append(int(name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return sorted(pids)


def status_kib(pid, key):
    path = f"/proc/{pid}/smaps_rollup" if key == "Pss:" else f"/proc/{pid}/status"
    with open(path) as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def idle(a):
    groups = dict(g.split("=", 1) for g in a.pgid)
    groups = {k: int(v) for k, v in groups.items()}
    time.sleep(a.rss_after)
    res = {}
    for label, pgid in groups.items():
        pids = group_pids(pgid)
        res[label] = {
            "pids": len(pids),
            "rss_kib": sum(status_kib(p, "VmRSS:") for p in pids),
            "pss_kib": sum(status_kib(p, "Pss:") for p in pids),
        }
    tick = os.sysconf("SC_CLK_TCK")
    # Consecutive windows, all tools measured over the same one: the load of a shared
    # machine moves from window to window, so the tools are compared window by window.
    for rnd in range(1, a.rounds + 1):
        before = {l: {p: cpu(p) for p in group_pids(g)} for l, g in groups.items()}
        t0 = time.monotonic()
        time.sleep(a.window)
        secs = time.monotonic() - t0
        for label, pgid in groups.items():
            ticks = ns = 0
            row = dict(res[label])
            for pid, (t_start, ns_start) in before[label].items():
                try:
                    t_end, ns_end = cpu(pid)
                except FileNotFoundError:
                    row["exited"] = True
                    continue
                ticks += t_end - t_start
                ns += ns_end - ns_start
            row["cpu_ms_per_s"] = ticks * 1000 / tick / secs
            row["cpu_ms_per_s_schedstat"] = ns / 1e6 / secs
            row["window_s"] = secs
            row["round"] = rnd
            if rnd == a.rounds:
                pids = group_pids(pgid)
                row["rss_end_kib"] = sum(status_kib(p, "VmRSS:") for p in pids)
                row["pss_end_kib"] = sum(status_kib(p, "Pss:") for p in pids)
            print(json.dumps({"kind": "idle", "tool": label, **row}), flush=True)


def fmt(x, digits=1):
    return "-" if x is None else f"{x:.{digits}f}"


def table(a):
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    fo = [r for r in rows if r.get("kind") == "failover"]
    order = []
    for r in fo:
        if (r["tool"], r["scenario"]) not in order:
            order.append((r["tool"], r["scenario"]))
    order.sort(key=lambda k: ([r["scenario"] for r in fo].index(k[1]), k[0] != "ha"))
    print("| tool | scenario | clean runs | kill→GARP median ms | max ms | kill→VIP median ms"
          " | max ms | bound ms | excess median ms | excess max ms | notes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for tool, scen in order:
        rs = [r for r in fo if r["tool"] == tool and r["scenario"] == scen]
        bound = rs[0]["bound_ms"]
        clean = [r for r in rs if r["flaps"] == 0 and r["kill_to_garp_ms"] is not None]
        g = [r["kill_to_garp_ms"] for r in clean]
        v = [r["kill_to_vip_ms"] for r in clean if r["kill_to_vip_ms"] is not None]
        e = [r["garp_after_last_advert_ms"] - bound for r in clean
             if r["garp_after_last_advert_ms"] is not None]
        notes = []
        flapped = sum(1 for r in rs if r["flaps"])
        if flapped:
            notes.append(f"{flapped} run(s): backup took over before the kill")
        missed = sum(1 for r in rs if r["flaps"] == 0 and r["kill_to_garp_ms"] is None
                     and not r.get("start_error"))
        if missed:
            notes.append(f"{missed} run(s): no GARP within the timeout")
        if any(r.get("start_error") for r in rs):
            notes.append(rs[0]["start_error"])
        med = lambda xs: statistics.median(xs) if xs else None
        mx = lambda xs: max(xs) if xs else None
        print(f"| {tool} | {scen} | {len(clean)}/{len(rs)} | {fmt(med(g))} | {fmt(mx(g))} |"
              f" {fmt(med(v))} | {fmt(mx(v))} | {fmt(bound)} | {fmt(med(e), 2)} |"
              f" {fmt(mx(e), 2)} | {'; '.join(notes)} |")
    idle_rows = [r for r in rows if r.get("kind") == "idle"]
    if idle_rows:
        print()
        print("| tool | scenario | processes | RSS KiB (sum) at 5 s | at end | PSS KiB (sum)"
              " at 5 s | at end | CPU ms per s, utime+stime (median)"
              " | CPU ms per s, schedstat (median) | min | max | windows |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        tools = sorted({r["tool"] for r in idle_rows}, key=lambda t: t != "ha")
        for t in tools:
            rs = [r for r in idle_rows if r["tool"] == t]
            sched = [r["cpu_ms_per_s_schedstat"] for r in rs]
            ticks = [r["cpu_ms_per_s"] for r in rs]
            end = rs[-1]
            print(f"| {t} | idle master, VRRPv3 advert_int 0.1 | {rs[0]['pids']} |"
                  f" {rs[0]['rss_kib']} | {end.get('rss_end_kib', '-')} |"
                  f" {rs[0]['pss_kib']} | {end.get('pss_end_kib', '-')} |"
                  f" {statistics.median(ticks):.3f} | {statistics.median(sched):.3f} |"
                  f" {min(sched):.3f} | {max(sched):.3f} |"
                  f" {len(rs)} x {rs[0]['window_s']:.0f} s |")
        by_round = {}
        for r in idle_rows:
            by_round.setdefault(r.get("round", 1), {})[r["tool"]] = r["cpu_ms_per_s_schedstat"]
        pairs = [(d["ha"], d["keepalived"]) for d in by_round.values()
                 if "ha" in d and "keepalived" in d and d["keepalived"] > 0]
        if pairs:
            below = sum(1 for h, k in pairs if h < k)
            ratio = statistics.median(h / k for h, k in pairs)
            print()
            print(f"Same windows (schedstat): ha below keepalived in {below} of {len(pairs)};"
                  f" median ratio ha / keepalived {ratio:.2f}.")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("failover")
    f.add_argument("--port", required=True)
    f.add_argument("--master-mac", required=True)
    f.add_argument("--backup-mac", required=True)
    f.add_argument("--vip", required=True)
    f.add_argument("--backup-netns", required=True)
    f.add_argument("--pgid", type=int, required=True)
    f.add_argument("--settle", type=float, required=True)
    f.add_argument("--advert-int", type=float, required=True)
    f.add_argument("--timeout", type=float, required=True)
    f.add_argument("--extra", default="{}", help="a JSON object copied into the output")
    i = sub.add_parser("idle")
    i.add_argument("--pgid", action="append", required=True, metavar="LABEL=PGID")
    i.add_argument("--rss-after", type=float, default=5)
    i.add_argument("--window", type=float, default=60)
    i.add_argument("--rounds", type=int, default=1)
    t = sub.add_parser("table")
    t.add_argument("results")
    a = p.parse_args()
    {"failover": failover, "idle": idle, "table": table}[a.cmd](a)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: benches/vrrp.sh's trap cleans up
