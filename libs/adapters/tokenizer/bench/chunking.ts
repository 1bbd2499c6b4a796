/**
 * Chunking throughput with the real MiniLM tokenizer: a synthetic ~300-page book (about 150k
 * words), chunked into 1200-token parents and 384/64 children. Prints one JSON line.
 *
 *   npx nx run tokenizer:bench
 */
import { chunkDocument, FileId, OwnerId } from '@docrag/domain';
import type { DocumentBlock } from '@docrag/domain';
import { performance } from 'node:perf_hooks';
import { createTokenizerTokenCounter, DEFAULT_TOKENIZER_DIR } from '../src/hf-token-counter';

const WORDS = (
  'the of and retrieval document chunk embedding transformer tokenization photosynthesis mitochondria a in is on was ' +
  'river mountain zebra quantum eigenvalue café naïve über 2024 3.14 management regulation infrastructure vector'
).split(' ');

let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

function book(pages: number): DocumentBlock[] {
  const blocks: DocumentBlock[] = [];
  for (let page = 1; page <= pages; page++) {
    if (page % 20 === 1) blocks.push({ kind: 'heading', level: 1, text: `Chapter ${Math.ceil(page / 20)}`, page });
    if (page % 5 === 1) blocks.push({ kind: 'heading', level: 2, text: `Section ${page}`, page });
    for (let p = 0; p < 4; p++) {
      const words = Array.from({ length: 125 }, () => WORDS[Math.floor(random() * WORDS.length)]);
      blocks.push({ kind: 'paragraph', text: `${words.join(' ')}.`, page });
    }
  }
  return blocks;
}

const pages = Number(process.env['BENCH_PAGES'] ?? 300);
const counter = createTokenizerTokenCounter(DEFAULT_TOKENIZER_DIR);
const blocks = book(pages);
const words = blocks.reduce((n, b) => n + b.text.split(' ').length, 0);
const owner = OwnerId.user(1);
const opts = { tokenCounter: counter, fileId: FileId.of(owner, 'ab'.repeat(32)), ownerId: owner, fileName: 'book.pdf' };

chunkDocument({ format: 'pdf', blocks: book(10) }, opts); // warm-up (JIT, tokenizer caches)
const heapBefore = process.memoryUsage().heapUsed;
const start = performance.now();
const { parents, children } = chunkDocument({ format: 'pdf', blocks, pageCount: pages }, opts);
const ms = performance.now() - start;
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
console.log(
  JSON.stringify({
    pages,
    words,
    parents: parents.length,
    children: children.length,
    ms: Math.round(ms),
    pagesPerSecond: Math.round((pages / ms) * 1000),
    childrenPerSecond: Math.round((children.length / ms) * 1000),
    heapGrowthMb: Math.round(heapMb * 10) / 10,
  }),
);
