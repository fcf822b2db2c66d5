#!/usr/bin/env bash
# Makes sure PostgreSQL >= 15 server binaries (initdb, pg_ctl) are on this machine.
# As root it installs Debian's `postgresql` package; otherwise it says what to run.
set -euo pipefail

if [[ -n "${NLQ_DATABASE_URL:-}" ]]; then
  exit 0  # an external server is configured: nothing to install
fi
for dir in ${NLQ_PG_BIN:-} /usr/lib/postgresql/*/bin; do
  if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
    version=$("$dir/pg_ctl" --version | grep -oE '[0-9]+' | head -n1)
    if (( version >= 15 )); then exit 0; fi
  fi
done

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "==> installing PostgreSQL server binaries (apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib >/dev/null
  exit 0
fi

cat >&2 <<'MSG'
PostgreSQL 15 server binaries (initdb, pg_ctl) are missing.
Install them, then run make again:
    sudo apt-get install -y postgresql        # Debian / Ubuntu
or point NLQ_PG_BIN at their directory, or set NLQ_DATABASE_URL to an existing server.
MSG
exit 1
