"""A tiny agent runtime for the executor contract tests (standard library only).

Serves on $PORT (or argv[1]): GET /healthz -> {"status": "ok", "revision": ...}; GET /healthz-stale
-> revision "stale"; POST /warden/configure takes Warden's configuration (its revision); POST /
speaks A2A JSON-RPC (message/send, message/stream, SendMessage); POST /invoke plain JSON. What the
request asks decides what it does: "sleep:<seconds>", "crash" (exits with status 3 mid-request),
anything else is echoed with the headers Warden sent. A message/stream of "gate:<file>" sends its first
event at once (chunked) and the rest only once <file> exists (the test's gate); "break" sends the
first event and drops the connection mid-stream. Exits when its stdin reaches end-of-file
(Warden gone), like the reference agent.
"""
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"revision": os.environ.get("WARDEN_REVISION"), "configured": None}
PASSED = ("traceparent", "tracestate", "baggage", "warden-session", "warden-tenant", "idempotency-key",
          "warden-agent", "warden-agent-token")


SHOWN = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "WARDEN_MCP_URL", "OTEL_EXPORTER_OTLP_ENDPOINT",
         "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME", "WARDEN_AGENT", "WARDEN_REVISION", "PORT", "EXTRA")


def act(text):
    if text.startswith("sleep:"):
        time.sleep(float(text.split(":", 1)[1]))
        return "slept"
    if text == "env":
        return json.dumps({"keys": sorted(os.environ),
                           "values": {k: os.environ.get(k) for k in SHOWN if k in os.environ}})
    if text == "crash":
        print("crashing on request", flush=True)
        os._exit(3)
    return "echo: " + text


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            self.answer(200, {"status": "ok", "revision": STATE["revision"]})
        elif self.path == "/healthz-stale":
            self.answer(200, {"status": "ok", "revision": "stale"})
        else:
            self.answer(404, {"error": "no such path"})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        headers = {h: self.headers.get(h) for h in PASSED if self.headers.get(h) is not None}
        if self.path == "/warden/configure":
            STATE["revision"] = body.get("revision")
            STATE["configured"] = body
            self.answer(200, {"ok": True})
        elif self.path == "/invoke":
            self.answer(200, {"text": act(body.get("text", "")), "headers": headers,
                              "revision": STATE["revision"]})
        elif self.path == "/":
            method = body.get("method")
            message = body.get("params", {}).get("message", {})
            text = "".join(p.get("text", "") for p in message.get("parts", []))
            reply = {"kind": "message", "role": "agent", "messageId": "r-" + str(body.get("id")),
                     "parts": [{"kind": "text", "text": act(text)}],
                     "metadata": {"headers": headers, "revision": STATE["revision"], "method": method}}
            if method in ("message/stream", "SendStreamingMessage") and (text.startswith("gate:") or text == "break"):
                self.stream_held(body.get("id"), text, reply)
            elif method in ("message/stream", "SendStreamingMessage"):
                events = [{"kind": "status-update", "status": {"state": "working"}, "final": False}, reply]
                data = "".join("data: " + json.dumps({"jsonrpc": "2.0", "id": body.get("id"), "result": e}) + "\n\n"
                               for e in events).encode()
                self.answer(200, data, "text/event-stream")
            elif method in ("message/send", "SendMessage"):
                self.answer(200, {"jsonrpc": "2.0", "id": body.get("id"), "result": reply})
            else:
                self.answer(200, {"jsonrpc": "2.0", "id": body.get("id"),
                                  "error": {"code": -32601, "message": "method not found: " + str(method)}})
        else:
            self.answer(404, {"error": "no such path"})


    def stream_held(self, rpc_id, text, reply):
        """Streams event by event (chunked): the first now, the last once the gate file exists."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

        def chunk(event):
            data = ("data: " + json.dumps({"jsonrpc": "2.0", "id": rpc_id, "result": event}) + "\n\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        chunk({"kind": "status-update", "status": {"state": "working"}, "final": False})
        if text == "break":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)  # no last chunk: the stream is cut mid-way
            return
        gate = text.split(":", 1)[1]
        deadline = time.monotonic() + 60
        while not os.path.exists(gate) and time.monotonic() < deadline:
            time.sleep(0.02)  # the runtime waiting for the test's gate, not a test wait
        reply["parts"] = [{"kind": "text", "text": "echo: released"}]
        chunk(reply)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def exit_with_warden():
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    port = int(os.environ.get("PORT") or sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=exit_with_warden, daemon=True).start()
    print("test agent started on port %d at revision %s" % (port, STATE["revision"]), flush=True)
    server.serve_forever()
