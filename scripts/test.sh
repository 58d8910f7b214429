#!/usr/bin/env bash
# Runs every test: unit, app-flow, snapshot, size sweep, moto (AWS) and the tmux end-to-end tests.
# Installs what the tests need (tmux, pgrep, moto_server) when it can, and says clearly when it cannot.
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
need python3 python3
need git git

# Imports point down the layers (README: Architecture): fails on one that points up.
python3 scripts/check_layers.py

# The AWS tests run against a real moto_server (plus scripts/moto_bridge.py for CloudWatch's CBOR
# protocol): install moto[server], boto3 and cbor2 unless they are already there.
# (The tests start moto through scripts/moto_server.py, so only the Python packages matter.)
if ! python3 -c 'import moto.server, boto3, cbor2, hcl2, cfnlint, awscli' 2>/dev/null || ! command -v aws >/dev/null; then
  echo "test.sh: installing moto[server], boto3, cbor2, python-hcl2, cfn-lint, awscli (pip)"
  python3 -m pip install -q -r scripts/requirements-test.txt 2>&1 | grep -v "Running pip as the 'root'" || true
fi
python3 -c 'import moto.server, boto3, cbor2, flask, hcl2, cfnlint, awscli' || { echo "test.sh: moto[server], boto3, cbor2, python-hcl2, cfn-lint and awscli are required: pip install -r scripts/requirements-test.txt" >&2; exit 1; }
command -v aws >/dev/null || { echo "test.sh: the AWS CLI (pip's awscli) is installed but \`aws\` is not on PATH" >&2; exit 1; }

# The moto bridge records every AWS operation the app sends (tests/support/moto.rs).
operations="${CARGO_TARGET_DIR:-target}/tmp/aws-operations"
rm -rf "$operations"
# Saved moto estates and moto's logs (tests/it/support/moto.rs) are this run's only.
rm -rf "${CARGO_TARGET_DIR:-target}/tmp/moto-snapshots" "${CARGO_TARGET_DIR:-target}/tmp/moto-logs"

# --all-targets also builds the benchmarks and runs each once, so they cannot rot.
# The integration tests are one binary (tests/it): most of them wait on moto, tmux or an app
# clock rather than on a core, so more run at once than there are cores (INFRADECK_TEST_THREADS).
export RUST_TEST_THREADS="${INFRADECK_TEST_THREADS:-4}"
cargo test --all-targets "$@"

# Least privilege: each of those operations is in iam/apply.json, read-only runs' in read-only.json.
python3 scripts/check_iam.py "$operations" $([ $# -eq 0 ] && echo --require-records)
