#!/usr/bin/env bash
# The end-to-end comparison of issue #9, one command, from the repository root (as root, on a fresh
# Debian 12 machine with 2 or more cores):
#
#   pingora-bench/e2e/run.sh [--quick] [--out DIR] [--rounds N] [--warmup S] [--measure S]
#                            [--shapes a,b] [--proxies a,b] [--no-build] [--baseline-jar JAR]
#
# It installs what is missing from Debian, builds pingora-bench with Maven, starts an nginx origin
# and each proxy in turn on loopback ports under a temp dir, and compares, in one interleaved run
# (round 1: every shape, every proxy; round 2: the same ...), the origin hit directly, nginx,
# HAProxy, Reactor Netty and pingora4j. Everything it starts it stops by PID on exit. Results:
# DIR/results.csv, DIR/table.md (also printed), DIR/chart.png, and the raw files they come from.
# pingora-bench/README.md ("End-to-end comparison") says what each figure means. --baseline-jar adds
# the target pingora4j-baseline: the same proxy from another build's benchmarks.jar (an earlier
# commit's), measured interleaved with this build's, so a change is judged against its baseline in
# one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
COMMAND="pingora-bench/e2e/run.sh $*"

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

QUICK=0 OUT="" ROUNDS="" WARMUP="" MEASURE="" BUILD=1
SHAPES_WANTED="" PROXIES_WANTED="" BASELINE_JAR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --measure) MEASURE=$2; shift ;;
    --shapes) SHAPES_WANTED=$2; shift ;;
    --proxies) PROXIES_WANTED=$2; shift ;;
    --no-build) BUILD=0 ;;
    --baseline-jar) BASELINE_JAR=$(realpath "$2"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  : "${ROUNDS:=1}" "${WARMUP:=3}" "${MEASURE:=3}"
  BURSTS=4 STARTUP_WINDOWS=8 STRACE_SECONDS=3
else
  : "${ROUNDS:=3}" "${WARMUP:=15}" "${MEASURE:=10}"
  BURSTS=10 STARTUP_WINDOWS=20 STRACE_SECONDS=5
fi
BURST_GAP=1.1
JVM_OPTS=${JVM_OPTS:-"-Xmx512m -XX:+UseParallelGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}
OUT=${OUT:-$ROOT/pingora-bench/target/e2e-$(date -u +%Y%m%d-%H%M%S)}
export PATH="$PATH:/usr/sbin:/sbin"

# ---------------------------------------------------------------- tools
have() { command -v "$1" >/dev/null 2>&1; }
need_apt=()
have java || need_apt+=(openjdk-17-jdk-headless)
have mvn || need_apt+=(maven)
have wrk || need_apt+=(wrk)
have nginx || need_apt+=(nginx)
have haproxy || need_apt+=(haproxy)
have strace || need_apt+=(strace)
have curl || need_apt+=(curl)
have openssl || need_apt+=(openssl)
have taskset || need_apt+=(util-linux)
have pgrep || need_apt+=(procps)
# Java2D draws the chart's text with the system's fonts; a minimal image may have none.
{ have fc-list && [ -n "$(fc-list 2>/dev/null)" ]; } || need_apt+=(fontconfig fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing from Debian: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # nginx and haproxy would start their own services on install; forbid service starts (policy-rc.d
  # exit 101) for the install, unless a policy already exists.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_apt[@]}"
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
fi

JAR=$ROOT/pingora-bench/target/benchmarks.jar
if [ "$BUILD" = 1 ]; then
  echo "building pingora-bench (mvn package -DskipTests) ..."
  mvn -B -ntp -q -pl pingora-bench -am package -DskipTests
fi
[ -f "$JAR" ] || { echo "missing $JAR (run without --no-build)" >&2; exit 1; }

# ---------------------------------------------------------------- CPUs
# Equal CPU: the proxy (one worker / thread / event loop) shares core 0 with the origin; the load
# generator has core 1. The two-loop shape gives the proxy both cores (taskset -c 0,1; its two
# workers float), the origin stays on core 0 and wrk on core 1.
NCPU=$(nproc)
if [ "$NCPU" -ge 2 ]; then
  SERVER_CPU=0 LOAD_CPU=1 BOTH_CPUS=0,1
else
  echo "WARNING: 1 CPU: nothing is pinned, figures are not comparable with a 2-core run" >&2
  SERVER_CPU=0 LOAD_CPU=0 BOTH_CPUS=0
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

# ---------------------------------------------------------------- processes we own
TMP=$(mktemp -d /tmp/pingora4j-e2e.XXXXXX)
chmod 755 "$TMP" # nginx's workers (user nobody) read the origin's files from here
OWNED=()   # every PID this script started; stopped on exit
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${OWNED[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${OWNED[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -d "$OUT" ]; then
    mkdir -p "$OUT/logs"
    find "$TMP" -name '*.log' -exec cp --parents {} "$OUT/logs" \; 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stops one process we started and forgets it; the children (nginx workers) go with it.
stop_pid() {
  local pid=$1 sig=${2:-TERM}
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=()
  for p in "${OWNED[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  OWNED=("${kept[@]+"${kept[@]}"}")
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Ports below the ephemeral range, or another process's outgoing connection may hold one.
EPHEMERAL_LOW=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
pick_base() { echo $((10000 + RANDOM % (EPHEMERAL_LOW - 10000 - 20))); }
BASE=${E2E_PORT_BASE:-$(pick_base)}
for _ in $(seq 20); do
  ok=1
  for off in 0 1 2 3 10; do port_free $((BASE + off)) || { ok=0; break; }; done
  [ "$ok" = 1 ] && break
  [ -z "${E2E_PORT_BASE:-}" ] || { echo "ports from $BASE are in use" >&2; exit 1; }
  BASE=$(pick_base)
done
P_ORIGIN=$BASE P_BURST=$((BASE + 1)) P_TLS=$((BASE + 2)) P_STATUS=$((BASE + 3)) P_METRICS=$((BASE + 4)) P_PROXY=$((BASE + 10))

now() { date +%s.%N; }
# utime+stime, in clock ticks, of all the given processes
cpu_ticks() {
  local sum=0 stat rest
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat") || continue
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    sum=$((sum + ${12} + ${13}))
  done
  echo "$sum"
}
# peak resident set (VmHWM), kB, summed over the given processes
peak_rss_kb() {
  local sum=0 kb
  for pid in "$@"; do
    kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    sum=$((sum + ${kb:-0}))
  done
  echo "$sum"
}
stub() { # the origin's status page; retried, since a loaded shared machine can stall a request
  local page
  for _ in 1 2 3; do
    page=$(curl -s --max-time 10 "http://127.0.0.1:$P_STATUS/status" || true)
    case "$page" in *"server accepts"*) printf '%s\n' "$page"; return 0 ;; esac
  done
}

# ---------------------------------------------------------------- the origin
mkdir -p "$TMP/origin/www" "$TMP/origin/tmp" "$TMP/tls" "$OUT"
head -c 2048 /dev/zero | tr '\0' 'a' > "$TMP/origin/www/2k.bin"
head -c 65536 /dev/zero | tr '\0' 'b' > "$TMP/origin/www/64k.bin"
# A CA and a server certificate for localhost / 127.0.0.1 signed by it, made now, valid 2 days.
(
  cd "$TMP/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 2 -subj "/CN=pingora4j e2e bench CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
    -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > ext.cnf
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
    -extfile ext.cnf 2>/dev/null
)
CA=$TMP/tls/ca.pem

nginx_common() { # $1 = dir
  cat <<EOF
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 16384; }
EOF
}
nginx_temp_paths() { # $1 = dir
  cat <<EOF
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
EOF
}
{
  echo "worker_processes 1;"
  nginx_common "$TMP/origin"
  cat <<EOF
http {
  access_log off;
$(nginx_temp_paths "$TMP/origin")
  default_type application/octet-stream;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  root $TMP/origin/www;
  server { listen 127.0.0.1:$P_ORIGIN; }
  # The burst shape's origin: it closes a connection idle for 1 s, while the proxies keep theirs
  # pooled for longer, so a proxy must notice the close (or retry) to serve a burst without errors.
  server { listen 127.0.0.1:$P_BURST; keepalive_timeout 1s; }
  server {
    listen 127.0.0.1:$P_TLS ssl;
    ssl_certificate $TMP/tls/server.pem;
    ssl_certificate_key $TMP/tls/server.key;
  }
  # New upstream connections are counted here, at the origin: stub_status's accepts.
  server { listen 127.0.0.1:$P_STATUS; location = /status { stub_status; } }
}
EOF
} > "$TMP/origin/nginx.conf"
taskset -c "$SERVER_CPU" nginx -c "$TMP/origin/nginx.conf" -p "$TMP/origin" > "$TMP/origin/stdout.log" 2>&1 &
ORIGIN_PID=$!
OWNED+=("$ORIGIN_PID")
for _ in $(seq 100); do stub | grep -q 'server accepts' && break; sleep 0.1; done
stub | grep -q 'server accepts' || { echo "the origin did not start:" >&2; cat "$TMP/origin/error.log" >&2; exit 1; }

# ---------------------------------------------------------------- shapes and proxies
# shape: id|label|path|clients|upstream kind (plain, burst, tls)|loops|pool (parity or default)
ALL_SHAPES=(
  "2k-c64|2 KiB, 64 clients|/2k.bin|64|plain|1|parity"
  "64k-c64|64 KiB, 64 clients|/64k.bin|64|plain|1|parity"
  "2k-c256|2 KiB, 256 clients, default pool|/2k.bin|256|plain|1|default"
  "tls-2k-c64|TLS upstream, 2 KiB, 64 clients|/2k.bin|64|tls|1|parity"
  "2loops-2k-c64|2 loops, 2 KiB, 64 clients|/2k.bin|64|plain|2|parity"
  "burst-2k-c64|burst, 2 KiB, 64 clients|/2k.bin|64|burst|1|parity"
)
ALL_PROXIES=(
  "origin|origin direct"
  "nginx|nginx"
  "haproxy|HAProxy"
  "reactor-netty|Reactor Netty"
  "pingora4j|pingora4j"
  "pingora4j-metrics|pingora4j, metrics on"
)
[ -n "$BASELINE_JAR" ] && ALL_PROXIES+=("pingora4j-baseline|pingora4j, baseline build")
pick() { # $1 = wanted ids (comma list, empty = all), rest = entries; prints the kept entries
  local wanted=$1; shift
  for e in "$@"; do
    if [ -z "$wanted" ] || [[ ",$wanted," == *",${e%%|*},"* ]]; then echo "$e"; fi
  done
}
mapfile -t SHAPES < <(pick "$SHAPES_WANTED" "${ALL_SHAPES[@]}")
mapfile -t PROXIES < <(pick "$PROXIES_WANTED" "${ALL_PROXIES[@]}")
[ ${#SHAPES[@]} -gt 0 ] && [ ${#PROXIES[@]} -gt 0 ] || { echo "no shape or no proxy selected" >&2; exit 2; }
for s in "${SHAPES[@]}"; do IFS='|' read -r id label _ <<< "$s"; echo "$id|$label"; done > "$OUT/shapes.txt"
printf '%s\n' "${PROXIES[@]}" > "$OUT/proxies.txt"
# The pool for the parity shapes (idle connections kept per upstream); "default" leaves each proxy's.
PARITY_POOL=256
DEFAULT_NGINX_KEEPALIVE=128 # nginx keeps no idle upstream connection unless told: 128 = pingora4j's default

# ---------------------------------------------------------------- starting a proxy
# start_proxy ID UPSTREAM_KIND LOOPS POOL CPUS DIR: sets PROXY_PIDS (all its processes), PROXY_MAIN
# (the one to signal) and PROXY_URL_BASE. The origin "proxy" starts nothing.
start_proxy() {
  local id=$1 kind=$2 loops=$3 pool=$4 cpus=$5 dir=$6
  local up_port=$P_ORIGIN scheme=http
  case "$kind" in burst) up_port=$P_BURST ;; tls) up_port=$P_TLS scheme=https ;; esac
  PROXY_PIDS=() PROXY_MAIN="" PROXY_URL_BASE="http://127.0.0.1:$P_PROXY"
  mkdir -p "$dir"
  case "$id" in
    origin)
      PROXY_URL_BASE="$scheme://127.0.0.1:$up_port"
      return ;;
    nginx)
      local keepalive=$pool tls_conf=""
      [ "$pool" = default ] && keepalive=$DEFAULT_NGINX_KEEPALIVE
      if [ "$kind" = tls ]; then
        tls_conf="proxy_ssl_verify on; proxy_ssl_trusted_certificate $CA; proxy_ssl_name localhost;
      proxy_ssl_server_name on; proxy_ssl_session_reuse on;"
      fi
      mkdir -p "$dir/tmp"
      {
        echo "worker_processes $loops;"
        nginx_common "$dir"
        cat <<EOF
http {
  access_log off;
$(nginx_temp_paths "$dir")
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  upstream origin { server 127.0.0.1:$up_port; keepalive $keepalive; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$P_PROXY;
    location / {
      proxy_pass $scheme://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host api.example.com;
      $tls_conf
    }
  }
}
EOF
      } > "$dir/nginx.conf"
      taskset -c "$cpus" nginx -c "$dir/nginx.conf" -p "$dir" > "$dir/proxy.log" 2>&1 &
      PROXY_MAIN=$! ;;
    haproxy)
      local server_opts=""
      [ "$kind" = tls ] && server_opts="ssl verify required ca-file $CA sni str(localhost) verifyhost localhost"
      cat > "$dir/haproxy.cfg" <<EOF
global
  nbthread $loops
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
frontend fe
  bind 127.0.0.1:$P_PROXY
  default_backend be
backend be
  http-reuse always
  http-request set-header Host api.example.com
  server origin 127.0.0.1:$up_port $server_opts
EOF
      taskset -c "$cpus" haproxy -db -f "$dir/haproxy.cfg" > "$dir/proxy.log" 2>&1 &
      PROXY_MAIN=$! ;;
    reactor-netty|pingora4j|pingora4j-metrics|pingora4j-baseline)
      local main=org.pingora4j.bench.e2e.PingoraBenchProxy
      [ "$id" = reactor-netty ] && main=org.pingora4j.bench.e2e.ReactorNettyProxy
      local args=(--listen "127.0.0.1:$P_PROXY" --upstream "127.0.0.1:$up_port" --threads "$loops"
                  --work-dir "$dir")
      [ "$pool" = default ] || args+=(--pool "$pool")
      [ "$kind" = tls ] && args+=(--tls --ca "$CA" --sni localhost)
      [ "$id" = pingora4j-metrics ] && args+=(--metrics "127.0.0.1:$P_METRICS")
      local jar=$JAR
      [ "$id" = pingora4j-baseline ] && jar=$BASELINE_JAR
      # shellcheck disable=SC2086
      taskset -c "$cpus" java -XX:+ExitOnOutOfMemoryError $JVM_OPTS -cp "$jar" "$main" "${args[@]}" > "$dir/proxy.log" 2>&1 &
      PROXY_MAIN=$! ;;
    *) echo "unknown proxy $id" >&2; exit 1 ;;
  esac
  OWNED+=("$PROXY_MAIN")
  PROXY_PIDS=("$PROXY_MAIN")
}

