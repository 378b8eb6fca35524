#!/bin/sh
# Rewrites golden.txt: every case of cases.txt run by the real ipvsadm 1.31 in the IPVS VM
# (run-cases.sh describes the cases, fixtures and the record format).
#   RUN_IN_VM   the VM runner (default: ../shared/tools/ipvs-vm/run-in-vm.sh next to the
#               repository)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
runner=${RUN_IN_VM:-$here/../../../../shared/tools/ipvs-vm/run-in-vm.sh}
IPVS_VM_TIMEOUT=${IPVS_VM_TIMEOUT:-1200} "$runner" "$here/run-cases.sh" "$here:/root/data" \
  -- /root/data /root/data/cases.txt real=/usr/sbin > "$here/golden.txt.new"
mv "$here/golden.txt.new" "$here/golden.txt"
grep -c '^@@case ' "$here/golden.txt"
