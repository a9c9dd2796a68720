#!/usr/bin/env python3
"""Slow clients against a running Bazaar server (issue 6, item 12).

Opens N connections that each send a POST head declaring a 100-byte body
and then only 7 bytes of it, plus one connection that sends half a request
header, and reports what became of each: the status the server answered
(503 over the connection caps, 408 at the body timeout), a reset, or
"still open" after 60 s; and when the half-sent header was closed.

Usage: bench/slow-connections.py PORT N
(start the server first, e.g. with BAZAAR_API_RATE_PER_SEC=0 so that only
the timeouts and connection caps act; figures in docs/security.md)
"""
import asyncio
import sys
import time
from collections import defaultdict
HOST, PORT = "127.0.0.1", int(sys.argv[1])
N = int(sys.argv[2])
async def slow_body(i, results):
    t0 = time.monotonic()
    try:
        r, w = await asyncio.open_connection(HOST, PORT)
    except Exception as e:
        results.append(("connect-error", 0)); return
    w.write(f"POST /api/cart/add HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nsku=TSH".encode())
    await w.drain()
    try:
        data = await asyncio.wait_for(r.read(), timeout=60)
        status = data[:12].decode(errors="replace") or "closed"
    except asyncio.TimeoutError:
        status = "still open at 60 s"
    except Exception as e:
        status = "reset"
    results.append((status, time.monotonic() - t0))
    w.close()
async def half_header():
    t0 = time.monotonic()
    r, w = await asyncio.open_connection(HOST, PORT)
    w.write(f"GET / HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n".encode()); await w.drain()
    data = await asyncio.wait_for(r.read(), timeout=120)
    return data[:12], time.monotonic() - t0
async def main():
    hh = asyncio.create_task(half_header())
    results = []
    await asyncio.gather(*(slow_body(i, results) for i in range(N)))
    groups = defaultdict(list)
    for s, t in results: groups[s].append(t)
    for s, ts in sorted(groups.items()):
        print(f"{len(ts):5d} x {s!r}: after {min(ts):.2f}..{max(ts):.2f} s")
    d, t = await hh
    print(f"half-sent header: closed after {t:.2f} s, answer {d!r}")
asyncio.run(main())
