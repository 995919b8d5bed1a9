#!/usr/bin/env bash
# Load with hostile clients (docs/OPERATIONS.md, issue 10): wrk -c CONNECTIONS on a selective
# flows query while SLOW clients send their headers a byte every few seconds, FOLLOW follow=true
# streams never read, and a pusher posts 5,000 flows a second for them to fall behind on.
# Reports wrk's numbers, errors, the server's peak RSS and the slowest /healthz seen.
#
#   scripts/bench-hostile.sh STORE.db PUSH_SOURCE.jsonl [CONNECTIONS] [SECONDS] [SLOW] [FOLLOW]
#
# FLOWTRAIL=path/to/flowtrail picks the binary (to run an older build beside this one).
set -euo pipefail
store=$1; source=$2; conns=${3:-1000}; secs=${4:-30}; slow=${5:-100}; follow=${6:-20}
bin=${FLOWTRAIL:-.build/release/flowtrail}
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$store" "$work/load.db"
port=4398
"$bin" serve --db "$work/load.db" --listen 127.0.0.1:$port > "$work/serve.out" 2>&1 &
server=$!
sleep 2
python3 - "$port" "$slow" "$follow" "$source" "$((secs + 5))" "$server" "$work/probe.txt" <<'PY' &
import socket, sys, threading, time, urllib.request
port, slow, follow, source, secs, pid, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7]
end = time.monotonic() + secs
socks = []
for _ in range(slow):  # slow headers: a byte every 3 s
    s = socket.create_connection(("127.0.0.1", port)); s.send(b"GET /api/v1/flows?filter=verdict"); socks.append(s)
for _ in range(follow):  # follow streams that never read
    s = socket.create_connection(("127.0.0.1", port)); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.send(b"GET /api/v1/flows?follow=true HTTP/1.1\r\nHost: x\r\n\r\n"); socks.append(s)
def trickle():
    while time.monotonic() < end:
        for s in socks[:slow]:
            try: s.send(b"=")
            except OSError: pass
        time.sleep(3)
def push():
    with open(source, "rb") as f:
        while time.monotonic() < end:
            body = b"".join(f.readline() for _ in range(5000))
            if not body: f.seek(0); continue
            try: urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/ingest", data=body), timeout=30).read()
            except Exception: pass
            time.sleep(1)
threading.Thread(target=trickle, daemon=True).start()
threading.Thread(target=push, daemon=True).start()
lat, rss, failures = [], 0, 0
while time.monotonic() < end:
    t = time.monotonic()
    try: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read(); lat.append(time.monotonic() - t)
    except Exception: failures += 1
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): rss = max(rss, int(line.split()[1]))
    time.sleep(0.1)
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else -1
open(out, "w").write(f"/healthz ({len(lat)} probes): p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {q(1.0):.1f} ms, failures {failures}; server peak RSS sampled: {rss // 1024} MB\n")
PY
sleep 3
filter='source.namespace == "shop" && verdict == "DROPPED"'
enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$filter")
wrk -t2 -c"$conns" -d"${secs}s" --latency --timeout 10s "http://127.0.0.1:$port/api/v1/flows?limit=20&filter=$enc"
sleep 4
cat "$work/probe.txt" 2>/dev/null || echo "(probe did not finish)"
echo "server peak RSS (VmHWM): $(grep VmHWM /proc/$server/status | tr -s ' ')"
