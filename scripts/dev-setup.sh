#!/usr/bin/env bash
# Idempotent set-up of a fresh machine for working on this repo.
#
#   bash scripts/dev-setup.sh         # npm ci when node_modules is missing or stale
#   bash scripts/dev-setup.sh --s3    # ... and the local S3 server for tests (radosgw, Debian/Ubuntu)
#
# Run from anywhere; it works in the repo root.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_s3=false
for arg in "$@"; do
  case "$arg" in
    --s3) want_s3=true ;;
    -h | --help)
      sed -n '2,7p' "$0"
      exit 0
      ;;
    *)
      echo "dev-setup: unknown option '$arg' (use --s3 or --help)" >&2
      exit 2
      ;;
  esac
done

# node_modules: install when missing, or when package-lock.json changed since the last install
# (npm writes node_modules/.package-lock.json on every install).
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json ||
  package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "dev-setup: node_modules missing or older than package-lock.json: npm ci"
  npm ci --no-audit --no-fund
else
  echo "dev-setup: node_modules up to date"
fi

if $want_s3; then
  packages=(radosgw ceph-mon ceph-osd)
  missing=()
  for cmd in radosgw radosgw-admin ceph-mon ceph-osd monmaptool ceph curl openssl; do
    command -v "$cmd" >/dev/null || missing+=("$cmd")
  done
  if ((${#missing[@]} == 0)); then
    echo "dev-setup: radosgw and ceph tools present"
  else
    echo "dev-setup: missing for the local S3 server: ${missing[*]}"
    if ! command -v apt-get >/dev/null; then
      echo "dev-setup: no apt-get here; install the Ceph packages (${packages[*]}), curl and" \
        "openssl with your package manager, or point the tests at an S3 server with" \
        "RADOSGW_ENDPOINT/RADOSGW_ACCESS_KEY/RADOSGW_SECRET_KEY/RADOSGW_BUCKET" >&2
      exit 1
    fi
    if [[ "$(id -u)" -eq 0 ]]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${packages[@]}" curl openssl
    else
      echo "dev-setup: not root; run:" >&2
      echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y" \
        "--no-install-recommends ${packages[*]} curl openssl" >&2
      echo "dev-setup: (without it, tests that need real S3 are skipped locally)" >&2
    fi
  fi
fi
