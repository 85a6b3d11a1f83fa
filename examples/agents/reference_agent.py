"""Warden's reference agent: what an agent looks like when Warden runs and governs it.

It serves A2A JSON-RPC (``message/send``, ``message/stream``, and A2A 1.0's ``SendMessage``) on
``POST /``, plain JSON on ``POST /invoke``, ``GET /healthz`` (reports the descriptor revision it runs)
and ``POST /warden/configure`` (Warden's configuration, for agents it does not launch). It talks to
Warden only through the official SDKs:

* model calls with the official OpenAI Python SDK at Warden's model gateway (``OPENAI_BASE_URL``,
  ``OPENAI_API_KEY`` = the agent's scoped token; per request the ``Warden-Agent-Token`` header);
* tool calls with the official MCP Python client at Warden's MCP gateway (``WARDEN_MCP_URL``);
* its spans with the OpenTelemetry SDK over OTLP/HTTP to Warden's trace store
  (``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME``), joined to
  the caller's trace through the W3C ``traceparent`` Warden passes on.

A request's text decides what it does: ``tool:<name> {json arguments}`` calls an MCP tool; anything
else is sent to the model as the user's message and the model's answer comes back. Plain JSON takes
``{"input": "..."}`` (or ``{"tool": name, "arguments": {...}}``) and answers ``{"output": "..."}``.

It exits when its standard input reaches end-of-file: Warden's process executor holds that pipe, so
the agent ends with Warden even when Warden is killed with SIGKILL.

Run by hand:  PORT=9000 OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=<token> \\
    .tools/agents-venv/bin/python examples/agents/reference_agent.py
"""
import asyncio
import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry import propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

AGENT = os.environ.get("WARDEN_AGENT", "reference-agent")
CONFIG = {
    "revision": os.environ.get("WARDEN_REVISION"),
    "model_gateway_url": os.environ.get("OPENAI_BASE_URL"),
    "mcp_url": os.environ.get("WARDEN_MCP_URL"),
    "token": os.environ.get("OPENAI_API_KEY"),
    "model": os.environ.get("WARDEN_MODEL", "gpt-4o"),
}
LOCK = threading.Lock()
TRACING = {"provider": None}


def setup_tracing(endpoint=None, token=None):
    """OTLP/HTTP export: from the environment (process executor) or from the configure call."""
    with LOCK:
        if TRACING["provider"] is not None:
            return
        endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or endpoint
        if not endpoint:
            return
        kwargs = {}
        if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            kwargs = {"endpoint": endpoint.rstrip("/") + "/v1/traces", "headers": {"Authorization": "Bearer " + token}}
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", AGENT)})
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(**kwargs), schedule_delay_millis=200))
        trace.set_tracer_provider(provider)
        TRACING["provider"] = provider


def tracer():
    return trace.get_tracer("warden.reference_agent")


def ask_model(text, token):
    """One chat completion through Warden's model gateway, in the current trace."""
    import openai  # imported on first use: the SDKs take seconds to import on a busy machine
    client = openai.OpenAI(base_url=CONFIG["model_gateway_url"], api_key=token or CONFIG["token"], max_retries=0)
    headers = {}
    propagate.inject(headers)
    with tracer().start_as_current_span("chat " + CONFIG["model"]) as span:
        span.set_attribute("gen_ai.operation.name", "chat")
        span.set_attribute("gen_ai.request.model", CONFIG["model"])
        answer = client.chat.completions.create(
            model=CONFIG["model"], messages=[{"role": "user", "content": text}], extra_headers=headers)
        span.set_attribute("gen_ai.response.model", answer.model)
        if answer.usage is not None:
            span.set_attribute("gen_ai.usage.input_tokens", answer.usage.prompt_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", answer.usage.completion_tokens)
        return answer.choices[0].message.content or ""


def call_tool(name, arguments, token):
    """One MCP tools/call through Warden's MCP gateway with the official MCP client."""
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": "Bearer " + (token or CONFIG["token"] or "")}
    propagate.inject(headers)

    async def run():
        async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=300.0)) as http:
            async with streamable_http_client(CONFIG["mcp_url"], http_client=http) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    result = await session.call_tool(name, arguments)
                    texts = [c.text for c in result.content if getattr(c, "text", None) is not None]
                    failed = getattr(result, "is_error", getattr(result, "isError", False))
                    return ("error: " if failed else "") + "\n".join(texts)

    with tracer().start_as_current_span("execute_tool " + name) as span:
        span.set_attribute("gen_ai.operation.name", "execute_tool")
        span.set_attribute("gen_ai.tool.name", name)
        return asyncio.run(run())


