#!/usr/bin/env bash
# The quick start: a real deploy flow on this machine. Starts Redis and the proxy, builds two versions of a sample
# app image, deploys v1, then deploys v2 while traffic flows, and shows every request's answer moving from v1 to v2
# with none failing. Cleans up everything it started at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

scripts/install.sh
scripts/services.sh

WORK=$(mktemp -d /tmp/wunderproxy-demo.XXXXXX)
PROXY_PORT=${DEMO_PROXY_PORT:-18080}
ADMIN_PORT=${DEMO_ADMIN_PORT:-18081}
REDIS_PORT=${DEMO_REDIS_PORT:-16379}
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
NAME=demo
pids=()
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  [ -f "$WORK/redis.pid" ] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null
  docker ps -aq --filter "label=wunderproxy.name=$NAME" | xargs -r docker rm -f >/dev/null 2>&1
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

say "starting redis-server on 127.0.0.1:$REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$WORK/redis.pid" --dir "$WORK" --logfile "$WORK/redis.log"
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
redis-cli -p "$REDIS_PORT" del "wunderproxy:$NAME:backend" >/dev/null

say "starting the proxy on 127.0.0.1:$PROXY_PORT (admin 127.0.0.1:$ADMIN_PORT), name $NAME"
bin/wunderproxy proxy --listen "127.0.0.1:$PROXY_PORT" --admin "127.0.0.1:$ADMIN_PORT" --redis "$REDIS_URL" \
  --name "$NAME" --backend maintenance --drain-timeout 5 >"$WORK/proxy.log" 2>&1 &
pids+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$ADMIN_PORT/healthz"; do sleep 0.1; done
curl -s "http://127.0.0.1:$ADMIN_PORT/api/backend"; echo

build_image() { # version
  local dir="$WORK/image-$1"
  mkdir -p "$dir/www"
  cp examples/sample-app/Dockerfile "$dir/"
  cp "$(command -v busybox)" "$dir/busybox"
  echo "sample-app $1" >"$dir/www/index.html"
  echo ok >"$dir/www/health"
  local out
  out=$(docker build -q -t "wunderproxy-sample-app:$1" "$dir" 2>&1) || { echo "$out" >&2; return 1; }
  echo "built wunderproxy-sample-app:$1"
}
say "building the sample app images (FROM scratch + busybox)"
build_image v1
build_image v2

deploy() { # version
  local started id port
  started=$(date +%s%N)
  id=$(docker run -d --init --label "wunderproxy.name=$NAME" --label "wunderproxy.deploy=$1" \
    -p 127.0.0.1::8080 "wunderproxy-sample-app:$1")
  port=$(docker port "$id" 8080/tcp | head -1 | sed 's/.*://')
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.05; done
  echo "container $1 healthy on 127.0.0.1:$port after $(( ($(date +%s%N) - started) / 1000000 )) ms"
  bin/wunderproxy switch "http://127.0.0.1:$port" --redis "$REDIS_URL" --name "$NAME"
}

say "deploy v1"
deploy v1
curl -s "http://127.0.0.1:$PROXY_PORT/"

say "traffic: a request every 20 ms through the proxy while v2 is deployed"
( while :; do
    answer=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$PROXY_PORT/") || answer="FAILED (curl exit $?)"
    echo "${answer//$'\n'/}"
    sleep 0.02
  done ) >"$WORK/traffic.log" 2>&1 &
traffic=$!
pids+=("$traffic")
sleep 1
say "deploy v2"
old=$(docker ps -q --filter "label=wunderproxy.deploy=v1")
deploy v2
sleep 1
docker stop -t 10 "$old" >/dev/null && echo "retired the v1 container"
kill "$traffic"; wait "$traffic" 2>/dev/null || true

say "what the traffic saw (in order, repeated lines collapsed)"
uniq -c "$WORK/traffic.log"
failed=$(grep -cv ' 200$' "$WORK/traffic.log" || true)
total=$(wc -l <"$WORK/traffic.log")
say "$total requests, $failed failed; now serving: $(curl -s "http://127.0.0.1:$PROXY_PORT/")"
[ "$failed" -eq 0 ]
