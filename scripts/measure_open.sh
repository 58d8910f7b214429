#!/usr/bin/env bash
# What infradeck costs to leave open (issue 18): the app against a seeded moto fleet, its clock
# driven a second a tick (examples/leave_open.rs), nobody at the keys and then a key a minute.
# Usage: bash scripts/measure_open.sh [SERVICES CLUSTERS GROUPS] (default 255 3 3; "realistic" for
# the realistic fleet; "org ACCOUNTS SERVICES" for an organization, --org over two regions). App
# minutes from the env (MONITORING=team-01 with org: metrics through that monitoring account): IDLE_MINUTES (default 1440: a whole day, so the 6-hourly reads are in it), MINUTES (someone at the keys, default 180) and WARMUP (default 10)
# after the first load. WEEK=1: only a week left open, a key an hour (RSS, CPU, log lines by day).
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-255} clusters=${2:-3} groups=${3:-3}
idle_minutes=${IDLE_MINUTES:-1440} minutes=${MINUTES:-180} warmup=${WARMUP:-10}
source scripts/moto_env.sh
if [ "$services" = org ]; then
  # An organization: $2 member accounts × 2 regions × $3 services each (seed_moto.py --fleet org).
  export ORG_REGIONS=us-east-1,us-west-2
  python3 scripts/seed_moto.py --moto "http://127.0.0.1:$moto_port" --bridge "http://127.0.0.1:$bridge_port" \
    --fleet org --accounts "$clusters" --services "$groups" --org-regions "$ORG_REGIONS" \
    ${MONITORING:+--monitoring "$MONITORING"} >&2
elif [ "$services" = realistic ]; then
  python3 scripts/seed_moto.py --moto "http://127.0.0.1:$moto_port" --bridge "http://127.0.0.1:$bridge_port" >&2
else
  python3 scripts/seed_moto.py --moto "http://127.0.0.1:$moto_port" --bridge "http://127.0.0.1:$bridge_port" \
    --fleet scale --services "$services" --clusters "$clusters" --redis "$groups" >&2
fi
profile=${PROFILE:-release}
[ -n "${BINARY:-}" ] || cargo build --profile "$profile" --example leave_open -q
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
export HOME=$(mktemp -d) # no cost or price cache from an earlier run
run=${BINARY:-target/"$dir"/examples/leave_open}
if [ -n "${WEEK:-}" ]; then
  # Left open a week (168 app hours), a key an hour: RSS, CPU and log lines at hours 1, 24 … 168.
  "$run" "http://127.0.0.1:$bridge_port" $((168 * 60)) week "$warmup"
  exit
fi
"$run" "http://127.0.0.1:$bridge_port" "$idle_minutes" idle "$warmup"
"$run" "http://127.0.0.1:$bridge_port" "$minutes" active "$warmup"
