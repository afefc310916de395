#!/usr/bin/env python3
"""An OTLP/HTTP receiver for spanlog's tests: decodes every request with the official
OpenTelemetry protobuf definitions (the opentelemetry-proto package), strictly, and writes
each decoded request as one JSON line (ids in hex) to OUT. A request that does not decode is
answered 400 with the reason, and written as {"signal": ..., "error": reason}.

    otlp_receiver.py PORT OUT [--status CODE] [--discard]

PORT 0 picks a free port. Prints "listening PORT" once it accepts connections. --status
answers every request with CODE instead (after decoding it); --discard reads bodies without
decoding or writing them (for throughput measurements; it needs no package then).
"""
import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ID_FIELDS = {"traceId": 16, "spanId": 8, "parentSpanId": 8}


def hex_ids_to_base64(node):
    """OTLP's JSON encoding writes ids as hex, where protobuf's JSON mapping expects base64."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ID_FIELDS and isinstance(value, str):
                raw = bytes.fromhex(value)  # ValueError for anything but hex
                if len(raw) != ID_FIELDS[key]:
                    raise ValueError(f"{key} {value!r} is not {ID_FIELDS[key]} bytes")
                node[key] = base64.b64encode(raw).decode()
            else:
                hex_ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            hex_ids_to_base64(item)


def base64_ids_to_hex(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ID_FIELDS and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                base64_ids_to_hex(value)
    elif isinstance(node, list):
        for item in node:
            base64_ids_to_hex(item)


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    out = None
    status = None
    discard = False

    def log_message(self, *args):
        pass

    def answer(self, code, text=""):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.discard:
            return self.answer(200)
        from google.protobuf import json_format
        from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
        if self.path.endswith("/v1/traces"):
            signal, message = "traces", trace_service_pb2.ExportTraceServiceRequest()
        elif self.path.endswith("/v1/logs"):
            signal, message = "logs", logs_service_pb2.ExportLogsServiceRequest()
        else:
            return self.answer(404, f"no OTLP signal at {self.path}")
        if self.headers.get("Content-Type") != "application/json":
            return self.answer(415, "expected application/json")
        try:
            document = json.loads(body)
            hex_ids_to_base64(document)
            json_format.ParseDict(document, message)  # unknown fields and wrong types raise
            decoded = json_format.MessageToDict(message)
            base64_ids_to_hex(decoded)
            entry = {"signal": signal, "request": decoded}
        except Exception as error:  # the reason goes back to the sender and into OUT
            entry = {"signal": signal, "error": f"{type(error).__name__}: {error}"}
            self.write(entry)
            return self.answer(400, entry["error"])
        self.write(entry)
        self.answer(self.status or 200, "" if not self.status else "answered as told")

    def write(self, entry):
        with self.lock:
            self.out.write(json.dumps(entry) + "\n")
            self.out.flush()


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    if "--status" in sys.argv:
        Receiver.status = int(sys.argv[sys.argv.index("--status") + 1])
    Receiver.discard = "--discard" in sys.argv
    Receiver.out = open(path, "a")
    server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