def act(text, token):
    if text.startswith("tool:"):
        name, _, args = text[len("tool:"):].partition(" ")
        return call_tool(name.strip(), json.loads(args) if args.strip() else {}, token)
    return ask_model(text, token)


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
            self.answer(200, {"status": "ok", "agent": AGENT, "revision": CONFIG["revision"]})
        else:
            self.answer(404, {"error": "not found: " + self.path})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError as e:
            self.answer(400, {"error": "the body is not JSON: %s" % e})
            return
        if self.path == "/warden/configure":
            CONFIG.update({k: body[k] for k in ("revision", "model_gateway_url", "mcp_url", "token") if k in body})
            if body.get("model", {}).get("name"):
                CONFIG["model"] = body["model"]["name"]
            setup_tracing(body.get("otlp_endpoint"), body.get("token"))
            self.answer(200, {"ok": True, "revision": CONFIG["revision"]})
            return
        token = self.headers.get("Warden-Agent-Token")
        context = propagate.extract(dict(self.headers.items()))
        with tracer().start_as_current_span("invoke_agent " + AGENT, context=context,
                                            kind=trace.SpanKind.SERVER) as span:
            span.set_attribute("gen_ai.operation.name", "invoke_agent")
            span.set_attribute("gen_ai.agent.name", AGENT)
            if self.headers.get("Warden-Session"):
                span.set_attribute("session.id", self.headers.get("Warden-Session"))
            try:
                if self.path == "/invoke":
                    self.plain(body, token)
                elif self.path == "/":
                    self.a2a(body, token)
                else:
                    self.answer(404, {"error": "not found: " + self.path})
            except Exception as e:  # the caller gets the failure; the span records it
                while isinstance(e, BaseExceptionGroup) and e.exceptions:  # anyio task groups wrap failures
                    e = e.exceptions[0]
                span.record_exception(e)
                span.set_status(trace.StatusCode.ERROR, str(e))
                if self.path == "/":
                    self.answer(200, {"jsonrpc": "2.0", "id": body.get("id"),
                                      "error": {"code": -32603, "message": "%s: %s" % (type(e).__name__, e)}})
                else:
                    self.answer(502, {"error": "%s: %s" % (type(e).__name__, e)})

    def plain(self, body, token):
        if "tool" in body:
            output = call_tool(body["tool"], body.get("arguments", {}), token)
        else:
            output = act(str(body.get("input", "")), token)
        self.answer(200, {"output": output, "revision": CONFIG["revision"]})

    def a2a(self, body, token):
        method = body.get("method")
        if method not in ("message/send", "message/stream", "SendMessage", "SendStreamingMessage"):
            self.answer(200, {"jsonrpc": "2.0", "id": body.get("id"),
                              "error": {"code": -32601, "message": "method not found: %s" % method}})
            return
        message = body.get("params", {}).get("message", {})
        text = "".join(p.get("text", "") for p in message.get("parts", []))
        v1 = method in ("SendMessage", "SendStreamingMessage")
        reply = {"role": "ROLE_AGENT" if v1 else "agent", "messageId": str(uuid.uuid4()),
                 "parts": [{"text": act(text, token)} if v1 else {"kind": "text", "text": act(text, token)}]}
        if not v1:
            reply["kind"] = "message"
        result = {"message": reply} if v1 else reply
        if method in ("message/stream", "SendStreamingMessage"):
            event = json.dumps({"jsonrpc": "2.0", "id": body.get("id"), "result": result})
            self.answer(200, ("data: " + event + "\n\n").encode(), "text/event-stream")
        else:
            self.answer(200, {"jsonrpc": "2.0", "id": body.get("id"), "result": result})


def exit_with_warden(server):
    sys.stdin.read()  # end-of-file: Warden is gone
    threading.Thread(target=server.shutdown, daemon=True).start()


def main():
    setup_tracing()
    port = int(os.environ.get("PORT", "9000"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    if os.environ.get("WARDEN_AGENT") and not sys.stdin.isatty():
        threading.Thread(target=exit_with_warden, args=(server,), daemon=True).start()
    print("reference agent %s listening on 127.0.0.1:%d at revision %s" % (AGENT, port, CONFIG["revision"]), flush=True)
    try:
        server.serve_forever()
    finally:
        if TRACING["provider"] is not None:
            TRACING["provider"].shutdown()


if __name__ == "__main__":
    main()
