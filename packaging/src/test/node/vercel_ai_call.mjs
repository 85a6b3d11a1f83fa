// One chat completion made by the real Vercel AI SDK (ai + @ai-sdk/openai) with its OpenTelemetry
// telemetry on (experimental_telemetry), exported over OTLP/HTTP (protobuf) by the OpenTelemetry JS SDK.
// Used by packaging's InstrumentationLibrariesIT; run from .tools/instrumentation-node (installed by
// scripts/install.d/instrumentation.sh --test).
//   node vercel_ai_call.mjs
//   environment: OPENAI_BASE_URL, OPENAI_API_KEY, WARDEN_OTLP_ENDPOINT (no path), WARDEN_OTLP_TOKEN,
//                PROMPT, MODEL
// Prints the answer's text on stdout.
import { createRequire } from 'node:module';
import path from 'node:path';

// Resolve the packages from the directory given (the installed tools), not from this file's directory.
const require = createRequire(path.join(process.env.WARDEN_NODE_MODULES ?? process.cwd(), 'noop.js'));
const { context, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { generateText } = await import(require.resolve('ai'));
const { createOpenAI } = await import(require.resolve('@ai-sdk/openai'));

const endpoint = process.env.WARDEN_OTLP_ENDPOINT.replace(/\/$/, '');
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'instrumented-vercel-ai' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({
    url: endpoint + '/v1/traces',
    headers: { Authorization: 'Bearer ' + process.env.WARDEN_OTLP_TOKEN },
  }))],
});
trace.setGlobalTracerProvider(provider);
// Without a context manager the SDK's doGenerate step would start a trace of its own.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
const result = await generateText({
  model: openai.chat(process.env.MODEL),
  system: 'You answer finance questions.',
  prompt: process.env.PROMPT,
  experimental_telemetry: { isEnabled: true, recordInputs: true, recordOutputs: true, tracer: provider.getTracer('ai') },
});
console.log(result.text);
await provider.forceFlush();
await provider.shutdown();
