#!/usr/bin/env bash
# Makes sure a Docker engine answers; starts dockerd in the background when none does (there is no systemd here).
# Redis is started per test (on a free port) and by scripts/demo.sh, never as a shared service.
set -euo pipefail

if docker info >/dev/null 2>&1; then exit 0; fi
command -v dockerd >/dev/null || { echo "dockerd not found: run scripts/install.sh (apt-get install docker.io)" >&2; exit 1; }
log=/var/log/wunderproxy-dockerd.log
echo "[services] starting dockerd (log: $log)"
nohup setsid dockerd >"$log" 2>&1 </dev/null &
for _ in $(seq 1 150); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.2
done
echo "dockerd did not answer within 30 s; last lines of $log:" >&2
tail -20 "$log" >&2
exit 1
