#!/usr/bin/env bash
# The quick start: a real deploy flow on this machine. Starts Redis and the proxy, builds two versions of a sample
# app image, `wunderproxy launch`es v1, then v2 while traffic flows, and shows every request's answer moving from v1 to v2
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

write_config() { # version
  cat >"$WORK/app-$1.json" <<JSON
{
  "name": "$NAME",
  "image": "wunderproxy-sample-app:$1",
  "container": { "port": 8080, "env": { "APP_VERSION": "$1" }, "init": true },
  "healthCheck": { "path": "/health", "timeoutSeconds": 30, "intervalMs": 100 }
}
JSON
}
write_config v1
write_config v2
launch() { # version
  bin/wunderproxy launch "$WORK/app-$1.json" --redis "$REDIS_URL" --admin "http://127.0.0.1:$ADMIN_PORT" \
    --state-dir "$WORK/state"
}

say "wunderproxy launch app-v1.json"
cat "$WORK/app-v1.json"
launch v1
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
say "wunderproxy launch app-v2.json (while the traffic runs)"
launch v2
sleep 1
kill "$traffic"; wait "$traffic" 2>/dev/null || true

say "what the traffic saw (in order, repeated lines collapsed)"
uniq -c "$WORK/traffic.log"
failed=$(grep -cv ' 200$' "$WORK/traffic.log" || true)
total=$(wc -l <"$WORK/traffic.log")
say "$total requests, $failed failed; now serving: $(curl -s "http://127.0.0.1:$PROXY_PORT/")"
say "containers of $NAME: v2 running, v1 kept stopped for rollback"
docker ps -a --filter "label=wunderproxy.name=$NAME" --format '{{.Names}}\t{{.Image}}\t{{.Status}}'
say "wunderproxy status"
bin/wunderproxy status --name "$NAME" --redis "$REDIS_URL" --admin "http://127.0.0.1:$ADMIN_PORT" --state-dir "$WORK/state"
[ "$failed" -eq 0 ]
