#!/usr/bin/env bash
# The end-to-end comparison of issue #9, one command, from the repository root (as root, on a fresh
# Debian 12 machine with 2 or more cores):
#
#   pingora-bench/e2e/run.sh [--quick] [--out DIR] [--rounds N] [--warmup S] [--measure S]
#                            [--shapes a,b|h2|all] [--proxies a,b] [--no-build] [--baseline-jar JAR]
#                            [--timed-only]
#
# It installs what is missing from Debian, builds pingora-bench with Maven, starts an nginx origin
# and each proxy in turn on loopback ports under a temp dir, and compares, in one interleaved run
# (round 1: every shape, every proxy; round 2: the same ...), the origin hit directly, nginx,
# HAProxy, Reactor Netty and pingora4j. Everything it starts it stops by PID on exit. Results:
# DIR/results.csv, DIR/table.md (also printed), DIR/chart.png, and the raw files they come from.
# pingora-bench/README.md ("End-to-end comparison") says what each figure means. --baseline-jar adds
# the target pingora4j-baseline: the same proxy from another build's benchmarks.jar (an earlier
# commit's), measured interleaved with this build's, so a change is judged against its baseline in
# one run. The HTTP/2 shapes run only when selected (--shapes h2: both; --shapes all: every shape):
# h2 downstream (h2load over TLS to nginx, HAProxy, nghttpx and pingora4j) and h2 upstream (wrk to
# HAProxy and pingora4j, which speak h2c to the origin), the latter followed by a burst of 200
# concurrent requests to a cold HTTP/2 origin. --timed-only skips the strace and start-up phases.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
COMMAND="pingora-bench/e2e/run.sh $*"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

QUICK=0 OUT="" ROUNDS="" WARMUP="" MEASURE="" BUILD=1 TIMED_ONLY=0
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
    --timed-only) TIMED_ONLY=1 ;;
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
have h2load || need_apt+=(nghttp2-client) # the HTTP/2 shapes' load generator
have nghttpx || need_apt+=(nghttp2-proxy) # a target of the HTTP/2 downstream shape
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
  for off in 0 1 2 3 4 5 6 7 10 11; do port_free $((BASE + off)) || { ok=0; break; }; done
  [ "$ok" = 1 ] && break
  [ -z "${E2E_PORT_BASE:-}" ] || { echo "ports from $BASE are in use" >&2; exit 1; }
  BASE=$(pick_base)
