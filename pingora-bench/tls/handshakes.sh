#!/usr/bin/env bash
# New TLS connections per second, pingora4j's TLS listener against nginx's, same run, same
# certificate (the test PKI's ECDSA P-256 leaf), from the repository root:
#
#   pingora-bench/tls/handshakes.sh [--rounds N] [--seconds S] [--no-build]
#
# Each server is pinned to core 0, the client (openssl s_time, one process) to core 1. For each
# round, each server, TLS 1.2 and 1.3: full handshakes (-new) and resumed ones (-reuse: the
# session of the first connection offered on every next one), S seconds each; pingora4j gets one
# unmeasured full-handshake pass first (its JIT). Prints one table line per measurement: the
# connections made and the rate. Nothing is sent on the connections: this is the handshake's cost
# alone. Everything it starts it stops by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROUNDS=3 SECONDS_EACH=10 BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --seconds) SECONDS_EACH=$2; shift ;;
    --no-build) BUILD=0 ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
  shift
done
for tool in nginx openssl taskset java; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "needs $tool (apt-get install -y nginx openssl)" >&2; exit 1; }
done
[ "$BUILD" = 1 ] && mvn -B -ntp -q -pl pingora-bench -am package -DskipTests
JAR=$ROOT/pingora-bench/target/benchmarks.jar
CERTS=$ROOT/pingora-core/src/test/resources/certs
TMP=$(mktemp -d /tmp/pingora4j-tls.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_NGINX=$(port) P_PINGORA=$(port) P_PLAIN=$(port) P_UP=$(port)
cat > "$TMP/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$P_NGINX ssl;
    ssl_certificate $CERTS/server.crt;
    ssl_certificate_key $CERTS/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    return 200;
  }
}
CONF
measure() { # NAME PORT VERSION MODE
  local out made
  out=$(taskset -c 1 openssl s_time -connect "127.0.0.1:$2" "-$4" "-$3" -time "$SECONDS_EACH" 2>/dev/null || true)
  made=$(echo "$out" | grep -oP '\d+ connections in [\d.]+ real' | head -1 | grep -oP '^\d+' || echo 0)
  printf '| %s | %s | %s | %s | %s | %.0f |\n' "$ROUND" "$1" "$3" "$4" "$made" "$(echo "$made / $SECONDS_EACH" | bc -l)"
}
echo "| round | server | version | handshake | connections | per second |"
echo "|---|---|---|---|---|---|"
for ROUND in $(seq "$ROUNDS"); do
  taskset -c 0 nginx -c "$TMP/nginx.conf" -p "$TMP" > "$TMP/nginx.out" 2>&1 &
  NGINX=$!; PIDS+=("$NGINX"); sleep 0.5
  for v in tls1_2 tls1_3; do measure nginx "$P_NGINX" $v new; measure nginx "$P_NGINX" $v reuse; done
  kill "$NGINX"; wait "$NGINX" 2>/dev/null || true
  taskset -c 0 java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$JAR" org.pingora4j.bench.e2e.PingoraBenchProxy \
      --listen "127.0.0.1:$P_PLAIN" --upstream "127.0.0.1:$P_UP" --threads 1 --work-dir "$TMP" \
      --tls-listen "127.0.0.1:$P_PINGORA" --cert "$CERTS/server.crt" --key "$CERTS/server.key" > "$TMP/pingora.out" 2>&1 &
  PINGORA=$!; PIDS+=("$PINGORA")
  for _ in $(seq 200); do (echo > "/dev/tcp/127.0.0.1/$P_PINGORA") 2>/dev/null && break; sleep 0.05; done
  taskset -c 1 openssl s_time -connect "127.0.0.1:$P_PINGORA" -new -time "$SECONDS_EACH" > /dev/null 2>&1 || true
  for v in tls1_2 tls1_3; do measure pingora4j "$P_PINGORA" $v new; measure pingora4j "$P_PINGORA" $v reuse; done
  kill "$PINGORA"; wait "$PINGORA" 2>/dev/null || true
done
