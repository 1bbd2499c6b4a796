import type { Embedder, EmbedderInfo, EmbedKind, Embedding } from '@docrag/domain';
import { RagError } from '@docrag/domain';
import { embedResponseSchema, healthResponseSchema, MAX_TEXTS_PER_REQUEST } from '@docrag/ml-protocol';
import type { HealthResponse } from '@docrag/ml-protocol';
import { MlApiHttp } from './ml-api-http';
import type { MlApiClientOptions } from './ml-api-http';
import { backoffDelayMs, sleep } from './retry';

export interface MlApiEmbedderOptions extends MlApiClientOptions {
  /** Texts per `/embed` request; capped at the protocol limit (128). Default 128. */
  readonly batchSize?: number;
  /**
   * Batches in flight at once for one `embed` call (default 2). The ml-api
   * batches dynamically across callers, so more only queues there.
   */
  readonly concurrency?: number;
  /** How long `describe()` waits for an ml-api that is still loading its models (default 60 s). */
  readonly readyTimeoutMs?: number;
}

/**
 * The Embedder port over the ml-api's `POST /embed`. Splits large inputs into protocol-sized
 * batches, keeps input order, and validates every answer with the shared zod schemas.
 *
 * @example
 * const embedder = new MlApiEmbedder({ baseUrl: 'http://127.0.0.1:8000' });
 * const [query] = await embedder.embed(['what is rrf?'], { kind: 'query' });
 */
export class MlApiEmbedder implements Embedder {
  private readonly http: MlApiHttp;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly readyTimeoutMs: number;

  constructor(options: MlApiEmbedderOptions) {
    this.http = new MlApiHttp(options);
    this.batchSize = Math.min(options.batchSize ?? MAX_TEXTS_PER_REQUEST, MAX_TEXTS_PER_REQUEST);
    this.concurrency = options.concurrency ?? 2;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    if (!(this.batchSize >= 1)) throw new RagError({ code: 'invalid_input', reason: `embed batch size must be >= 1, got ${options.batchSize}` });
    if (!(this.concurrency >= 1)) throw new RagError({ code: 'invalid_input', reason: `ml-api client concurrency must be >= 1, got ${options.concurrency}` });
  }

  /** Reads `/health/ready`; waits (with back-off) while the server reports `loading`. */
  async describe(signal?: AbortSignal): Promise<EmbedderInfo> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      // 503 carries the same body while loading: read it rather than treat it as an error.
      const health: HealthResponse = await this.http.get('/health/ready', healthResponseSchema, signal, [503]);
      if (health.status === 'ready') {
        return {
          ...(health.models.embed ? { denseModel: health.models.embed.name } : {}),
          ...(health.dimension !== null && health.capabilities.dense ? { dimension: health.dimension } : {}),
          sparseModel: health.models.sparse,
        };
      }
      if (Date.now() >= deadline) {
        throw new RagError({ code: 'dependency_unavailable', dependency: 'ml-api' }, { message: `ml-api still loading after ${this.readyTimeoutMs} ms` });
      }
      try {
        await sleep(Math.min(backoffDelayMs(attempt), Math.max(0, deadline - Date.now())), signal);
      } catch {
        throw new RagError({ code: 'cancelled' });
      }
    }
  }

  async embed(texts: readonly string[], options: { kind: EmbedKind; signal?: AbortSignal }): Promise<Embedding[]> {
    if (texts.length === 0) return [];
    const empty = texts.findIndex((t) => t.trim().length === 0);
    if (empty >= 0) throw new RagError({ code: 'invalid_input', reason: `text ${empty} to embed is empty` });

    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) batches.push(texts.slice(i, i + this.batchSize));
    const results: Embedding[][] = new Array(batches.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const index = next++;
        const batch = batches[index];
        if (batch) results[index] = await this.embedBatch(batch, options.kind, options.signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    return results.flat();
  }

  private async embedBatch(texts: readonly string[], kind: EmbedKind, signal?: AbortSignal): Promise<Embedding[]> {
    const response = await this.http.post('/embed', { texts, is_query: kind === 'query' }, embedResponseSchema, 'dense', signal);
    if (response.embeddings.length !== texts.length) {
      throw new RagError(
        { code: 'dependency_unavailable', dependency: 'ml-api' },
        { message: `ml-api returned ${response.embeddings.length} embeddings for ${texts.length} texts` },
      );
    }
    return response.embeddings.map((e) => (e.dense ? { dense: e.dense, sparse: e.sparse } : { sparse: e.sparse }));
  }
}