done
P_ORIGIN=$BASE P_BURST=$((BASE + 1)) P_TLS=$((BASE + 2)) P_STATUS=$((BASE + 3)) P_METRICS=$((BASE + 4)) P_PROXY=$((BASE + 10))
# HTTP/2: the origin's h2c port (prior knowledge) and its TLS h2 port (the h2 shape's "origin direct"),
# pingora4j's connector stats, and the proxies' TLS listener.
P_H2C=$((BASE + 5)) P_H2TLS=$((BASE + 6)) P_STATS=$((BASE + 7)) P_PROXY_TLS=$((BASE + 11))

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
  cat server.pem server.key > server-bundle.pem # HAProxy's crt: certificate and key in one file
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
  # HTTP/2: h2c with prior knowledge (the h2 upstream shape's origin; nginx 1.22 syntax, a plain
  # listen ... http2 speaks only h2c), and h2 over TLS (the h2 downstream shape's origin direct).
  # keepalive_requests above also bounds the requests of one h2 connection (nginx >= 1.19.7).
  server { listen 127.0.0.1:$P_H2C http2; }
  server {
    listen 127.0.0.1:$P_H2TLS ssl http2;
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
# shape: id|label|path|clients|kind|loops|pool (parity, default or a number)
# kind: the upstream (plain, burst, tls), or an HTTP/2 shape: h2tls (h2load, TLS with ALPN h2, to the
# proxy; HTTP/1.1 to the origin) or h2up (wrk to the proxy; h2c with prior knowledge to the origin).
ALL_SHAPES=(
  "2k-c64|2 KiB, 64 clients|/2k.bin|64|plain|1|parity"
  "64k-c64|64 KiB, 64 clients|/64k.bin|64|plain|1|parity"
  "2k-c256|2 KiB, 256 clients, default pool|/2k.bin|256|plain|1|default"
  "tls-2k-c64|TLS upstream, 2 KiB, 64 clients|/2k.bin|64|tls|1|parity"
  "2loops-2k-c64|2 loops, 2 KiB, 64 clients|/2k.bin|64|plain|2|parity"
  "burst-2k-c64|burst, 2 KiB, 64 clients|/2k.bin|64|burst|1|parity"
  # 64 clients x 10 streams: up to 640 requests in flight, so a pool of 1024 lets no proxy close
  # and reopen upstream connections for want of room.
  "h2-tls-2k-c64|h2 downstream (TLS), 2 KiB, 64 clients x 10 streams|/2k.bin|64|h2tls|1|1024"
  "h2-upstream-2k-c64|h2 upstream (h2c origin), 2 KiB, 64 clients|/2k.bin|64|h2up|1|parity"
)
H2_SHAPES=h2-tls-2k-c64,h2-upstream-2k-c64
H2_STREAMS=10 # h2load -m: concurrent streams per client connection
H2_BURST=200  # the cold-origin burst: concurrent requests
ALL_PROXIES=(
  "origin|origin direct"
  "nginx|nginx"
  "haproxy|HAProxy"
  "reactor-netty|Reactor Netty"
  "nghttpx|nghttpx"
  "pingora4j|pingora4j"
  "pingora4j-metrics|pingora4j, metrics on"
  "pingora4j-plain|pingora4j, no JVM flags (java -jar)"
  "pingora4j-cold|pingora4j, no warm-up (--no-warm-up)"
  "pingora4j-launcher|pingora4j, the launcher's JVM flags"
)
[ -n "$BASELINE_JAR" ] && ALL_PROXIES+=("pingora4j-baseline|pingora4j, baseline build")
pick() { # $1 = wanted ids (comma list, empty = all), rest = entries; prints the kept entries
  local wanted=$1; shift
  for e in "$@"; do
    if [ -z "$wanted" ] || [[ ",$wanted," == *",${e%%|*},"* ]]; then echo "$e"; fi
  done
}
# Which targets a kind of shape has: HTTP/2 downstream has no Reactor Netty (not set up for it
# here); HTTP/2 upstream only HAProxy and pingora4j (nginx 1.22 proxies over HTTP/1.x only, wrk
# cannot speak h2c to the origin directly); nghttpx is a target of HTTP/2 downstream only.
supports() { # KIND PROXY-ID
  case "$1:$2" in
    h2tls:reactor-netty) return 1 ;;
    h2tls:*) return 0 ;;
    h2up:haproxy|h2up:pingora4j|h2up:pingora4j-metrics|h2up:pingora4j-baseline) return 0 ;;
    *:pingora4j-plain|*:pingora4j-launcher|*:pingora4j-cold) [[ "$1" != h2* ]] ;;
    h2up:*) return 1 ;;
    *:nghttpx) return 1 ;;
    *) return 0 ;;
  esac
}
kind_of() { local e=$1; IFS='|' read -r _ _ _ _ k _ <<< "$e"; echo "$k"; }
case "$SHAPES_WANTED" in
  "") # the default: every shape but the HTTP/2 ones
    mapfile -t SHAPES < <(for e in "${ALL_SHAPES[@]}"; do [[ ",$H2_SHAPES," == *",${e%%|*},"* ]] || echo "$e"; done) ;;
  all) mapfile -t SHAPES < <(pick "" "${ALL_SHAPES[@]}") ;;
  *) wanted=",$SHAPES_WANTED,"; wanted=${wanted//,h2,/,$H2_SHAPES,} # h2: both HTTP/2 shapes
     mapfile -t SHAPES < <(pick "$wanted" "${ALL_SHAPES[@]}") ;;
esac
mapfile -t PROXIES < <(pick "$PROXIES_WANTED" "${ALL_PROXIES[@]}")
if [ -z "$PROXIES_WANTED" ]; then
  # By default, only the targets that have a run in the selected shapes (nghttpx only with h2).
  mapfile -t PROXIES < <(for p in "${PROXIES[@]}"; do
    for s in "${SHAPES[@]}"; do if supports "$(kind_of "$s")" "${p%%|*}"; then echo "$p"; break; fi; done
  done)
fi
[ ${#SHAPES[@]} -gt 0 ] && [ ${#PROXIES[@]} -gt 0 ] || { echo "no shape or no proxy selected" >&2; exit 2; }
has_kind() { local s; for s in "${SHAPES[@]}"; do [ "$(kind_of "$s")" = "$1" ] && return 0; done; return 1; }
has_proxy() { grep -q "^$1|" <(printf '%s\n' "${PROXIES[@]}"); }
for s in "${SHAPES[@]}"; do IFS='|' read -r id label _ <<< "$s"; echo "$id|$label"; done > "$OUT/shapes.txt"
printf '%s\n' "${PROXIES[@]}" > "$OUT/proxies.txt"
# The pool for the parity shapes (idle connections kept per upstream); "default" leaves each proxy's.
PARITY_POOL=256
DEFAULT_NGINX_KEEPALIVE=128 # nginx keeps no idle upstream connection unless told: 128 = pingora4j's default

# ---------------------------------------------------------------- starting a proxy
# start_proxy ID KIND LOOPS POOL CPUS DIR: sets PROXY_PIDS (all its processes), PROXY_MAIN
# (the one to signal) and PROXY_URL_BASE (h2tls: the proxy's TLS listener). The origin "proxy"
# starts nothing.
start_proxy() {
  local id=$1 kind=$2 loops=$3 pool=$4 cpus=$5 dir=$6
  local up_port=$P_ORIGIN scheme=http
  case "$kind" in burst) up_port=$P_BURST ;; tls) up_port=$P_TLS scheme=https ;; h2up) up_port=$P_H2C ;; esac
  PROXY_PIDS=() PROXY_MAIN="" PROXY_URL_BASE="http://127.0.0.1:$P_PROXY" PROXY_STATS_URL=""
  [ "$kind" = h2tls ] && PROXY_URL_BASE="https://127.0.0.1:$P_PROXY_TLS"
  mkdir -p "$dir"
  case "$id" in
    origin)
      PROXY_URL_BASE="$scheme://127.0.0.1:$up_port"
      [ "$kind" = h2tls ] && PROXY_URL_BASE="https://127.0.0.1:$P_H2TLS"
      return 0 ;;
    nginx)
      local keepalive=$pool tls_conf="" h2_listen=""
      [ "$pool" = default ] && keepalive=$DEFAULT_NGINX_KEEPALIVE
      if [ "$kind" = h2tls ]; then # nginx 1.22: "listen ... ssl http2" (not 1.25's "http2 on")
        h2_listen="listen 127.0.0.1:$P_PROXY_TLS ssl http2;
    ssl_certificate $TMP/tls/server.pem;
    ssl_certificate_key $TMP/tls/server.key;"
      fi
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
    $h2_listen
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
      local server_opts="" h2_bind=""
      [ "$kind" = tls ] && server_opts="ssl verify required ca-file $CA sni str(localhost) verifyhost localhost"
      [ "$kind" = h2up ] && server_opts="proto h2" # h2c with prior knowledge
      [ "$kind" = h2tls ] && h2_bind="bind 127.0.0.1:$P_PROXY_TLS ssl crt $TMP/tls/server-bundle.pem alpn h2,http/1.1"
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
  $h2_bind
  default_backend be
