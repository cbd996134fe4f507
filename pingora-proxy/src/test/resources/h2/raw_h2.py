#!/usr/bin/python3
"""Raw HTTP/2 client for hostile-input tests (tests only).

Usage: raw_h2.py SCENARIO HOST PORT [--tls] [--sni NAME] [--authority A] [--path P]
                 [--count N] [--timeout S]

Speaks h2c with prior knowledge, or TLS with ALPN h2 and no certificate verification (--tls).
"get" and "multi-get" use the python3-h2 state machine (which also checks that the server's frames
are well formed); every other scenario writes its frames by hand with struct, since h2 refuses to
send them, and reads the server's frames with a tolerant reader (struct + hpack).

Prints one JSON line: what the server did.
  responses: {stream id: {status, headers, body_len, ended, trailers if any}}   rst: {stream id: error code name}
  goaway: {code, last_stream_id, debug} or null    closed: the server closed the connection
  settings_acks, ping_acks: acknowledgements received    send_error: a write failed (e.g. reset)
Exits 0 whenever it could report, 2 on a usage error, 3 if it could not connect.
"""

import argparse
import json
import select
import socket
import ssl
import struct
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import hpack

DEFAULT_PATH = "/small.txt"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY_FLAG = 0x1, 0x1, 0x4, 0x8, 0x20
SETTINGS_INITIAL_WINDOW_SIZE = 0x4
ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
          "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
          "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]


def error_name(code):
    return ERRORS[code] if 0 <= code < len(ERRORS) else str(code)


# ---------------------------------------------------------------- frames and HPACK, by hand

def frame(kind, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", kind, flags, stream_id & 0x7FFFFFFF) + payload


def settings(pairs=(), ack=False):
    return frame(SETTINGS, ACK if ack else 0, 0, b"".join(struct.pack(">HI", k, v) for k, v in pairs))


def rst(stream_id, code):
    return frame(RST_STREAM, 0, stream_id, struct.pack(">I", code))


def window_update(stream_id, increment):
    return frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">I", increment))


