/**
 * What one span costs with the CPU caches warm and after other work has flushed them
 * (`nx run observability:bench-span`).
 *
 * On the question path a span costs 10-30 us while the same span in a tight loop costs about 1 us
 * (docs/performance.md, observability). This isolates the cause: the same span (the attributes of
 * `retrieval docrag`, the real SDK behind a BatchSpanProcessor whose exporter drops the batch) is
 * timed back to back, and again after a pass over a buffer, as the question's own work (SQLite
 * pages, postings, the JS heap) does between two spans.
 *
 * Options (env): BENCH_SPANS (default 3000 per row), BENCH_FLUSH_MB (default 1,8,32,64).
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { cpus } from 'node:os';

const SPANS = Number(process.env['BENCH_SPANS'] ?? 3000);
const FLUSH_MB = (process.env['BENCH_FLUSH_MB'] ?? '1,8,32,64').split(',').map(Number);

const dropping: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined };
const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer('bench');

function oneSpan(): number {
  const started = process.hrtime.bigint();
  const span = tracer.startSpan('retrieval docrag', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'sqlite', 'db.collection.name': 'docrag', 'db.operation.name': 'query', 'docrag.retrieval.mode': 'sparse', 'docrag.retrieval.limit': 30 },
  });
  span.setAttribute('db.response.returned_rows', 30);
  span.end();
  return Number(process.hrtime.bigint() - started) / 1000;
}

/** Reads and writes one double per 64-byte line of `buffer`: a pass of memory traffic. */
function touch(buffer: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < buffer.length; i += 8) sum += ++buffer[i]!;
  return sum;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)]!;

for (let i = 0; i < 20_000; i++) oneSpan();
const warm = Array.from({ length: SPANS }, oneSpan);
console.log(`one span, start + end (node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}), ${SPANS} spans per row, us`);
console.log(`  back to back             median ${median(warm).toFixed(2)}  p90 ${p90(warm).toFixed(2)}`);
let sink = 0;
for (const mb of FLUSH_MB) {
  const buffer = new Float64Array((mb * 1024 * 1024) / 8);
  const cold = Array.from({ length: SPANS }, () => {
    sink += touch(buffer);
    return oneSpan();
  });
  console.log(`  after ${String(mb).padStart(3)} MB of traffic  median ${median(cold).toFixed(2)}  p90 ${p90(cold).toFixed(2)}`);
}
await provider.shutdown();
if (sink < 0) console.log(sink);