backend be
  http-reuse always
  http-request set-header Host api.example.com
  server origin 127.0.0.1:$up_port $server_opts
EOF
      taskset -c "$cpus" haproxy -db -f "$dir/haproxy.cfg" > "$dir/proxy.log" 2>&1 &
      PROXY_MAIN=$! ;;
    nghttpx)
      # Only its TLS frontend (h2, http/1.1 through ALPN) to the HTTP/1.1 origin; --conf so that
      # /etc/nghttpx/nghttpx.conf is not read. Its backend pool has no size, only a keep-alive time
      # (60 s, as the others'). It passes the client's :authority as Host (no rewrite to
      # api.example.com).
      cat > "$dir/nghttpx.conf" <<EOF
frontend=127.0.0.1,$P_PROXY_TLS
backend=127.0.0.1,$up_port;;proto=http/1.1
private-key-file=$TMP/tls/server.key
certificate-file=$TMP/tls/server.pem
workers=$loops
no-ocsp=yes
backend-keep-alive-timeout=60s
backend-connections-per-frontend=0
errorlog-file=$dir/error.log
pid-file=$dir/nghttpx.pid
EOF
      taskset -c "$cpus" nghttpx --conf="$dir/nghttpx.conf" > "$dir/proxy.log" 2>&1 &
      PROXY_MAIN=$! ;;
    reactor-netty|pingora4j|pingora4j-metrics|pingora4j-baseline|pingora4j-plain|pingora4j-launcher|pingora4j-cold)
      local main=org.pingora4j.bench.e2e.PingoraBenchProxy
      [ "$id" = reactor-netty ] && main=org.pingora4j.bench.e2e.ReactorNettyProxy
      local args=(--listen "127.0.0.1:$P_PROXY" --upstream "127.0.0.1:$up_port" --threads "$loops"
                  --work-dir "$dir")
      [ "$pool" = default ] || args+=(--pool "$pool")
      [ "$kind" = tls ] && args+=(--tls --ca "$CA" --sni localhost)
      [ "$id" = pingora4j-metrics ] && args+=(--metrics "127.0.0.1:$P_METRICS")
      [ "$id" = pingora4j-cold ] && args+=(--no-warm-up)
      [ "$kind" = h2tls ] && args+=(--tls-listen "127.0.0.1:$P_PROXY_TLS" --cert "$TMP/tls/server.pem"
                                    --key "$TMP/tls/server.key")
      [ "$kind" = h2up ] && args+=(--h2-upstream)
      # The connector's counters, read around the phase (not in the baseline: an older build may
      # not know the option).
      if [[ "$kind" == h2* ]] && [ "$id" != pingora4j-baseline ] && [ "$id" != reactor-netty ]; then
        args+=(--stats "127.0.0.1:$P_STATS")
        PROXY_STATS_URL="http://127.0.0.1:$P_STATS/"
      fi
      local jar=$JAR
      [ "$id" = pingora4j-baseline ] && jar=$BASELINE_JAR
      # What users get: java -jar with no flags at all (the log level only quiets start-up lines),
      # and the examples' launcher, bin/pingora4j-examples, with its conf/jvm.options.
      local opts="-XX:+ExitOnOutOfMemoryError $JVM_OPTS" env=()
      if [ "$id" = pingora4j-plain ]; then
        opts="-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
      elif [ "$id" = pingora4j-launcher ]; then
        opts="$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$ROOT/pingora-examples/src/main/dist/conf/jvm.options" | tr '\n' ' ')"
        opts="$opts -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
        env=(MALLOC_ARENA_MAX=2)
      fi
      # shellcheck disable=SC2086
      env "${env[@]}" taskset -c "$cpus" java $opts -cp "$jar" "$main" "${args[@]}" > "$dir/proxy.log" 2>&1 &
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

