#!/usr/bin/env bash
# Refresh cost of the ECS and Redis panes, infradeck vs a hand-written boto3 client, in the same
# run against the same moto fleet (1,000 services / 20 clusters / 100 Redis groups by default).
# Usage: bash scripts/measure_refresh.sh [SERVICES CLUSTERS GROUPS]
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-1000} clusters=${2:-20} groups=${3:-100}
source scripts/moto_env.sh
python3 scripts/seed_moto.py --moto "http://127.0.0.1:$moto_port" --bridge "http://127.0.0.1:$bridge_port" \
  --fleet scale --services "$services" --clusters "$clusters" --redis "$groups" >&2
# PROFILE=dev measures a debug build (quicker to build; the request counts are the same).
profile=${PROFILE:-release}
cargo build --profile "$profile" --example refresh -q
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
ours=$(target/"$dir"/examples/refresh "http://127.0.0.1:$bridge_port")
naive=$(python3 benches/naive_refresh.py --endpoint "http://127.0.0.1:$bridge_port")
echo "$ours"
echo "$naive"
python3 - "$ours" "$naive" <<'PY'
import json, sys
ours, naive = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"requests: infradeck {ours['requests']} vs naive {naive['requests']} "
      f"({naive['requests'] / ours['requests']:.1f}x fewer)")
print(f"wall time: infradeck {ours['wall_seconds']} s vs naive {naive['wall_seconds']} s "
      f"({naive['wall_seconds'] / ours['wall_seconds']:.1f}x faster)")
PY