def hpack_int(value, prefix_bits, first_byte=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte | value])
    out = bytearray([first_byte | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def literal(name, value):
    """One field as 'literal without indexing, new name', no Huffman: the bytes go out as given."""
    name = name.encode("latin-1") if isinstance(name, str) else name
    value = value.encode("latin-1") if isinstance(value, str) else value
    return b"\x00" + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value


def block(fields):
    return b"".join(literal(n, v) for n, v in fields)


# ---------------------------------------------------------------- the raw connection

class Raw:
    """A socket with a hand-written frame writer and a tolerant frame reader that records events."""

    def __init__(self, args, initial_settings=()):
        self.args = args
        self.sock = connect(args)
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 20
        self.buffer = b""
        self.result = new_result(args)
        self.auto_window = True
        self.header_stream, self.header_block, self.header_end_stream = None, b"", False
        # While our own header block is open, nothing else may go out (RFC 9113 section 6.10): ACKs wait.
        self.held = None
        self.send(PREFACE + settings(initial_settings))
        # The server's SETTINGS first, so that no scenario races the handshake.
        self.read_until(lambda: "server_settings" in self.result or self.over())

    def hold(self):
        self.held = b""

    def release(self):
        held, self.held = self.held, None
        if held:
            self.send(held)

    def reply(self, data):
        if self.held is not None:
            self.held += data
        else:
            self.send(data)

    def send(self, data):
        if self.result["send_error"]:
            return False
        try:
            self.sock.sendall(data)
            return True
        except (OSError, ssl.SSLError) as e:
            self.result["send_error"] = type(e).__name__ + ": " + str(e)
            return False

    def headers(self, stream_id, fields, end_stream=True, end_headers=True):
        flags = (END_STREAM if end_stream else 0) | (END_HEADERS if end_headers else 0)
        return self.send(frame(HEADERS, flags, stream_id, block(fields)))

    def request_fields(self, method="GET", path=None, extra=()):
        scheme = "https" if self.args.tls else "http"
        return [(":method", method), (":scheme", scheme), (":authority", authority(self.args)),
                (":path", path or self.args.path)] + list(extra)

    def get(self, stream_id, path=None):
        return self.headers(stream_id, self.request_fields(path=path))

    def response(self, stream_id):
        return self.result["responses"].setdefault(str(stream_id), {"status": None, "headers": [], "body_len": 0,
                                                                    "ended": False})

    def finished(self, stream_id):
        sid = str(stream_id)
        return sid in self.result["rst"] or self.result["responses"].get(sid, {}).get("ended", False)

    def over(self):
        return self.result["goaway"] is not None or self.result["closed"]

    def read_until(self, done, timeout=None):
        """Reads frames until done() holds, the connection is over, or the time is up."""
        end = time.monotonic() + (timeout if timeout is not None else self.args.timeout)
        while not done() and not self.result["closed"]:
            left = end - time.monotonic()
            if left <= 0:
                self.result["timed_out"] = True
                return
            self.receive(left)

    def pump(self):
        """Reads whatever already arrived, without waiting (between the frames of a flood)."""
        while not self.result["closed"] and (
                (isinstance(self.sock, ssl.SSLSocket) and self.sock.pending())
                or select.select([self.sock], [], [], 0)[0]):
            self.receive(1.0)

    def receive(self, timeout):
        """One read of at most timeout seconds; records a closed connection."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        except (OSError, ssl.SSLError) as e:
            self.result["closed"] = True
            self.result["read_error"] = type(e).__name__ + ": " + str(e)
            return
        if not data:
            self.result["closed"] = True
            return
        self.buffer += data
        self.parse()

    def parse(self):
        while len(self.buffer) >= 9:
            length = struct.unpack(">I", b"\x00" + self.buffer[:3])[0]
            if len(self.buffer) < 9 + length:
                return
            kind, flags, stream_id = struct.unpack(">BBI", self.buffer[3:9])
            stream_id &= 0x7FFFFFFF
            payload, self.buffer = self.buffer[9:9 + length], self.buffer[9 + length:]
            self.on_frame(kind, flags, stream_id, payload)

    def on_frame(self, kind, flags, stream_id, payload):
        r = self.result
        r["frames"][str(kind)] = r["frames"].get(str(kind), 0) + 1
        if kind == SETTINGS:
            if flags & ACK:
                r["settings_acks"] += 1
            else:
                r["server_settings"] = {str(k): v for k, v in
                                        (struct.unpack(">HI", payload[i:i + 6]) for i in range(0, len(payload), 6))}
                self.reply(settings(ack=True))
        elif kind == PING:
            if flags & ACK:
                r["ping_acks"] += 1
            else:
                self.reply(frame(PING, ACK, 0, payload))
        elif kind == GOAWAY:
            last, code = struct.unpack(">II", payload[:8])
            r["goaway"] = {"code": error_name(code), "last_stream_id": last & 0x7FFFFFFF,
                           "debug": payload[8:].decode("latin-1")}
        elif kind == RST_STREAM:
            r["rst"][str(stream_id)] = error_name(struct.unpack(">I", payload[:4])[0])
        elif kind in (HEADERS, CONTINUATION):
            if kind == HEADERS:
                payload = strip_padding(flags, payload)
                if flags & PRIORITY_FLAG:
                    payload = payload[5:]
                self.header_stream, self.header_block, self.header_end_stream = stream_id, b"", bool(flags & END_STREAM)
            self.header_block += payload
            if flags & END_HEADERS:
                self.on_headers(self.header_stream, self.decoder.decode(self.header_block, raw=True))
        elif kind == DATA:
            response = self.response(stream_id)
            response["body_len"] += len(strip_padding(flags, payload))
            if flags & END_STREAM:
                response["ended"] = True
            if payload and self.auto_window:
                self.reply(window_update(0, len(payload)) + window_update(stream_id, len(payload)))

    def on_headers(self, stream_id, fields):
        response = self.response(stream_id)
        # A block without :status after the final response head is the trailers.
        final = response["status"] is not None and response["status"] >= 200
        target = response.setdefault("trailers", []) if final else response["headers"]
        for name, value in fields:
            name, value = name.decode("latin-1"), value.decode("latin-1")
            if name == ":status" and not final:
                response["status"] = int(value)
            else:
                target.append([name, value])
        if self.header_end_stream:
            response["ended"] = True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def strip_padding(flags, payload):
    if flags & PADDED and payload:
        pad = payload[0]
        return payload[1:len(payload) - pad]
    return payload


# ---------------------------------------------------------------- connecting and reporting

def authority(args):
    return args.authority or "%s:%d" % (args.host, args.port)


def connect(args):
    sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if not args.tls:
        return sock
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    tls = context.wrap_socket(sock, server_hostname=args.sni or None)
    if tls.selected_alpn_protocol() != "h2":
        raise ConnectionError("ALPN chose %r, not h2" % tls.selected_alpn_protocol())
    return tls


def new_result(args):
    return {"scenario": args.scenario, "target": "%s:%d" % (args.host, args.port), "tls": args.tls,
            "responses": {}, "rst": {}, "goaway": None, "closed": False, "timed_out": False, "send_error": None,
            "settings_acks": 0, "ping_acks": 0, "frames": {}}


# ---------------------------------------------------------------- scenarios with the h2 library

def h2_gets(args, count):
    """count concurrent GETs of --path through python3-h2's state machine, on one connection."""
    sock = connect(args)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="latin-1"))
    conn.initiate_connection()
    result = new_result(args)
    scheme = "https" if args.tls else "http"
    streams = []
    for _ in range(count):
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, [(":method", "GET"), (":scheme", scheme), (":authority", authority(args)),
                                (":path", args.path)], end_stream=True)
        streams.append(sid)
        result["responses"][str(sid)] = {"status": None, "headers": [], "body_len": 0, "ended": False}
    sock.sendall(conn.data_to_send())
    end = time.monotonic() + args.timeout
    while not all(result["responses"][str(s)]["ended"] or str(s) in result["rst"] for s in streams):
        left = end - time.monotonic()
        if left <= 0:
            result["timed_out"] = True
            break
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        if not data:
            result["closed"] = True
            break
        try:
            events = conn.receive_data(data)
        except h2.exceptions.H2Error as e:
            result["h2_error"] = type(e).__name__ + ": " + str(e)
            break
        for event in events:
            response = result["responses"].get(str(getattr(event, "stream_id", 0)))
            if isinstance(event, h2.events.ResponseReceived):
                for name, value in event.headers:
                    if name == ":status":
                        response["status"] = int(value)
                    else:
                        response["headers"].append([name, value])
            elif isinstance(event, h2.events.TrailersReceived):
                response["trailers"] = [[name, value] for name, value in event.headers]
            elif isinstance(event, h2.events.DataReceived):
                response["body_len"] += len(event.data)
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                response["ended"] = True
            elif isinstance(event, h2.events.StreamReset):
                result["rst"][str(event.stream_id)] = error_name(event.error_code)
            elif isinstance(event, h2.events.SettingsAcknowledged):
                result["settings_acks"] += 1
            elif isinstance(event, h2.events.ConnectionTerminated):
                result["goaway"] = {"code": error_name(event.error_code), "last_stream_id": event.last_stream_id,
                                    "debug": (event.additional_data or b"").decode("latin-1")}
        sock.sendall(conn.data_to_send())
        if result["goaway"]:
            break
    sock.close()
    return result