# After it answers, nginx's workers (nghttpx's worker process) exist: count them in, and theirs.
collect_children() {
  [ -n "$PROXY_MAIN" ] || return 0
  local parents=("$PROXY_MAIN") kids k
  while [ ${#parents[@]} -gt 0 ]; do
    kids=$(pgrep -P "$(IFS=,; echo "${parents[*]}")" || true)
    parents=()
    for k in $kids; do PROXY_PIDS+=("$k"); parents+=("$k"); done
  done
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
# h2load, one thread, TLS offering only h2 (a server that does not pick it fails every request
# instead of being measured over HTTP/1.1). With -D, h2load 1.52 stops only the clients whose
# connection is up when the duration ends: one still in its TLS handshake then runs on, and h2load
# never exits (seen with a cold JVM, whose first 64 handshakes took up to 5 s). Hence `timeout`,
# and the count-based connect pass of the warm-up (load_h2_connect).
load_h2() { # load_h2 CLIENTS SECONDS URL [extra h2load args]
  local clients=$1 seconds=$2 url=$3; shift 3
  taskset -c "$LOAD_CPU" timeout -k 5 $((seconds + 60)) \
    h2load -t1 -c"$clients" -m"$H2_STREAMS" -D"$seconds" --npn-list=h2 "$@" "$url" || true
}
# Every client connects and makes 100 requests (count-based: h2load waits for all of them).
load_h2_connect() { # load_h2_connect CLIENTS URL
  taskset -c "$LOAD_CPU" timeout -k 5 120 \
    h2load -t1 -c"$1" -m"$H2_STREAMS" -n$(($1 * 100)) --npn-list=h2 "$2" || true
}

WARNINGS=$OUT/warnings.txt
: > "$WARNINGS"
warn() { echo "WARNING: $*" | tee -a "$WARNINGS" >&2; }

# check: one request through the proxy, 200 and the file's size
check() { # URL EXPECTED_SIZE FILE
  curl -s --cacert "$CA" -o /dev/null -w '%{http_code} %{size_download}\n' --max-time 5 "$1" > "$3" || true
  [ "$(cat "$3")" = "200 $2" ] || warn "check of $1 gave '$(cat "$3")', expected '200 $2'"
}
# check_h2: the same over HTTP/2 (TLS, ALPN h2): 200, the file's size, and HTTP version 2
check_h2() { # URL EXPECTED_SIZE FILE
  curl -s --http2 --cacert "$CA" -o /dev/null -w '%{http_code} %{size_download} %{http_version}\n' --max-time 5 "$1" > "$3" || true
  [ "$(cat "$3")" = "200 $2 2" ] || warn "check of $1 over HTTP/2 gave '$(cat "$3")', expected '200 $2 2'"
}
# pingora4j's connector counters, when start_proxy asked it to serve them (--stats)
proxy_stats() { # FILE
  [ -n "$PROXY_STATS_URL" ] || return 0
  curl -s --max-time 5 "$PROXY_STATS_URL" > "$1" || true
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
  supports "$kind" "$id" || return 0
  mkdir -p "$dir"
  printf '  round %s  %-28s %-14s ' "$round" "$label" "$id"
  # HTTP/2 shapes: every upstream connection the proxy opens, from before it starts
  [[ "$kind" == h2* ]] && stub > "$dir/stub-start.txt"
  start_proxy "$id" "$kind" "$loops" "$pool" "$cpus" "$TMP/run/$sid-$id-$round"
  local url="$PROXY_URL_BASE$path"
  if ! wait_ready "$url" "$(now)" > /dev/null; then
    warn "$id did not answer for $label (round $round)"
    stop_proxy "$id"; echo "FAILED"; return 0
  fi
  collect_children
  if [ "$kind" = h2tls ]; then
    check_h2 "$url" "$size" "$dir/check.txt"
    load_h2_connect "$clients" "$url" > "$dir/warm-connect.txt" 2>&1
    load_h2 "$clients" "$WARMUP" "$url" > "$dir/warm.txt" 2>&1
  else
    check "$url" "$size" "$dir/check.txt"
    load "$clients" "$WARMUP" "$url" > "$dir/warm.txt" 2>&1
  fi
  proxy_stats "$dir/proxy-stats-before.txt"
  stub > "$dir/stub-before.txt"
  local c0; c0=$(cpu_ticks "${PROXY_PIDS[@]}")
  if [ "$kind" = h2tls ]; then
    # Its per-request log gives the percentiles (h2load prints none); gzipped once the proxy stopped.
    load_h2 "$clients" "$MEASURE" "$url" --log-file="$dir/h2load.log" > "$dir/h2load.txt" 2>&1
  elif [ "$kind" = burst ]; then
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
  proxy_stats "$dir/proxy-stats-after.txt"
  stop_proxy "$id"
  if [ "$kind" = h2tls ]; then
    [ -f "$dir/h2load.log" ] && gzip -1 "$dir/h2load.log"
    grep -q '^finished in' "$dir/h2load.txt" || warn "$id: h2load printed no summary for $label (round $round; killed by timeout?)"
    grep -q '^Application protocol: h2$' "$dir/h2load.txt" \
      || warn "$id: h2load did not negotiate h2 for $label (round $round): $(grep -m1 -i 'protocol\|fail\|error' "$dir/h2load.txt" || true)"
    awk '/^finished in/ { r = $4 } /^requests:/ { f = $10 } END { printf "%.0f req/s, %d failed\n", r, f }' "$dir/h2load.txt"
  else
    awk '/Requests\/sec/ { r += $2; n++ } /Socket errors|Non-2xx/ { e = e " " $0 }
         END { printf "%.0f req/s%s\n", (n ? r / n : 0), e }' "$dir/wrk.txt"
  fi
}

# ---------------------------------------------------------------- cold HTTP/2 origin (separate phase)
# A fresh proxy, told to speak h2c to the origin, has no upstream connection yet: H2_BURST requests
# arrive at once (curl --parallel --parallel-immediate: H2_BURST HTTP/1.1 connections opened at
# once, one request each; not h2load --h1, whose parser takes HAProxy's empty reason phrase,
# "HTTP/1.1 200 ", for a failure), and the origin counts the connections the proxy opens for them.
# Readiness is a TCP connect, not a request, so that nothing reaches the origin before the burst.
h2burst_run() { # PROXY-ID
  local id=$1 dir="$OUT/h2burst/$1"
  supports h2up "$id" || return 0
  mkdir -p "$dir"
  printf '  burst   %-14s ' "$id"
  start_proxy "$id" h2up 1 "$PARITY_POOL" "$SERVER_CPU" "$TMP/h2burst-$id"
  local up=0
  for _ in $(seq 600); do
    kill -0 "$PROXY_MAIN" 2>/dev/null || break
    if ! port_free "$P_PROXY"; then up=1; break; fi
    sleep 0.05
  done
  if [ "$up" = 0 ]; then warn "$id did not listen (h2 burst)"; stop_proxy; echo; return 0; fi
  sleep 0.5 # the listener is bound: let the rest of the start-up finish
  stub > "$dir/stub-before.txt"
  taskset -c "$LOAD_CPU" timeout -k 5 60 curl -s --parallel --parallel-immediate --parallel-max "$H2_BURST" \
    --max-time 30 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$P_PROXY/2k.bin?[1-$H2_BURST]" \
    > "$dir/codes.txt" 2> /dev/null || true
  stub > "$dir/stub-after.txt"
  stop_proxy
  awk '/^[23][0-9][0-9]$/ { s++ } END { printf "%d answered, %d failed", s, '"$H2_BURST"' - s }' "$dir/codes.txt"
  awk '/server accepts/ { getline; a[++n] = $1 } END { if (n == 2) printf ", %d origin connections opened\n", a[2] - a[1] - 1; else print "" }' \
    "$dir/stub-before.txt" "$dir/stub-after.txt"
}

# ---------------------------------------------------------------- socket calls (separate phase)
strace_run() { # PROXY-ID
  local id=$1 dir="$OUT/strace/$1" url="http://127.0.0.1:$P_PROXY/2k.bin"
  [ "$id" = origin ] && return 0
  supports plain "$id" || return 0
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
  supports plain "$id" || return 0
  mkdir -p "$dir"
  printf '  startup %-14s ' "$id"
  local t0; t0=$(now)
  start_proxy "$id" plain 1 "$PARITY_POOL" "$SERVER_CPU" "$TMP/startup-$id"
  local url="$PROXY_URL_BASE/2k.bin"
  wait_ready "$url" "$t0" > "$dir/ready.txt" || { warn "$id did not answer (startup)"; stop_proxy "$id"; echo; return 0; }
  collect_children
  : > "$dir/windows.txt"
  for i in $(seq "$STARTUP_WINDOWS"); do
    load 64 1 "$url" --latency > "$dir/w$i.txt" 2>&1
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
  if has_kind h2tls || has_kind h2up; then
    echo "- **HTTP/2:** $(version h2load --version); $(version nghttpx --version). Every proxy's TLS listener uses the run's certificate (ECDSA P-256) and offers \`h2, http/1.1\` through ALPN: nginx \`listen ... ssl http2\`, HAProxy \`bind ... ssl crt ... alpn h2,http/1.1\`, nghttpx (\`workers=1\`, backend keep-alive 60 s, no pool cap), pingora4j \`addTls\` (\`HttpServerOptions.h2\`, Conscrypt (BoringSSL) as TLS engine). h2 downstream: \`h2load -t1 -c64 -m$H2_STREAMS -D ... --npn-list=h2\` over TLS (${WARMUP} s warm-up run, then ${MEASURE} s measured; p50/p99 from its \`--log-file\`, errors = its \`failed\`), proxies to the HTTP/1.1 origin with a pool of 1024 (640 requests in flight). h2 upstream: wrk as above to the proxy's plain port, proxy to the origin's h2c port (\`listen ... http2\`, prior knowledge; HAProxy \`server ... proto h2\`, pingora4j \`Alpn.H2\`, default stream cap: min(origin's 128, 100)); \"since the proxy started\" counts the origin's accepts from before the proxy's start, warm-up included. Burst: a fresh proxy, $H2_BURST concurrent requests (\`curl --parallel --parallel-immediate\`, one HTTP/1.1 connection each) to the cold h2c origin."
  fi
  echo "- **JVM:** \`$JVM_OPTS\`"
} > "$OUT/meta.md"

# ---------------------------------------------------------------- go
per_run=$((WARMUP + MEASURE + 3))
burst_run=$(awk -v w="$WARMUP" -v b="$BURSTS" -v g="$BURST_GAP" 'BEGIN { printf "%d", w + b * (1 + g + 0.2) + 3 }')
per_round=0 n_runs=0 n_phased=0 n_h2burst=0
for s in "${SHAPES[@]}"; do
  for p in "${PROXIES[@]}"; do
    supports "$(kind_of "$s")" "${p%%|*}" || continue
    n_runs=$((n_runs + 1))
    case "$(kind_of "$s")" in
      burst) per_round=$((per_round + burst_run)) ;;
      h2tls) per_round=$((per_round + per_run + 5)) ;; # + the warm-up's connect pass
      *) per_round=$((per_round + per_run)) ;;
    esac
  done
