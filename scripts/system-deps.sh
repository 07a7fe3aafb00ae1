#!/usr/bin/env bash
# Installs the Debian packages the test suite runs against (real servers, no mocks):
# redis-server, postgresql, haproxy (make run-cluster), chromium, and node/npm (to install
# axe-core for the consoles' WCAG checks). Runs apt-get only for what is missing, and only as root.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)  # make run-cluster's load balancer
command -v chromium >/dev/null 2>&1 || need+=(chromium)  # the console tests' browser
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)  # installs axe-core (package-lock.json)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)  # the simulators' call recordings

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian package starts its own cluster; the suite starts private servers instead.
if command -v pg_ctlcluster >/dev/null 2>&1; then
  for cluster in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster "$cluster" main stop >/dev/null 2>&1 || true
  done
fi
