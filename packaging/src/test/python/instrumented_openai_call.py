"""One OpenAI chat completion made by the real OpenAI Python SDK under one real, unmodified
instrumentation library, exported over OTLP/HTTP (protobuf) with the OpenTelemetry Python SDK.

Used by packaging's InstrumentationLibrariesIT (run with .tools/instrumentation-venv, installed by
scripts/install.d/instrumentation.sh --test). Each library is configured the way its documentation
says to capture prompts (trace-store/README.md, "Settings that make prompts arrive").

  python instrumented_openai_call.py LIBRARY
    LIBRARY: openinference | openllmetry | openllmetry-legacy | otel-genai-span | otel-genai-event
      (openllmetry-legacy: the same instrumentation, run from the venv with its last version that
      emits the older attribute names)
  environment:
    OPENAI_BASE_URL, OPENAI_API_KEY   the provider (or Warden's model gateway)
    WARDEN_OTLP_ENDPOINT              e.g. http://127.0.0.1:4318 (no path)
    WARDEN_OTLP_TOKEN                 the agent's credential (Bearer)
    PROMPT, MODEL                     what to ask which model
Prints the answer's text on stdout.
"""

import os
import sys


def main() -> int:
    library = sys.argv[1]
    # Prompt capture, per library (set before the instrumentation is imported).
    if library.startswith("otel-genai"):
        os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"
        os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = (
            "SPAN_ONLY" if library == "otel-genai-span" else "EVENT_ONLY")
    elif library.startswith("openllmetry"):
        os.environ["TRACELOOP_TRACE_CONTENT"] = "true"
    elif library == "openinference":
        os.environ["OPENINFERENCE_HIDE_INPUTS"] = "false"
        os.environ["OPENINFERENCE_HIDE_OUTPUTS"] = "false"

    from opentelemetry import trace, _logs
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    endpoint = os.environ["WARDEN_OTLP_ENDPOINT"].rstrip("/")
    headers = {"Authorization": "Bearer " + os.environ["WARDEN_OTLP_TOKEN"]}
    resource = Resource.create({"service.name": "instrumented-" + library})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint + "/v1/traces", headers=headers)))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = None

    if library == "openinference":
        from openinference.instrumentation.openai import OpenAIInstrumentor
        OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
    elif library.startswith("openllmetry"):
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor
        OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
    elif library.startswith("otel-genai"):
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
        logger_provider = LoggerProvider(resource=resource)
        logger_provider.add_log_record_processor(
            BatchLogRecordProcessor(OTLPLogExporter(endpoint=endpoint + "/v1/logs", headers=headers)))
        _logs.set_logger_provider(logger_provider)
        OpenAIInstrumentor().instrument(tracer_provider=tracer_provider, logger_provider=logger_provider)
    else:
        print("unknown library " + library, file=sys.stderr)
        return 2

    import openai
    client = openai.OpenAI()
    answer = client.chat.completions.create(
        model=os.environ["MODEL"],
        messages=[{"role": "system", "content": "You answer finance questions."},
                  {"role": "user", "content": os.environ["PROMPT"]}])
    print(answer.choices[0].message.content)

    tracer_provider.force_flush()
    tracer_provider.shutdown()
    if logger_provider is not None:
        logger_provider.force_flush()
        logger_provider.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
