#!/usr/bin/env bash
# Installs everything wunderproxy needs on a fresh Debian 12 machine with Node 20, then builds the monorepo.
# Idempotent: installs only what is missing. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.21.0
# docker.io: the engine the launcher drives; redis-server: switch channel and state; busybox-static: the sample
# app and test images (nothing can be pulled here); skopeo + docker-registry: registry tests and benchmark;
# python3-swift + memcached: the S3-compatible test server; nginx + wrk: the proxy benchmark's reference.
APT_PACKAGES=(docker.io redis-server busybox-static skopeo docker-registry python3-swift memcached nginx wrk curl ca-certificates)

say() { printf '[install] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  # Package scripts must not start daemons (nginx, redis, docker): the project starts its own on free ports.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null && as_root chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$created_policy" = 1 ] && as_root rm -f /usr/sbin/policy-rc.d
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  # Corepack fails on this npm mirror (stripped signatures); pnpm 11+ needs Node 22 (ENVIRONMENT.md).
  say "npm install -g pnpm@$PNPM_VERSION"
  as_root npm install -g --no-audit --no-fund "pnpm@$PNPM_VERSION" >/dev/null
fi

export TURBO_TELEMETRY_DISABLED=1
say "pnpm install"
pnpm install --frozen-lockfile --reporter=silent
say "pnpm build"
pnpm build --output-logs=errors-only
say "done"
