#!/usr/bin/env bash
# Regenerates assets/*.png from the real binary: tmux runs infradeck on the demo fleet at a
# fixed clock, capture-pane -e keeps the colours, aha turns ANSI into HTML, headless Chromium
# takes the picture. Needs: tmux, aha, chromium, fonts-dejavu-core (apt-get install them).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in tmux aha chromium; do command -v "$tool" >/dev/null || { echo "screenshots.sh: needs $tool" >&2; exit 1; }; done
cargo build --release -q
bin=$PWD/target/release/infradeck
out=$PWD/assets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clock=1795012200   # Wednesday 2026-11-18 14:30 UTC
echo '# defaults' > "$work/config.toml"

shot() { # shot NAME WIDTH HEIGHT KEYS...
  local name=$1 w=$2 h=$3; shift 3
  local sock="shots-$name-$$"
  tmux -L "$sock" -f /dev/null new-session -d -s s -x "$w" -y "$h" \
    "$bin --demo --demo-clock $clock --config $work/config.toml --log-file $work/log; sleep 30"
  for _ in $(seq 50); do tmux -L "$sock" capture-pane -p -t s | grep -q "ago" && break; sleep 0.1; done
  for k in "$@"; do tmux -L "$sock" send-keys -t s "$k"; sleep 0.3; done
  sleep 0.5
  tmux -L "$sock" capture-pane -e -p -t s > "$work/$name.ansi"
  tmux -L "$sock" kill-server
  {
    echo '<!doctype html><html><head><meta charset="utf-8"><style>'
    echo 'body{margin:0;background:#1a1b26;} pre{margin:0;padding:8px;font:14px/1.2 "DejaVu Sans Mono",monospace;color:#c0caf5;background:#1a1b26;}'
    echo '</style></head><body><pre>'
    aha --no-header < "$work/$name.ansi"
    echo '</pre></body></html>'
  } > "$work/$name.html"
  local pw=$(( w * 843 / 100 + 16 )) ph=$(( h * 17 + 16 ))
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/chrome" --hide-scrollbars --window-size="$pw,$ph" \
    --screenshot="$out/$name.png" "file://$work/$name.html" >/dev/null 2>&1
  echo "assets/$name.png"
}

shot dashboard 200 56
shot ecs 160 45 z
shot redis 160 30 2 z
shot cost 160 45 3 z
shot alarms 160 45 4 z
# checkout: CPU-starved, so its p99 climbs with the CPU and its SLO burns (charts two by two).
shot detail 160 48 / checkout enter enter
shot incident 160 45 i
# A laptop's terminal sizes (issue 22): the ECS pane at 80×24, a detail view at 120×35.
shot laptop-80x24 80 24
shot detail-120x35 120 35 / checkout enter enter
shot help 120 45 "?"
# The look back over the demo's simulated month (issue 21): the summary, then the noisiest alarms.
shot review 160 45 : review Enter
