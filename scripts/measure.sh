#!/usr/bin/env bash
# Start time, idle CPU and peak memory of the real binary under tmux, for BENCHMARKS.md.
# Usage: bash scripts/measure.sh [idle-seconds]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
idle=${1:-60}
cargo build --release -q
bin=$PWD/target/release/infradeck
work=$(mktemp -d)
trap 'tmux -L measure kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
echo '# defaults' > "$work/default.toml"
printf '[refresh]\necs = 3600\nredis = 3600\ncost = 3600\nalarms = 3600\n' > "$work/quiet.toml"

in_tmux() { # in_tmux COMMAND: run it in a fresh 200x60 tmux window
  tmux -L measure kill-server 2>/dev/null || true
  # The previous run's server may still be shutting down ("server exited unexpectedly"): retry.
  for _ in 1 2 3 4 5; do
    tmux -L measure -f /dev/null new-session -d -s m -x 200 -y 60 "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "measure.sh: tmux would not start a session" >&2
  return 1
}

wait_file() { for _ in $(seq 600); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "timed out: $1" >&2; return 1; }

# Median wall time, over 15 runs, from exec to the first frame / to every pane loaded.
startup() { # startup LABEL ARGS
  local label=$1 args=$2 times=()
  for i in $(seq 15); do
    rm -f "$work/t"
    in_tmux "s=\$(date +%s%N); $bin --demo --config $work/default.toml --log-file $work/log $args; e=\$(date +%s%N); echo \$(( (e - s) / 1000 )) > $work/t"
    wait_file "$work/t"
    times+=("$(cat "$work/t")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" '{a[NR]=$1} END {printf "%-44s median %6.1f ms  (min %.1f, max %.1f, n=%d)\n", l, a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000, NR}'
}

startup "start → first frame, 45 services" "--exit-after first-frame"
startup "start → all four panes loaded, 45 services" "--exit-after loaded"
startup "start → all four panes loaded, 10,000 services" "--exit-after loaded --demo-scale 10000"

pid_of() { pgrep -f -- "^$bin --demo --config $work/$1" | head -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# CPU over $idle seconds once loaded, and peak RSS.
idle_cpu() { # idle_cpu LABEL CONFIG ARGS
  local label=$1 cfg=$2 args=$3
  in_tmux "$bin --demo --config $work/$cfg --log-file $work/log $args; sleep 5"
  local pid=""; for _ in $(seq 100); do pid=$(pid_of "$cfg") && [ -n "$pid" ] && break; sleep 0.1; done
  sleep 5
  local hz; hz=$(getconf CLK_TCK)
  local t0 c0 t1 c1
  t0=$(date +%s%N); c0=$(cpu_ticks "$pid")
  sleep "$idle"
  t1=$(date +%s%N); c1=$(cpu_ticks "$pid")
  local rss; rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  awk -v l="$label" -v c=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) -v rss="$rss" \
    'BEGIN {printf "%-44s CPU %5.2f%% of a core over %.0f s, peak RSS %.1f MB\n", l, 100 * c / hz / (ns / 1e9), ns / 1e9, rss / 1024}'
  tmux -L measure send-keys -t m q
}

idle_cpu "idle, 45 services, live demo (10 s refresh)" default.toml ""
idle_cpu "idle, 45 services, no refresh due" quiet.toml ""
idle_cpu "idle, 10,000 services, live demo (10 s refresh)" default.toml "--demo-scale 10000"
idle_cpu "idle, 10,000 services, no refresh due" quiet.toml "--demo-scale 10000"
