/**
 * Parse time per format on generated documents of realistic size (`npx nx run parsers:bench`).
 * Prints one line per format: input size, blocks produced, median and p95 over the runs, MB/s.
 */
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import iconv from 'iconv-lite';
import { createDocumentParsers } from '../src/index';
import { buildDoc } from '../test/fixtures/ole-builder';
import { buildPdf } from '../test/fixtures/pdf-builder';
import { buildDocx, buildEpub } from '../test/fixtures/zip-builders';

const SENTENCE = 'The committee reviewed the quarterly figures and agreed to extend the pilot programme to three more regions';
const runs = Number(process.env['BENCH_RUNS'] ?? 7);

function line(i: number): string {
  return `${SENTENCE} (item ${i}).`;
}

const inputs: Array<[string, string, Uint8Array]> = [
  ['pdf', '100 pages x 45 lines', buildPdf(Array.from({ length: 100 }, (_, p) => ({ lines: [{ text: `Section ${p + 1}`, size: 16 }, ...Array.from({ length: 45 }, (_, i) => ({ text: line(i).slice(0, 95), gapBefore: i % 6 === 0 ? 8 : 0 }))] })))],
  ['docx', '2000 paragraphs, 100 headings', buildDocx(Array.from({ length: 2100 }, (_, i) => (i % 21 === 0 ? { text: `Heading ${i}`, style: 'Heading1' } : { text: line(i) })))],
  ['doc', '2000 paragraphs', buildDoc(Array.from({ length: 2000 }, (_, i) => line(i)))],
  ['epub', '50 chapters x 40 paragraphs', buildEpub(Array.from({ length: 50 }, (_, c) => ({ id: `c${c}`, title: `Chapter ${c + 1}`, body: Array.from({ length: 40 }, (_, i) => `<p>${line(i)}</p>`).join('') })))],
  ['markdown', '~1 MB', new TextEncoder().encode(Array.from({ length: 9000 }, (_, i) => (i % 30 === 0 ? `## Part ${i}\n\n` : `${line(i)}\n\n`)).join(''))],
  ['text (cp1251)', '~1 MB', new Uint8Array(iconv.encode(Array.from({ length: 9000 }, (_, i) => `Комитет рассмотрел квартальные показатели и продлил пилотный проект, пункт ${i}.\n\n`).join(''), 'windows-1251'))],
];

const parsers = createDocumentParsers({ limits: { maxFileBytes: 50 * 1024 * 1024 } });
console.log(`parsers bench: ${runs} runs each, node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}`);
console.log('format          input                            size KB  blocks  median ms  p95 ms   MB/s');
for (const [name, shape, bytes] of inputs) {
  const times: number[] = [];
  let blocks = 0;
  for (let r = 0; r < runs + 1; r++) {
    const t0 = performance.now();
    const doc = await parsers.parse(bytes, { fileName: name === 'markdown' ? 'a.md' : undefined });
    const ms = performance.now() - t0;
    if (r > 0) times.push(ms); // first run warms up (pdfjs loads lazily)
    blocks = doc.blocks.length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const p95 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]!;
  console.log(
    `${name.padEnd(15)} ${shape.padEnd(32)} ${(bytes.length / 1024).toFixed(0).padStart(7)}  ${String(blocks).padStart(6)}  ${median.toFixed(1).padStart(9)}  ${p95.toFixed(1).padStart(6)}  ${(bytes.length / 1024 / 1024 / (median / 1000)).toFixed(1).padStart(5)}`,
  );
}