def scenario_get(args):
    return h2_gets(args, 1)


def scenario_multi_get(args):
    return h2_gets(args, args.count)


# ---------------------------------------------------------------- hostile scenarios, frames by hand

def then_get(raw, stream_id):
    """After an attack: a normal GET on stream_id, read until it ends or the connection does."""
    raw.get(stream_id)
    raw.read_until(lambda: raw.finished(stream_id) or raw.over())


def scenario_rapid_reset(args):
    raw = Raw(args)
    burst = b""
    for i in range(args.count):
        sid = 1 + 2 * i
        burst += frame(HEADERS, END_STREAM | END_HEADERS, sid, block(raw.request_fields())) + rst(sid, 8)
    raw.send(burst)
    then_get(raw, 1 + 2 * args.count)
    return raw


def scenario_continuation_flood(args):
    raw = Raw(args)
    raw.hold()
    raw.headers(1, raw.request_fields(), end_stream=True, end_headers=False)
    fragment = literal("x-flood", "a" * 1000)
    sent = 0
    while sent < args.count and not raw.over() and raw.send(frame(CONTINUATION, 0, 1, fragment)):
        sent += 1
        raw.pump()
    raw.result["continuations_sent"] = sent
    raw.read_until(raw.over)
    return raw


def scenario_settings_flood(args):
    raw = Raw(args)
    raw.send(settings([(SETTINGS_INITIAL_WINDOW_SIZE, 65535)]) * args.count)
    raw.read_until(lambda: raw.result["settings_acks"] >= args.count + 1 or raw.over())
    return raw


