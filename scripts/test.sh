#!/usr/bin/env bash
# Runs every test: unit, app-flow, snapshot, size sweep, and the tmux end-to-end tests.
# Installs what the tests need (tmux, pgrep) when it can, and says clearly when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { # need COMMAND DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing $2 (for $1)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
  command -v "$1" >/dev/null 2>&1 || { echo "test.sh: $1 is required: install the $2 package" >&2; exit 1; }
}
need tmux tmux
need pgrep procps

# --all-targets also builds the benchmarks and runs each once, so they cannot rot.
cargo test --all-targets "$@"