done
for p in "${PROXIES[@]}"; do
  if [ "$TIMED_ONLY" = 0 ] && supports plain "${p%%|*}"; then n_phased=$((n_phased + 1)); fi
  if has_kind h2up && supports h2up "${p%%|*}"; then n_h2burst=$((n_h2burst + 1)); fi
done
total=$(( ROUNDS * per_round + n_phased * (WARMUP + STRACE_SECONDS + 3 + STARTUP_WINDOWS * 11 / 10 + 2)
          + n_h2burst * 5 ))
phases="then strace and start-up phases"
[ "$TIMED_ONLY" = 1 ] && phases="no strace or start-up phase (--timed-only)"
echo "results: $OUT"
echo "expected duration: about $(( (total + 59) / 60 )) min ($ROUNDS round(s) x $n_runs run(s) of ${#SHAPES[@]} shape(s) and ${#PROXIES[@]} target(s), ${WARMUP} s warm-up + ${MEASURE} s measured each, $phases)"
started=$(date +%s)
for round in $(seq "$ROUNDS"); do
  for shape in "${SHAPES[@]}"; do
    for p in "${PROXIES[@]}"; do
      timed_run "$shape" "${p%%|*}" "$round"
    done
  done
done
if has_kind h2up; then
  echo "burst of $H2_BURST concurrent requests to a cold HTTP/2 origin (a fresh proxy each):"
  mkdir -p "$OUT/h2burst"
  echo "$H2_BURST requests at once, one per HTTP/1.1 connection (curl --parallel --parallel-immediate), to the proxy's plain port; origin nginx h2c, http2_max_concurrent_streams 128" > "$OUT/h2burst/how.txt"
  for p in "${PROXIES[@]}"; do h2burst_run "${p%%|*}"; done
