#!/usr/bin/env bash
# Installs the Debian packages aftersales needs to build and test, only when they are missing.
# Usage: scripts/install-deps.sh [build|test|bench]   (test and bench include build)
# As root it runs `apt-get update` once, then `apt-get install -y`; otherwise it names the packages to install.
set -euo pipefail
what=${1:-build}
build_pkgs=(gcc make cmake pkg-config libsqlite3-dev zlib1g-dev liblapacke-dev libopenblas-dev libcjson-dev libxgboost-dev libsodium-dev)
test_pkgs=(clang sqlite3 python3-sklearn python3-pandas chromium python3-websocket)
bench_pkgs=(liblinear-tools liblinear-dev time)
pkgs=("${build_pkgs[@]}")
case "$what" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  bench) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "install-deps.sh: unknown set '$what' (use build, test or bench)" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "aftersales needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
