#!/usr/bin/env python3
"""Compares two ha binaries on the configuration reader: `ha run -t`, `ha run -t --json` and
`ha config show` on the seeds (tests/data/seeds), the benchmark's layout, random mutations
of both and random texts. Any difference in output or exit status is printed; a speed-up
must change nothing.

Usage: benches/conf_compare.py OLD_HA NEW_HA [ROUNDS] (SEED=n in the environment varies the
texts). Example: build the commit before into another target directory, then
  benches/conf_compare.py /tmp/old/release/ha target/release/ha 700
"""
import difflib
import glob
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "..", "tests", "data", "seeds")
PIECES = [
    b"}", b"{", b"\n", b" virtual_server group G {", b" real_server 10.1.0.1 80 {",
    b" virtual_server 10.0.0.1 80 {", b" MISC_CHECK {", b" FILE_CHECK {", b" protocol TCP\n",
    b"\xff", b"$X", b"#", b'"', b"'", b"\\", b"@vm ", b"~SEQ(i,1,3) ", b"$X=a b\n", b"${X}",
    b"include nothere.conf\n", b" { ", b" } ", b"\t", b"\r\n", b"!", b"global_defs {",
    b"vrrp_instance v {", b" notify_master /bin/true a b\n", b'  script "/bin/x y"\n',
    b"virtual_server_group G {\n 10.0.0.1 80\n}\n", b"\xef\xbb\xbf", b"connect_port80\n",
]


def texts():
    files = sorted(glob.glob(SEEDS + "/*.conf") + glob.glob(SEEDS + "/context/*.conf"))
    out = [open(f, "rb").read() for f in files]
    bench = subprocess.run(
        [sys.executable, os.path.join(HERE, "gen_conf.py"), "60", "3"], capture_output=True, check=True
    ).stdout
    return out + [bench] * 8


def cases(rng, base, rounds):
    out = [(f"fx{i}", t) for i, t in enumerate(base)]
    for r in range(rounds):
        t = bytearray(rng.choice(base))
        for _ in range(1 + rng.randrange(5)):
            at = rng.randrange(len(t) + 1)
            kind = rng.randrange(3)
            if kind == 0:
                t[at:at] = rng.choice(PIECES)
            elif kind == 1:
                del t[at : at + rng.randrange(40)]
            else:
                seg = bytes(t[at : at + rng.randrange(300)])
                to = rng.randrange(len(t) + 1)
                t[to:to] = seg
        out.append((f"m{r}", bytes(t)))
    for r in range(rounds // 3):
        t = b"".join(
            rng.choice(PIECES) + (b" " if rng.random() < 0.3 else b"") for _ in range(rng.randrange(80))
        )
        out.append((f"r{r}", t))
    return out


def main():
    old, new = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    rng = random.Random(int(os.environ.get("SEED", "7")))
    differing = 0
    all_cases = cases(rng, texts(), rounds)
    with tempfile.TemporaryDirectory() as d:
        for name, t in all_cases:
            # ${_RANDOM} differs from run to run.
            t = t.replace(b"_RANDOM", b"_RANDOMX")
            p = os.path.join(d, name + ".conf")
            with open(p, "wb") as f:
                f.write(t)
            for args in (["run", "-t", "-f", p], ["run", "-t", "--json", "-f", p], ["config", "show", "-f", p]):
                outs = []
                for b in (old, new):
                    r = subprocess.run([b] + args, capture_output=True, timeout=60)
                    outs.append((r.returncode, r.stdout, r.stderr))
                if outs[0] != outs[1]:
                    differing += 1
                    print("DIFF", name, " ".join(args[:-2]), outs[0][0], outs[1][0])
                    if differing <= 3:
                        a = (outs[0][1] + outs[0][2]).decode(errors="replace").splitlines()
                        b = (outs[1][1] + outs[1][2]).decode(errors="replace").splitlines()
                        print("\n".join(list(difflib.unified_diff(a, b, lineterm=""))[:40]))
    print(f"{len(all_cases)} texts, {differing} outputs differ")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
