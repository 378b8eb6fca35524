#!/bin/sh
# Rewrites golden.txt: every case of cases.txt run by the real ipvsadm 1.31 in the IPVS VM
# (run-cases.sh describes the cases, fixtures and the record format).
# Runs on the project's VM harness (tests/vm/run.sh; root, ~8 minutes).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../vm/run.sh" -t 1800 "$here/run-cases.sh" "$here:/root/data" \
  -- /root/data /root/data/cases.txt real=/usr/sbin > "$here/golden.txt.new"
mv "$here/golden.txt.new" "$here/golden.txt"
grep -c '^@@case ' "$here/golden.txt"
