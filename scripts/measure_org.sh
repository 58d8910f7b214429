#!/usr/bin/env bash
# How time and API calls grow with the number of accounts under --org (issue 23), for
# BENCHMARKS.md: a simulated organization in moto (scripts/seed_moto.py --fleet org) of N member
# accounts × 2 regions × 20 services, then the real binary under tmux from start to every pane
# loaded (--exit-after loaded), with the requests the bridge saw.
# Usage: bash scripts/measure_org.sh [N ...]   (default 10 30 100)
# MONITORING=team-01: that member is a CloudWatch cross-account observability monitoring account
# (every other account but sandbox linked to it) and the app reads metrics through it.
# SLOW_ACCOUNT=sandbox SLOW_SECONDS=20: that account's role answers 20 s late (does it hold up
# the others?).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=$PWD/target/release/infradeck
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
work=$(mktemp -d)
trap 'tmux -L measure-org kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
echo '# defaults' > "$work/config.toml"
for n in "${@:-10 30 100}"; do
  for accounts in $n; do
    (
      source scripts/moto_env.sh
      bridge_url=http://127.0.0.1:$bridge_port  # not $bridge: moto_env.sh kills that pid on exit
      s=$(date +%s)
      python3 scripts/seed_moto.py --moto "http://127.0.0.1:$moto_port" --bridge "$bridge_url" --fleet org \
        --accounts "$accounts" --services 20 --org-regions us-east-1,us-west-2 \
        ${MONITORING:+--monitoring "$MONITORING"} >/dev/null
      seeded=$(( $(date +%s) - s ))
      if [ -n "${SLOW_ACCOUNT:-}" ]; then
        # One account's role answers SLOW_SECONDS late (every AssumeRole for it, each attempt).
        id=$(python3 -c 'import boto3, sys
org = boto3.client("organizations", endpoint_url=sys.argv[1], region_name="us-east-1")
print(next(a["Id"] for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"] if a["Name"] == sys.argv[2]))' \
          "http://127.0.0.1:$moto_port" "$SLOW_ACCOUNT")
        curl -s -X POST "$bridge_url/_bridge/fault" -H 'Content-Type: application/json' \
          -d "{\"kind\": \"latency\", \"delay\": ${SLOW_SECONDS:-20}, \"operation\": \"AssumeRole\", \"contains\": \"$id\"}" >/dev/null
      fi
      curl -s -X POST "$bridge_url/_bridge/counts/reset" >/dev/null
      rm -f "$work/t"
      tmux -L measure-org kill-server 2>/dev/null || true
      tmux -L measure-org -f /dev/null new-session -d -s m -x 200 -y 60 \
        "s=\$(date +%s%N); $bin --org ${MONITORING:+--monitoring-account $MONITORING} --region us-east-1,us-west-2 --endpoint-url $bridge_url --config $work/config.toml --log-file $work/log --exit-after loaded; e=\$(date +%s%N); echo \$(( (e - s) / 1000000 )) > $work/t"
      for _ in $(seq 1200); do [ -s "$work/t" ] && break; sleep 0.1; done
      cp "$work/log" "/tmp/measure-org-$accounts.log" 2>/dev/null || true
      counts=$(curl -s "$bridge_url/_bridge/counts")
      metrics=$(curl -s "$bridge_url/_bridge/metrics")
      rows=$(grep -o 'ecs_services=[0-9]*' "$work/log" | tail -1 | cut -d= -f2)
      python3 - "$accounts" "$(cat "$work/t" 2>/dev/null || echo timeout)" "$seeded" "$counts" "$metrics" "${rows:-?}" <<'PY'
import json, sys
n, ms, seeded, counts, metrics, rows = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5]), sys.argv[6]
total = sum(counts.values())
top = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:6])
top += f"; AssumeRole {counts.get('AssumeRole', 0)}; GetMetricData {counts.get('GetMetricData', 0)}"
print(f"{n:>4} accounts ({int(n) + 1} with the management one) × 2 regions: start → loaded {ms} ms, {rows} services listed; "
      f"{total} requests ({top}); {metrics.get('requested', 0)} metrics ({metrics.get('cross_account', 0)} read across accounts); seeding took {seeded} s")
PY
    )
  done
done