def scenario_ping_flood(args):
    raw = Raw(args)
    raw.send(b"".join(frame(PING, 0, 0, struct.pack(">Q", i)) for i in range(args.count)))
    raw.read_until(lambda: raw.result["ping_acks"] >= args.count or raw.over())
    return raw


def scenario_empty_data_flood(args):
    raw = Raw(args)
    raw.headers(1, raw.request_fields(method="POST"), end_stream=False)
    raw.send(frame(DATA, 0, 1) * args.count + frame(DATA, END_STREAM, 1))
    raw.read_until(lambda: raw.finished(1) or raw.over())
    return raw


def scenario_zero_window(args):
    """Never opens a window: headers may come, body bytes must not. Watches for --timeout seconds."""
    raw = Raw(args, initial_settings=[(SETTINGS_INITIAL_WINDOW_SIZE, 0)])
    raw.auto_window = False
    raw.get(1)
    raw.read_until(lambda: raw.finished(1) or raw.over())
    return raw


def scenario_stream_reuse(args):
    raw = Raw(args)
    raw.get(1)
    raw.read_until(lambda: raw.finished(1) or raw.over())
    raw.result["first"] = dict(raw.response(1))
    raw.result["responses"].pop("1", None)
    raw.get(1)
    raw.read_until(lambda: raw.finished(1) or raw.over())
    return raw


def scenario_stream_regression(args):
    raw = Raw(args)
    raw.get(5)
    raw.read_until(lambda: raw.finished(5) or raw.over())
    raw.get(3)
    raw.read_until(lambda: raw.finished(3) or raw.over())
    if not raw.over():
        then_get(raw, 7)
    return raw


def one_request(fields_of, method="GET", data=None):
    """A scenario of one request whose fields fields_of(raw) builds; optional DATA after it."""
    def run(args):
        raw = Raw(args)
        raw.headers(1, fields_of(raw), end_stream=data is None)
        if data is not None:
            raw.send(frame(DATA, END_STREAM, 1, data))
        raw.read_until(lambda: raw.finished(1) or raw.over())
        # A server that refuses the request ends the stream; this shows whether the connection still works.
        if not raw.over():
            then_get(raw, 3)
        return raw
    return run


def fields(method="GET", extra=(), drop=(), before=()):
    def build(raw):
        own = [f for f in raw.request_fields(method=method) if f[0] not in drop]
        return list(before) + own + list(extra)
    return build


