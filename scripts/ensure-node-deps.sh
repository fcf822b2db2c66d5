#!/usr/bin/env bash
# Installs and builds the JavaScript parts (clients/js, examples/web-app) with npm,
# from their committed package-lock.json files. Node.js >= 18 and npm must be on PATH.
set -euo pipefail

if ! command -v npm >/dev/null 2>&1; then
  echo "Node.js (>= 18) and npm are missing: install them (e.g. apt-get install nodejs npm)" >&2
  exit 1
fi

for dir in clients/js examples/web-app; do
  [[ -f "$dir/package.json" ]] || continue
  stamp="$dir/node_modules/.nlq-installed"
  if [[ ! -f "$stamp" || "$dir/package-lock.json" -nt "$stamp" || "$dir/package.json" -nt "$stamp" ]]; then
    echo "==> npm ci ($dir)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
  if grep -q '"build"' "$dir/package.json"; then
    echo "==> npm run build ($dir)"
    (cd "$dir" && npm run --silent build)
  fi
done