# Waits until URL answers 200; prints the seconds it took since $2 (a `now` stamp).
wait_ready() {
  local url=$1 since=$2
  for _ in $(seq 600); do
    if [ -n "$PROXY_MAIN" ] && ! kill -0 "$PROXY_MAIN" 2>/dev/null; then
      return 1 # it died: its log says why
    fi
    if [ "$(curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)" = 200 ]; then
      awk -v a="$since" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# After it answers, nginx's workers exist: count them in.
collect_children() {
  [ -n "$PROXY_MAIN" ] || return 0
  local kids
  kids=$(pgrep -P "$PROXY_MAIN" || true)
  for k in $kids; do PROXY_PIDS+=("$k"); done
}

stop_proxy() {
  [ -n "$PROXY_MAIN" ] || return 0
  # SIGTERM for all: a background job of a script ignores SIGINT (so the JVM would too), and the
  # pingora4j bench proxy is configured without a grace period.
  stop_pid "$PROXY_MAIN" TERM
  PROXY_MAIN=""
}

load() { # load CLIENTS SECONDS URL [extra wrk args]
  local clients=$1 seconds=$2 url=$3; shift 3
  taskset -c "$LOAD_CPU" wrk -t1 -c"$clients" -d"${seconds}s" --timeout 2s "$@" "$url" || true
}

WARNINGS=$OUT/warnings.txt
: > "$WARNINGS"
warn() { echo "WARNING: $*" | tee -a "$WARNINGS" >&2; }

# check: one request through the proxy, 200 and the file's size
check() { # URL EXPECTED_SIZE FILE
  curl -s --cacert "$CA" -o /dev/null -w '%{http_code} %{size_download}\n' --max-time 5 "$1" > "$3" || true
  [ "$(cat "$3")" = "200 $2" ] || warn "check of $1 gave '$(cat "$3")', expected '200 $2'"
}

# ---------------------------------------------------------------- one timed run
timed_run() { # SHAPE-ENTRY PROXY-ID ROUND
  local sid label path clients kind loops pool
  IFS='|' read -r sid label path clients kind loops pool <<< "$1"
  local id=$2 round=$3 dir="$OUT/runs/$sid/$2/r$3"
  local cpus=$SERVER_CPU size=2048
  [ "$pool" = parity ] && pool=$PARITY_POOL
  [ "$loops" -ge 2 ] && cpus=$BOTH_CPUS
  [ "$path" = /64k.bin ] && size=65536
  mkdir -p "$dir"
  printf '  round %s  %-28s %-14s ' "$round" "$label" "$id"
  start_proxy "$id" "$kind" "$loops" "$pool" "$cpus" "$TMP/run/$sid-$id-$round"
  local url="$PROXY_URL_BASE$path"
  if ! wait_ready "$url" "$(now)" > /dev/null; then
    warn "$id did not answer for $label (round $round)"
    stop_proxy "$id"; echo "FAILED"; return 0
  fi
  collect_children
  check "$url" "$size" "$dir/check.txt"
  load "$clients" "$WARMUP" "$url" > "$dir/warm.txt" 2>&1
  stub > "$dir/stub-before.txt"
  local c0; c0=$(cpu_ticks "${PROXY_PIDS[@]}")
  if [ "$kind" = burst ]; then
    : > "$dir/wrk.txt"
    for _ in $(seq "$BURSTS"); do
      sleep "$BURST_GAP"
      load "$clients" 1 "$url" --latency >> "$dir/wrk.txt" 2>&1
    done
  else
    load "$clients" "$MEASURE" "$url" --latency > "$dir/wrk.txt" 2>&1
  fi
  if [ ${#PROXY_PIDS[@]} -gt 0 ]; then
    echo "$c0 $(cpu_ticks "${PROXY_PIDS[@]}") $(getconf CLK_TCK)" > "$dir/cpu.txt"
    peak_rss_kb "${PROXY_PIDS[@]}" > "$dir/rss.txt"
  fi
  stub > "$dir/stub-after.txt"
  stop_proxy "$id"
  awk '/Requests\/sec/ { r += $2; n++ } /Socket errors|Non-2xx/ { e = e " " $0 }
       END { printf "%.0f req/s%s\n", (n ? r / n : 0), e }' "$dir/wrk.txt"
}

# ---------------------------------------------------------------- socket calls (separate phase)
strace_run() { # PROXY-ID
  local id=$1 dir="$OUT/strace/$1" url="http://127.0.0.1:$P_PROXY/2k.bin"
  [ "$id" = origin ] && return 0
  mkdir -p "$dir"
  printf '  strace  %-14s ' "$id"
  start_proxy "$id" plain 1 "$PARITY_POOL" "$SERVER_CPU" "$TMP/strace-$id"
  wait_ready "$url" "$(now)" > /dev/null || { warn "$id did not answer (strace)"; stop_proxy "$id"; echo; return 0; }
  collect_children
  load 64 "$WARMUP" "$url" > "$dir/warm.txt" 2>&1
  local targets=()
  for p in "${PROXY_PIDS[@]}"; do targets+=(-p "$p"); done
  strace -f -c -o "$dir/strace.txt" \
    -e trace=read,write,readv,writev,recvfrom,sendto,recvmsg,sendmsg,epoll_ctl "${targets[@]}" \
    2> "$dir/strace.log" &
  local spid=$!
  OWNED+=("$spid")
  sleep 1
  # The requests traced are counted at the origin (every proxied request reaches it), less the
  # status request itself.
  local before after
  before=$(stub | awk '/server accepts/ { getline; print $3 }')
  load 4 "$STRACE_SECONDS" "$url" > "$dir/wrk.txt" 2>&1
  after=$(stub | awk '/server accepts/ { getline; print $3 }')
  sleep 0.5
  stop_pid "$spid" TERM # strace detaches and writes its summary
  echo $((after - before - 1)) > "$dir/requests.txt"
  stop_proxy "$id"
  awk -v n="$(cat "$dir/requests.txt")" '$NF ~ /^(read|write|readv|writev|recvfrom|sendto|recvmsg|sendmsg)$/ { rw += $4 }
       $NF == "epoll_ctl" { ep += $4 } END { if (n > 0) printf "%.2f reads/writes, %.3f epoll_ctl per request\n", rw / n, ep / n; else print "no requests" }' "$dir/strace.txt"
}

# ---------------------------------------------------------------- start to 90% (fresh process)
startup_run() { # PROXY-ID
  local id=$1 dir="$OUT/startup/$1"
  [ "$id" = origin ] && return 0
  mkdir -p "$dir"
  printf '  startup %-14s ' "$id"
  local t0; t0=$(now)
  start_proxy "$id" plain 1 "$PARITY_POOL" "$SERVER_CPU" "$TMP/startup-$id"
  local url="$PROXY_URL_BASE/2k.bin"
  wait_ready "$url" "$t0" > "$dir/ready.txt" || { warn "$id did not answer (startup)"; stop_proxy "$id"; echo; return 0; }
  collect_children
  : > "$dir/windows.txt"
  for i in $(seq "$STARTUP_WINDOWS"); do
    load 64 1 "$url" > "$dir/w$i.txt" 2>&1
    awk -v a="$t0" -v b="$(now)" '/Requests\/sec/ { printf "%.3f %s\n", b - a, $2 }' "$dir/w$i.txt" >> "$dir/windows.txt"
  done
  stop_proxy "$id"
  echo "first response after $(cat "$dir/ready.txt") s"
}

# ---------------------------------------------------------------- the record of what ran
version() { "$@" 2>&1 | sed -n 1p; }
pom_prop() { sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" "$1" | sed -n 1p; }
{
  echo "## End-to-end comparison"
  echo
  echo "- **Command:** \`$COMMAND\` (from the repository root), $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- **Machine:** $NCPU CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p), kernel $(uname -r), $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"); load average at start $(cut -d' ' -f1-3 /proc/loadavg) (other load on these cores distorts every figure)"
  echo "- **Versions:** $(version java -version); $(version nginx -v); $(version haproxy -v | sed 's/ - .*//'); $(wrk -v 2>&1 | sed -n 1p | sed 's/ Copyright.*//'); Reactor Netty $(pom_prop pingora-bench/pom.xml reactor-netty.version); Netty $(pom_prop pom.xml netty.version) (both JVM proxies)"
  echo "- **Method:** $ROUNDS interleaved round(s); per run a fresh proxy process, ${WARMUP} s of warm-up, then ${MEASURE} s measured with \`wrk -t1 --latency --timeout 2s\` (burst: $BURSTS bursts of 1 s, ${BURST_GAP} s apart, origin \`keepalive_timeout 1s\`)."
  echo "- **CPU:** each proxy has 1 worker / thread / event loop and shares core $SERVER_CPU with the origin (nginx, 1 worker); wrk runs on core $LOAD_CPU. Two loops: the proxy's 2 workers may use cores $BOTH_CPUS."
  echo "- **Pools:** $PARITY_POOL idle upstream connections where the shape does not say \"default pool\". Default pool: pingora4j 128 (\`ServerConf\` default), nginx \`keepalive $DEFAULT_NGINX_KEEPALIVE\` (nginx keeps none by default; 128 for parity), HAProxy no cap on idle connections (its default), Reactor Netty 128 *active* connections with an unbounded wait queue (its own default, 16 active and 32 waiting, refuses requests at 256 clients)."
  echo "- **TLS upstream:** all four verify the origin's certificate against the CA made for the run: nginx \`proxy_ssl_verify on\` (name localhost), HAProxy \`verify required verifyhost localhost\`, Reactor Netty its trust manager (host name checked by default), pingora4j \`PeerOptions.ca\` (SNI localhost)."
  echo "- **JVM:** \`$JVM_OPTS\`"
} > "$OUT/meta.md"

# ---------------------------------------------------------------- go
per_run=$((WARMUP + MEASURE + 3))
burst_run=$(awk -v w="$WARMUP" -v b="$BURSTS" -v g="$BURST_GAP" 'BEGIN { printf "%d", w + b * (1 + g + 0.2) + 3 }')
n_burst=0
for s in "${SHAPES[@]}"; do if [[ "$s" == *"|burst|"* ]]; then n_burst=$((n_burst + 1)); fi; done
total=$(( ROUNDS * ${#PROXIES[@]} * ((${#SHAPES[@]} - n_burst) * per_run + n_burst * burst_run)
          + ${#PROXIES[@]} * (WARMUP + STRACE_SECONDS + 3 + STARTUP_WINDOWS * 11 / 10 + 2) ))
echo "results: $OUT"
echo "expected duration: about $(( (total + 59) / 60 )) min ($ROUNDS round(s) x ${#SHAPES[@]} shape(s) x ${#PROXIES[@]} target(s), ${WARMUP} s warm-up + ${MEASURE} s measured each, then strace and start-up phases)"
started=$(date +%s)
for round in $(seq "$ROUNDS"); do
  for shape in "${SHAPES[@]}"; do
    for p in "${PROXIES[@]}"; do
      timed_run "$shape" "${p%%|*}" "$round"
    done
  done
done
echo "socket calls per request (strace -f -c, a separate ${STRACE_SECONDS} s phase of 4 keep-alive clients):"
for p in "${PROXIES[@]}"; do strace_run "${p%%|*}"; done
echo "start to 90% of steady throughput:"
for p in "${PROXIES[@]}"; do startup_run "${p%%|*}"; done
stop_pid "$ORIGIN_PID" TERM
echo "took $(( ($(date +%s) - started + 59) / 60 )) min"
echo

java -Djava.awt.headless=true -cp "$JAR" org.pingora4j.bench.e2e.Report "$OUT" \
  --subject pingora4j --versus nginx,reactor-netty
if grep -q '^pingora4j-metrics|' "$OUT/proxies.txt" && grep -q '^pingora4j|' "$OUT/proxies.txt"; then
  # What the meters cost: pingora4j with metrics on against pingora4j, paired by shape and round.
  awk -F, 'NR > 1 && ($2 == "pingora4j" || $2 == "pingora4j-metrics") && $13 != "" {
             k = $1 SUBSEP $3; if ($2 == "pingora4j") { r0[k] = $6; c0[k] = $13 } else { r1[k] = $6; c1[k] = $13 }
             if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
           function median(a, m,   i, j, t) { for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
             return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
           END { print "| shape | req/s, metrics on ÷ off | CPU per request, metrics on ÷ off | per round (CPU) |"
                 print "|---|---|---|---|"
                 for (i = 1; i <= n; i++) { s = order[i]; m = 0; list = ""
                   for (k in c1) { split(k, p, SUBSEP); if (p[1] == s && (k in c0) && c0[k] > 0 && r0[k] > 0) {
                     m++; rr[m] = r1[k] / r0[k]; cc[m] = c1[k] / c0[k]; list = list sprintf("%s%.2f", (m > 1 ? ", " : ""), cc[m]) } }
                   if (m > 0) printf "| %s | %.3f | %.3f | %s |\n", s, median(rr, m), median(cc, m), list } }' \
    "$OUT/results.csv" > "$OUT/metrics-cost.md"
  echo "the meters' cost (pingora4j-metrics ÷ pingora4j, medians of paired rounds):"
  cat "$OUT/metrics-cost.md"
fi
echo
echo "written: $OUT/table.md $OUT/results.csv $OUT/chart.png"