def scenario_grpc_unary(args):
    """One gRPC unary call by hand (--path is the method, --message the request): shows on the wire whether
    the answer came as headers, messages and trailers, or trailers-only (grpc-status in the only block)."""
    raw = Raw(args)
    message = args.message.encode("utf-8")
    path = args.path if args.path != DEFAULT_PATH else "/test.Echo/Unary"
    raw.headers(1, raw.request_fields(method="POST", path=path) + [("content-type", "application/grpc"),
                                                                   ("te", "trailers")], end_stream=False)
    raw.send(frame(DATA, END_STREAM, 1, struct.pack(">BI", 0, len(message)) + message))
    raw.read_until(lambda: raw.finished(1) or raw.over())
    return raw


SCENARIOS = {
    "grpc-unary": scenario_grpc_unary,
    "get": scenario_get,
    "multi-get": scenario_multi_get,
    "rapid-reset": scenario_rapid_reset,
    "continuation-flood": scenario_continuation_flood,
    "settings-flood": scenario_settings_flood,
    "ping-flood": scenario_ping_flood,
    "empty-data-flood": scenario_empty_data_flood,
    "zero-window": scenario_zero_window,
    "stream-reuse": scenario_stream_reuse,
    "stream-regression": scenario_stream_regression,
    "duplicate-path": one_request(fields(extra=[(":path", "/other")])),
    "unknown-pseudo": one_request(fields(extra=[(":foo", "bar")])),
    "pseudo-after-regular": one_request(fields(drop=[":path"], extra=[("x-a", "1"), (":path", "/")])),
    "missing-method": one_request(fields(drop=[":method"])),
    "uppercase-header": one_request(fields(extra=[("X-Upper", "1")])),
    "connection-header": one_request(fields(extra=[("connection", "keep-alive")])),
    "te-not-trailers": one_request(fields(extra=[("te", "gzip")])),
    "cr-in-value": one_request(fields(extra=[("x-bad", "a\rb")])),
    "lf-in-value": one_request(fields(extra=[("x-bad", "a\nb")])),
    "crlf-in-value": one_request(fields(extra=[("x-bad", "a\r\nx-injected: 1")])),
    "nul-in-value": one_request(fields(extra=[("x-bad", "a\x00b")])),
    "content-length-short": one_request(fields(method="POST", extra=[("content-length", "10")]), data=b"12345"),
    "content-length-long": one_request(fields(method="POST", extra=[("content-length", "2")]), data=b"12345"),
    "transfer-encoding": one_request(fields(method="POST", extra=[("transfer-encoding", "chunked")]),
                                     data=b"5\r\nhello\r\n0\r\n\r\n"),
}


def main():
    parser = argparse.ArgumentParser(description="raw HTTP/2 scenarios; prints one JSON line")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--tls", action="store_true", help="TLS with ALPN h2, certificate not verified")
    parser.add_argument("--sni", help="server name to send in TLS (default: none)")
    parser.add_argument("--authority", help=":authority (default host:port)")
    parser.add_argument("--path", default=DEFAULT_PATH, help="path the requests ask for (default /small.txt)")
    parser.add_argument("--message", default="hello", help="grpc-unary: the request message (default hello)")
    parser.add_argument("--count", type=int, default=1000, help="frames or streams in a flood (default 1000)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the server (default 5)")
    args = parser.parse_args()
    started = time.monotonic()
    try:
        outcome = SCENARIOS[args.scenario](args)
    except (OSError, ConnectionError) as e:
        print(json.dumps({"scenario": args.scenario, "connect_error": type(e).__name__ + ": " + str(e)}))
        return 3
    result = outcome.result if isinstance(outcome, Raw) else outcome
    if isinstance(outcome, Raw):
        outcome.close()
    result["elapsed_ms"] = int((time.monotonic() - started) * 1000)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
