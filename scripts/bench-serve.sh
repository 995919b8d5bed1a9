#!/usr/bin/env bash
# Load benchmark for `flowtrail serve` (docs/BENCHMARKS.md): wrk against a selective flows
# query on a large store, with and without --follow ingesting a file that grows at RATE
# flows/s during the run.
#
#   scripts/bench-serve.sh STORE.db [FOLLOW_SOURCE.jsonl] [CONNECTIONS] [SECONDS] [RATE]
#
# The store is copied first (following writes to it). Needs wrk (apt-get install wrk).
set -euo pipefail
store=$1; source=${2:-}; conns=${3:-500}; secs=${4:-20}; rate=${5:-20000}
bin=${FLOWTRAIL:-.build/release/flowtrail}
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$store" "$work/load.db"
port=4399
follow=()
if [[ -n "$source" ]]; then : > "$work/live.jsonl"; follow=(--follow "$work/live.jsonl"); fi
"$bin" serve --db "$work/load.db" --listen 127.0.0.1:$port "${follow[@]}" > "$work/serve.out" 2>&1 &
server=$!
sleep 2
if [[ -n "$source" ]]; then
  # Append RATE lines a second, in 10 slices a second, for the run and a little more.
  python3 - "$source" "$work/live.jsonl" "$rate" "$((secs + 3))" <<'PY' &
import sys, time
src, dst, rate, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
step = rate // 10
with open(src, "rb") as s, open(dst, "ab", buffering=0) as d:
    start = time.monotonic()
    for tick in range(secs * 10):
        d.write(b"".join(s.readline() for _ in range(step)))
        delay = start + (tick + 1) / 10 - time.monotonic()
        if delay > 0: time.sleep(delay)
PY
fi
filter='source.namespace == "shop" && verdict == "DROPPED"'
enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$filter")
url="http://127.0.0.1:$port/api/v1/flows?limit=20&filter=$enc"
curl -sf "$url" > /dev/null
count_before=$(curl -s "http://127.0.0.1:$port/api/v1/flows/count" | tr -dc 0-9)
wrk -t2 -c"$conns" -d"${secs}s" --latency --timeout 10s "$url"
count_after=$(curl -s "http://127.0.0.1:$port/api/v1/flows/count" | tr -dc 0-9)
echo "flows stored during the run: $((count_after - count_before)) ($(( (count_after - count_before) / secs )) per second)"
echo "server peak RSS: $(grep VmHWM /proc/$server/status)"
