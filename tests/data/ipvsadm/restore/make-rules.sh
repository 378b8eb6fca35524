#!/bin/sh
# Writes the long -R inputs of cases.txt (run it here after a change, then record their
# golden with the VM). Each is a table of services with 9 real servers each (line
# 10*s + 1 adds service s, the next 9 its real servers) in which some lines are replaced.
# ha sends runs of operation lines in batches of up to 256 requests: the replaced lines
# put failures inside a batch, at its first and last request, and lines that are not
# operations between batches.
set -eu
cd "$(dirname "$0")"

# table LINES < OVERRIDES: the table, line N replaced where OVERRIDES has `N=LINE`
table() {
  awk -v lines="$1" '
    function vip(s) { return sprintf("10.1.%d.%d:80", int(s / 250), s % 250 + 1) }
    function rs(s, d) { k = s * 9 + d; return sprintf("10.2.%d.%d:80", int(k / 250), k % 250 + 1) }
    NR == FNR { i = index($0, "="); if (i) over[substr($0, 1, i - 1)] = substr($0, i + 1); next }
    END {
      for (n = 1; n <= lines; n++) {
        if (n in over) { print over[n]; continue }
        s = int((n - 1) / 10); d = (n - 1) % 10
        if (d == 0) printf "-A -t %s -s wrr\n", vip(s)
        else printf "-a -t %s -r %s %s -w %d\n", vip(s), rs(s, d), (d % 2 ? "-m" : "-g"), d
      }
    }' - /dev/null
}

# A duplicate service at 300 and a missing one at 450: both inside one batch.
table 600 > errors.rules <<'X'
300=-A -t 10.1.0.6:80 -s rr
450=-a -t 10.9.9.9:80 -r 10.2.200.1:80 -m
X

# Failures at the first and last request of each batch (1, 256; 257, 512; 513) and on
# the last line, which makes the exit status 255. Line 1 no longer adds the first
# service, so its 9 real servers fail too.
table 600 > errors-at-edges.rules <<'X'
1=-D -t 10.9.9.9:80
256=-e -t 10.1.0.2:80 -r 10.9.9.9:80 -m
257=-E -t 10.9.9.9:80 -s rr
512=-A -t 10.9.0.1:80 -s nosuch
513=-a -t 10.1.0.2:80 -r 10.2.0.11:80 -m
600=-d -t 10.1.0.2:80 -r 10.9.9.9:80
X

# Lines that are not operations between operations: a listing of one service, a popt
# error (fails its line only), a timeout listing; and edits, deletes, zero, --set and a
# daemon that is not running. Line 421 takes the place of the line that adds 10.1.0.43,
# so that service's 9 real servers fail too.
table 600 > mixed.rules <<'X'
100=-L -n -t 10.1.0.4:80
200=-Z
250=--stop-daemon backup
300=-a -t 10.1.0.30:80 -r 10.2.1.1:80 --weight
350=-E -t 10.1.0.3:80 -s rr
400=-e -t 10.1.0.3:80 -r 10.2.0.21:80 -m -w 7
420=-D -t 10.1.0.5:80
421=-a -t 10.1.0.5:80 -r 10.3.0.1:80 -m
500=--set 100 10 50
550=-L --timeout
X

# A usage error at 400 ends the run (exit 2): what came before it is done and reported,
# nothing after it.
table 600 > usage-error.rules <<'X'
100=-A -t 10.1.0.1:80
399=-d -t 10.1.0.1:80 -r 10.9.9.9:80
400=-A -t 10.5.0.1 -s rr
X

# Listing a service that does not exist ends the run (exit 1).
table 300 > list-missing.rules <<'X'
150=-A -t 10.1.0.1:80 -s rr
200=-L -n -t 10.9.9.9:80
X
