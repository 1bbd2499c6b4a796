import type { EmbedKind, Embedder, EmbedderInfo, Embedding, SparseVector } from '@docrag/domain';
import { fnv1a, sleep, throwIfAborted, words } from './text';

export interface FakeEmbedderOptions {
  /** Dense dimension; 0 = sparse only (like the bot with no ml-api). Default 32. */
  readonly dimension?: number;
  /** Delay per `embed` call, to test timeouts and cancellation. */
  readonly delayMs?: number;
  /** Every call rejects with this error (set `failWith` later to start failing). */
  failWith?: Error;
}

/**
 * Term-frequency sparse vector over hashed words: the same shape BM25 produces (ids ascending,
 * unique), so stores see realistic input. Exported for fixtures that need vectors without an embedder.
 */
export function hashedSparse(text: string): SparseVector {
  const counts = new Map<number, number>();
  for (const word of words(text)) {
    const id = fnv1a(word);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const indices = [...counts.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => counts.get(i)!) };
}

/** Signed feature hashing of words into `dimension` buckets, L2-normalised (zero vector for no words). */
export function hashedDense(text: string, dimension: number): number[] {
  const vector = new Array<number>(dimension).fill(0);
  for (const word of words(text)) {
    const h = fnv1a(word);
    vector[h % dimension]! += (h >>> 31) === 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((v) => v / norm);
}

/**
 * Deterministic embedder: texts sharing words get similar dense and sparse vectors, with no model.
 * Records every call in `calls`.
 */
export class FakeEmbedder implements Embedder {
  readonly calls: { texts: readonly string[]; kind: EmbedKind }[] = [];
  readonly dimension: number;
  failWith: Error | undefined;
  private readonly delayMs: number;

  constructor(options: FakeEmbedderOptions = {}) {
    this.dimension = options.dimension ?? 32;
    this.delayMs = options.delayMs ?? 0;
    this.failWith = options.failWith;
  }

  async describe(signal?: AbortSignal): Promise<EmbedderInfo> {
    throwIfAborted(signal);
    return this.dimension > 0
      ? { denseModel: 'fake-hash-dense', dimension: this.dimension, sparseModel: 'fake-tf-v1' }
      : { sparseModel: 'fake-tf-v1' };
  }

  async embed(texts: readonly string[], options: { kind: EmbedKind; signal?: AbortSignal }): Promise<Embedding[]> {
    throwIfAborted(options.signal);
    this.calls.push({ texts: [...texts], kind: options.kind });
    if (this.delayMs > 0) await sleep(this.delayMs, options.signal);
    if (this.failWith) throw this.failWith;
    return texts.map((text) =>
      this.dimension > 0
        ? { dense: hashedDense(text, this.dimension), sparse: hashedSparse(text) }
        : { sparse: hashedSparse(text) },
    );
  }

  /** Number of texts embedded so far with the given kind. */
  embeddedCount(kind?: EmbedKind): number {
    return this.calls.filter((c) => kind === undefined || c.kind === kind).reduce((n, c) => n + c.texts.length, 0);
  }
}
