#!/usr/bin/python3
"""A real WebSocket peer for the proxy's interop tests (Debian's python3-websockets).

    ws_peer.py server PORT
        An echo server on 127.0.0.1:PORT: every message (text or binary, whole or fragmented) comes
        back as it was; pings are answered by the library. Messages up to 32 MiB.

    ws_peer.py many URL N
        Opens N connections to URL at once, sends one text message on each and reads its echo,
        prints {"open": N, "echoed": E}, then waits for a line on stdin before closing them all
        (close handshake, code 1000) and prints {"closed": C}: the caller looks at the proxy while
        the N tunnels are open.

    ws_peer.py client URL [CONNECTIONS]
        Connects to URL (through the proxy) and runs the scenarios below, on CONNECTIONS connections
        at once (default 1), each connection all of them; prints one JSON line: what it checked, and
        "ok": true if every check passed.
        - text messages, small and 1 MiB, and non-ASCII text;
        - binary messages from 0 bytes to 16 MiB;
        - a message sent in 8 fragments, received whole;
        - a ping, answered by a pong;
        - the close handshake with code 1000 and a reason, echoed by the server.
"""
import asyncio
import json
import os
import sys
import time

import websockets

MAX = 32 * 1024 * 1024


async def echo(ws, path=None):
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass


def raise_fd_limit(wanted):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, wanted), hard))


async def serve(port):
    raise_fd_limit(8192)
    async with websockets.serve(echo, "127.0.0.1", port, max_size=MAX, max_queue=4):
        await asyncio.Future()


async def one_connection(url, index):
    checks = {}
    async with websockets.connect(url, max_size=MAX, open_timeout=10, close_timeout=10) as ws:
        for text in ["hello", "x" * (1 << 20), "h\u00e9llo w\u00f6rld \u2603 \U0001f600"]:
            await ws.send(text)
            got = await asyncio.wait_for(ws.recv(), 30)
            checks.setdefault("text", True)
            checks["text"] = checks["text"] and got == text
        for size in [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20]:
            data = os.urandom(size)
            await ws.send(data)
            got = await asyncio.wait_for(ws.recv(), 60)
            checks.setdefault("binary", True)
            checks["binary"] = checks["binary"] and got == data
        fragments = [os.urandom(1000 + i) for i in range(8)]
        await ws.send(fragments)
        got = await asyncio.wait_for(ws.recv(), 30)
        checks["fragmented"] = got == b"".join(fragments)
        started = time.monotonic()
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
        checks["ping_ms"] = round((time.monotonic() - started) * 1000, 2)
        await ws.close(code=1000, reason="done %d" % index)
        checks["close_code"] = ws.close_code
        checks["close_reason"] = ws.close_reason
    return checks


async def client(url, connections):
    started = time.monotonic()
    results = await asyncio.gather(*(one_connection(url, i) for i in range(connections)), return_exceptions=True)
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    oks = [r for r in results if not isinstance(r, BaseException)]
    ok = not errors and all(r["text"] and r["binary"] and r["fragmented"] and r["close_code"] == 1000
                            and r["close_reason"].startswith("done") for r in oks)
    print(json.dumps({"ok": ok, "connections": connections, "errors": errors[:3],
                      "first": oks[0] if oks else None, "seconds": round(time.monotonic() - started, 2)}))


async def many(url, n):
    raise_fd_limit(n + 256)
    conns = await asyncio.gather(*(websockets.connect(url, open_timeout=60, close_timeout=30) for _ in range(n)))

    async def hello(i, ws):
        await ws.send("hello %d" % i)
        return await asyncio.wait_for(ws.recv(), 60) == "hello %d" % i

    echoed = await asyncio.gather(*(hello(i, ws) for i, ws in enumerate(conns)))
    print(json.dumps({"open": len(conns), "echoed": sum(echoed)}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await asyncio.gather(*(ws.close(code=1000) for ws in conns))
    print(json.dumps({"closed": sum(1 for ws in conns if ws.close_code == 1000)}), flush=True)


def main():
    if sys.argv[1] == "many":
        asyncio.run(many(sys.argv[2], int(sys.argv[3])))
    elif sys.argv[1] == "server":
        asyncio.run(serve(int(sys.argv[2])))
    else:
        asyncio.run(client(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1))


if __name__ == "__main__":
    main()