fi
if [ "$TIMED_ONLY" = 0 ]; then
  echo "socket calls per request (strace -f -c, a separate ${STRACE_SECONDS} s phase of 4 keep-alive clients):"
  for p in "${PROXIES[@]}"; do strace_run "${p%%|*}"; done
  echo "start to 90% of steady throughput:"
  for p in "${PROXIES[@]}"; do startup_run "${p%%|*}"; done
fi
stop_pid "$ORIGIN_PID" TERM
echo "took $(( ($(date +%s) - started + 59) / 60 )) min"
echo

# The ratios: pingora4j against nginx and Reactor Netty; with the HTTP/2 shapes also against HAProxy
# and nghttpx (the other proxies of those shapes), when they ran.
VERSUS=nginx,reactor-netty
if has_kind h2tls || has_kind h2up; then
  # only those that ran (the h1 shapes keep both columns whatever was selected, as before)
  VERSUS=""
  for v in nginx reactor-netty haproxy nghttpx; do if has_proxy "$v"; then VERSUS+=${VERSUS:+,}$v; fi; done
  [ -n "$VERSUS" ] || VERSUS=nginx
fi
java -Djava.awt.headless=true -cp "$JAR" org.pingora4j.bench.e2e.Report "$OUT" \
  --subject pingora4j --versus "$VERSUS"
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
