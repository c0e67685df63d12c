"""Slow clients against the site while a normal reader keeps reading; loopback only, bounded in time.

    .venv/bin/python bench/slow_clients.py http://127.0.0.1:8000/articles/some-slug/ [--seconds 60]

`connections` clients each open a request and send one more header line every `interval` seconds,
never finishing it (reconnecting when the server cuts them off), for `seconds`. Meanwhile one reader
requests `url` over and over, one request at a time. Prints one line "SLOW_CLIENTS_JSON {...}" with
what the reader got: answered share, latency percentiles, slowest. bench/run.py runs it through
nginx; tests/hardening/test_nginx.py runs a 15 s version as a test.
"""

import argparse
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse


def slow_clients(host, port, path, stop, connections, interval):
    """Keep `connections` half-sent requests open until `stop` is set; returns how many were cut."""
    opened = []

    def open_one():
        sock = socket.create_connection((host, port), timeout=5)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n".encode())
        return sock

    cut = 0
    try:
        opened = [open_one() for _ in range(connections)]
        line = 0
        while not stop.wait(interval):
            line += 1
            for index, sock in enumerate(opened):
                try:
                    sock.sendall(f"X-Slow-{line}: still typing\r\n".encode())
                except OSError:
                    cut += 1
                    sock.close()
                    opened[index] = open_one()
    finally:
        for sock in opened:
            sock.close()
    return cut


def reader(host, port, path, stop, limit=100_000):
    latencies, failures = [], []
    while not stop.is_set() and len(latencies) < limit:
        started = time.monotonic()
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)
        except OSError as error:
            failures.append(repr(error))
        finally:
            connection.close()
        latencies.append((time.monotonic() - started) * 1000)
        time.sleep(0.01)
    return latencies, failures


def run(url, seconds=60, connections=50, interval=5):
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("slow_clients: loopback only")
    host, port = parts.hostname, parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    stop = threading.Event()
    result = {}
    attack = threading.Thread(
        target=lambda: result.update(
            cut=slow_clients(host, port, "/?slow-client", stop, connections, interval)
        )
    )
    attack.start()
    time.sleep(0.5)  # every slow connection is open before the reader starts
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    try:
        latencies, failures = reader(host, port, path, stop)
    finally:
        stop.set()
        timer.cancel()
        attack.join(timeout=interval + 10)
    latencies.sort()

    def percentile(p):
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))], 1)

    return {
        "seconds": seconds,
        "slow_connections": connections,
        "line_every_s": interval,
        "slow_connections_cut_by_server": result.get("cut", 0),
        "requests": len(latencies),
        "answered_pct": round(100 * (len(latencies) - len(failures)) / max(1, len(latencies)), 2),
        "failures": failures[:10],
        "p50_ms": percentile(50),
        "p99_ms": percentile(99),
        "max_ms": round(latencies[-1], 1),
        "under_100ms_pct": round(100 * sum(ms < 100 for ms in latencies) / max(1, len(latencies)), 2),
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--interval", type=float, default=5)
    args = parser.parse_args()
    print("SLOW_CLIENTS_JSON " + json.dumps(run(args.url, args.seconds, args.connections, args.interval)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
