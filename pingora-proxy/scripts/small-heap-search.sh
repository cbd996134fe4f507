#!/usr/bin/env bash
# Issue #14: the largest number of attacking connections under which a proxy with a small heap
# still answers a legitimate client with 200 throughout the attack and after (target: 1000).
#
# Runs SmallHeapAttackIT (pingora-proxy) once per probe, through Maven, with
# -Dsmallheap.attackers=M: first at HI (the target), then bisects between LO (known to pass; 0 if
# none) and the smallest failing M. Each probe takes about a minute; a search from 0 to 1000 about ten.
# Every probe's row lands in pingora-proxy/target/small-heap-report.md, its log in $LOGS.
#
#   pingora-proxy/scripts/small-heap-search.sh                # LO=0 HI=1000, -Xmx64m, 20 s attacks
#   LO=100 HI=500 HEAP=128m ATTACK_SECONDS=30 pingora-proxy/scripts/small-heap-search.sh
#   MVN_ARGS=-o pingora-proxy/scripts/small-heap-search.sh    # offline
#
# Near the boundary a probe can pass once and fail the next time (the machine's load decides how
# far the attack gets in its 20 s): treat the answer as +/- one bisection step, or rerun with REPEAT=2.
set -euo pipefail
cd "$(dirname "$0")/../.."

LO=${LO:-0}
HI=${HI:-1000}
HEAP=${HEAP:-64m}
ATTACK_SECONDS=${ATTACK_SECONDS:-20}
REPEAT=${REPEAT:-1}
LOGS=${LOGS:-$(mktemp -d /tmp/small-heap-search.XXXXXX)}
mkdir -p "$LOGS"

probe() {
  local m=$1 i
  for ((i = 1; i <= REPEAT; i++)); do
    if ! mvn -B -ntp -q ${MVN_ARGS:-} -pl pingora-proxy -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
        -Dit.test=SmallHeapAttackIT -Dsmallheap.attackers="$m" -Dsmallheap.heap="$HEAP" \
        -Dsmallheap.seconds="$ATTACK_SECONDS" verify >"$LOGS/probe-$m-$i.log" 2>&1; then
      echo "  $m attackers: FAILED (log: $LOGS/probe-$m-$i.log)"
      return 1
    fi
  done
  echo "  $m attackers: answered"
}

echo "small-heap search: -Xmx$HEAP, ${ATTACK_SECONDS} s attacks, between $LO and $HI attackers (logs in $LOGS)"
if probe "$HI"; then
  echo "largest passing: >= $HI (the target)"
  exit 0
fi
lo=$LO
hi=$HI
while ((hi - lo > 1)); do
  mid=$(((lo + hi) / 2))
  if probe "$mid"; then lo=$mid; else hi=$mid; fi
done
echo "largest passing: $lo attackers (smallest failing: $hi); rows in pingora-proxy/target/small-heap-report.md"
