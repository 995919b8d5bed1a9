#!/usr/bin/env python3
"""Sends PING frames to an HTTP/2 server on 127.0.0.1:PORT over a raw socket, as grpc-go does
for its flow-control (BDP) estimation, and prints one JSON object with what came back:

  http2_pings.py PORT COUNT INTERVAL_MS

Opens the connection (preface, empty SETTINGS, SETTINGS ACK once the server's SETTINGS came),
sends COUNT PINGs, each with 8 bytes of opaque data (its number), INTERVAL_MS apart (0: back to
back), then reads for up to 5 s. Prints {"acks": N, "acks_in_order": bool, "goaway": CODE or
null}. Frame layout: RFC 9113 §4.1, PING §6.7, GOAWAY §6.8.
"""
import json
import socket
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def main():
    port, count, interval = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(PREFACE + frame(0x4, 0, 0))
    buffer = b""
    acks, goaway, expected, in_order = 0, None, 0, True

    def read_frames(deadline):
        nonlocal buffer, acks, goaway, expected, in_order
        sock.settimeout(max(0.01, deadline - time.time()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return False
        if not data:
            return None
        buffer += data
        while len(buffer) >= 9:
            length = int.from_bytes(buffer[:3], "big")
            if len(buffer) < 9 + length:
                break
            kind, flags, payload = buffer[3], buffer[4], buffer[9:9 + length]
            buffer = buffer[9 + length:]
            if kind == 0x4 and not flags & 1:
                sock.sendall(frame(0x4, 1, 0))
            elif kind == 0x6 and flags & 1:
                number = struct.unpack(">Q", payload)[0]
                in_order = in_order and number == expected
                expected += 1
                acks += 1
            elif kind == 0x7:
                goaway = struct.unpack(">I", payload[4:8])[0]
        return True

    try:
        for k in range(count):
            sock.sendall(frame(0x6, 0, 0, struct.pack(">Q", k)))
            if interval:
                time.sleep(interval)
                read_frames(time.time())
        deadline = time.time() + 5
        while time.time() < deadline and acks < count and goaway is None:
            if read_frames(deadline) is None:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    print(json.dumps({"acks": acks, "acks_in_order": in_order, "goaway": goaway}))


if __name__ == "__main__":
    main()
