#!/usr/bin/env bash
# Installs the Debian packages Firebreak needs, and nothing else.
#
#   scripts/install-deps.sh [build|test|bench|all]   (default: build)
#
# Idempotent and quick when everything is present (one dpkg-query). It never lets
# apt remove a package: every install is dry-run first and refused if apt plans a removal
# (libboost1.81-dev conflicts with the 1.74 -dev packages some machines carry).
set -euo pipefail

profile=${1:-build}

build_pkgs=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libyaml-cpp-dev libcli11-dev libfmt-dev libspdlog-dev libexpected-dev
  libssl-dev libcurl4-openssl-dev libre2-dev libhowardhinnant-date-dev libkainjow-mustache-dev
  libjemalloc-dev tzdata ca-certificates
)
test_pkgs=(
  googletest libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  python3 sqlite3 curl
  prometheus-alertmanager prometheus python3-aiosmtpd
  chromium nodejs npm
)
bench_pkgs=(wrk hyperfine python3-igraph python3-networkx)

case "$profile" in
  build) want=("${build_pkgs[@]}") ;;
  test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench) want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  all) want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=()
while read -r pkg status; do
  [ "$status" = "installed" ] || missing+=("$pkg")
done < <(for p in "${want[@]}"; do
  s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  echo "$p ${s:-absent}"
done)

# node and npm may come from outside Debian (e.g. a preinstalled Node 20); accept them.
filtered=()
for p in "${missing[@]}"; do
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  filtered+=("$p")
done
missing=("${filtered[@]+"${filtered[@]}"}")

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || true
plan=$($SUDO apt-get install -s -y --no-install-recommends "${missing[@]}" 2>&1) || {
  echo "$plan" >&2; echo "install-deps: apt cannot install: ${missing[*]}" >&2; exit 1; }
if grep -q '^Remv ' <<<"$plan"; then
  echo "install-deps: refusing, apt would remove packages:" >&2
  grep '^Remv ' <<<"$plan" >&2
  exit 1
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
