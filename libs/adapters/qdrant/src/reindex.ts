import { RagError } from '@docrag/domain';
import type { Embedder } from '@docrag/domain';
import type { QdrantCollections } from './collections';
import { FIELD } from './payload';
import type { QdrantApi, QdrantPoint } from './qdrant-api';

export interface ReindexOptions {
  /** The embedder of the new index (its `describe()` decides the dense size of the new version). */
  readonly embedder: Embedder;
  /** Version to build (default: one above the newest existing version). */
  readonly toVersion?: number;
  /** Chunks embedded and written per batch (default 64). */
  readonly batchSize?: number;
  /** Swap the aliases to the new version when done (default true). */
  readonly swap?: boolean;
  readonly signal?: AbortSignal;
  /** Progress after each batch. Must not throw. */
  readonly onProgress?: (progress: { stage: 'parents' | 'chunks'; done: number }) => void;
}

export interface ReindexResult {
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly chunks: number;
  readonly parents: number;
  readonly swapped: boolean;
}

/**
 * Rebuilds the live index into a new version with a (possibly different) embedder: parents are
 * copied as they are, every chunk is re-embedded from its stored text and written with the same
 * point id and payload, then both aliases move to the new version in one atomic request. The
 * live version keeps serving until the swap and stays available for `rollback()`. Safe to re-run
 * after a crash: ids are deterministic, so a second run overwrites what the first one wrote.
 */
export async function reindexCollections(api: QdrantApi, collections: QdrantCollections, options: ReindexOptions): Promise<ReindexResult> {
  const status = await collections.status(options.signal);
  if (status.current === undefined || !status.aliases.chunks || !status.aliases.parents) {
    throw new RagError({ code: 'invalid_input', reason: 'nothing to reindex: the aliases do not exist yet' });
  }
  const toVersion = options.toVersion ?? Math.max(status.current, ...status.versions) + 1;
  if (toVersion === status.current) throw new RagError({ code: 'invalid_input', reason: `version ${toVersion} is the live one` });
  const info = await options.embedder.describe(options.signal);
  const target = await collections.createVersion(toVersion, info.dimension === undefined ? {} : { dimension: info.dimension }, options.signal);
  const batchSize = options.batchSize ?? 64;
  const report = (stage: 'parents' | 'chunks', done: number): void => {
    try {
      options.onProgress?.({ stage, done });
    } catch {
      // progress observers never break a reindex
    }
  };

  let parents = 0;
  let offset: string | number | undefined;
  do {
    const page = await api.scroll(status.aliases.parents, { limit: 256, ...(offset === undefined ? {} : { offset }) }, options.signal);
    await api.upsert(target.parents, page.points.map((p) => ({ id: String(p.id), vector: {}, payload: p.payload })), options.signal);
    parents += page.points.length;
    report('parents', parents);
    offset = page.next;
  } while (offset !== undefined);

  let chunks = 0;
  offset = undefined;
  do {
    const page = await api.scroll(status.aliases.chunks, { limit: batchSize, ...(offset === undefined ? {} : { offset }) }, options.signal);
    const texts = page.points.map((p) => String(p.payload[FIELD.text] ?? ''));
    const embeddings = texts.length ? await options.embedder.embed(texts, { kind: 'document', ...(options.signal ? { signal: options.signal } : {}) }) : [];
    const points: QdrantPoint[] = page.points.map((p, i) => {
      const embedding = embeddings[i];
      if (!embedding) throw new RagError({ code: 'invalid_input', reason: 'embedder returned fewer embeddings than texts' });
      return {
        id: String(p.id),
        vector: {
          ...(embedding.dense && info.dimension !== undefined ? { dense: embedding.dense } : {}),
          ...(embedding.sparse.indices.length ? { sparse: embedding.sparse } : {}),
        },
        payload: p.payload,
      };
    });
    await api.upsert(target.chunks, points, options.signal);
    chunks += points.length;
    report('chunks', chunks);
    offset = page.next;
  } while (offset !== undefined);

  const swap = options.swap ?? true;
  if (swap) await collections.swapTo(toVersion, options.signal);
  return { fromVersion: status.current, toVersion, chunks, parents, swapped: swap };
}
