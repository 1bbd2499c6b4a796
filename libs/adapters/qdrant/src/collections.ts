import { RagError } from '@docrag/domain';
import { FIELD } from './payload';
import type { AliasAction, QdrantApi, SnapshotInfo } from './qdrant-api';

/** The two collections the store reads and writes: children (searched) and parents (context). */
export interface CollectionNames {
  readonly chunks: string;
  readonly parents: string;
}

/**
 * Distributed-mode settings applied when a collection is created (they cannot change later
 * without a reindex). Env: `QDRANT_SHARDS`, `QDRANT_REPLICATION_FACTOR`,
 * `QDRANT_WRITE_CONSISTENCY_FACTOR`, `QDRANT_ON_DISK_PAYLOAD`.
 */
export interface CollectionSettings {
  readonly shardNumber?: number;
  readonly replicationFactor?: number;
  readonly writeConsistencyFactor?: number;
  readonly onDiskPayload?: boolean;
}

/** The stable names the application uses: aliases `chunks` and `parents` (with an optional prefix). */
export function aliasNames(prefix = ''): CollectionNames {
  return { chunks: `${prefix}chunks`, parents: `${prefix}parents` };
}

/** The physical collections of one index version: `chunks_v2`, `parents_v2`. */
export function versionedNames(version: number, prefix = ''): CollectionNames {
  if (!Number.isInteger(version) || version < 1) throw new RangeError(`collection version must be a positive integer, got ${version}`);
  return { chunks: `${prefix}chunks_v${version}`, parents: `${prefix}parents_v${version}` };
}

/** The version number of a physical collection name, or undefined when it is not one of ours. */
export function versionOf(collection: string, kind: keyof CollectionNames, prefix = ''): number | undefined {
  const m = new RegExp(`^${escapeRegExp(prefix)}${kind}_v(\\d+)$`).exec(collection);
  return m ? Number(m[1]) : undefined;
}

export interface IndexStatus {
  /** Version the aliases point to (undefined before the first bootstrap). */
  readonly current?: number;
  /** Every version with both collections present, ascending. */
  readonly versions: readonly number[];
  readonly aliases: Partial<Record<keyof CollectionNames, string>>;
}

/**
 * Versioned collections behind aliases. The application always reads and writes the aliases
 * `chunks`/`parents`; a reindex builds `chunks_v{n+1}`/`parents_v{n+1}` next to the live ones and
 * `swapTo(n+1)` repoints both aliases in ONE `update_aliases` request, which Qdrant applies
 * atomically (https://qdrant.tech/documentation/concepts/collections/#collection-aliases), so
 * readers never see a half-built index. Rollback is the same swap back to the older version,
 * which is kept until it is dropped explicitly.
 */
export class QdrantCollections {
  readonly aliases: CollectionNames;

  constructor(
    private readonly api: QdrantApi,
    private readonly options: { prefix?: string; settings?: CollectionSettings } = {},
  ) {
    this.aliases = aliasNames(options.prefix);
  }

  names(version: number): CollectionNames {
    return versionedNames(version, this.options.prefix);
  }

  async status(signal?: AbortSignal): Promise<IndexStatus> {
    const [aliases, collections] = await Promise.all([this.api.listAliases(signal), this.api.listCollections(signal)]);
    const target = (alias: string): string | undefined => aliases.find((a) => a.alias === alias)?.collection;
    const chunksTarget = target(this.aliases.chunks);
    const parentsTarget = target(this.aliases.parents);
    const prefix = this.options.prefix ?? '';
    const chunkVersions = new Set(collections.map((c) => versionOf(c, 'chunks', prefix)).filter((v): v is number => v !== undefined));
    const versions = collections
      .map((c) => versionOf(c, 'parents', prefix))
      .filter((v): v is number => v !== undefined && chunkVersions.has(v))
      .sort((a, b) => a - b);
    const current = chunksTarget ? versionOf(chunksTarget, 'chunks', prefix) : undefined;
    return {
      ...(current === undefined ? {} : { current }),
      versions,
      aliases: { ...(chunksTarget ? { chunks: chunksTarget } : {}), ...(parentsTarget ? { parents: parentsTarget } : {}) },
    };
  }

  /**
   * Creates both collections of a version with their payload indexes. Idempotent: existing
   * collections are left as they are (checked for a matching dense size).
   */
  async createVersion(version: number, options: { dimension?: number }, signal?: AbortSignal): Promise<CollectionNames> {
    const names = this.names(version);
    await this.ensureCollection(names.chunks, { denseSize: options.dimension, sparse: true }, signal);
    await this.ensureCollection(names.parents, { sparse: false }, signal);
    return names;
  }

  /** Creates the collections if needed (used directly when a store writes a named version). */
  async ensureCollection(name: string, spec: { denseSize?: number; sparse: boolean }, signal?: AbortSignal): Promise<void> {
    if (await this.api.collectionExists(name, signal)) {
      if (spec.sparse) await this.checkDimension(name, spec.denseSize, signal);
    } else {
      const settings = this.options.settings ?? {};
      await this.api.createCollection(
        name,
        {
          sparse: spec.sparse,
          ...(spec.denseSize ? { denseSize: spec.denseSize } : {}),
          ...(settings.shardNumber ? { shardNumber: settings.shardNumber } : {}),
          ...(settings.replicationFactor ? { replicationFactor: settings.replicationFactor } : {}),
          ...(settings.writeConsistencyFactor ? { writeConsistencyFactor: settings.writeConsistencyFactor } : {}),
          ...(settings.onDiskPayload === undefined ? {} : { onDiskPayload: settings.onDiskPayload }),
        },
        signal,
      );
    }
    // Index creation is idempotent in Qdrant; repeating it heals a bootstrap interrupted between
    // "collection created" and "indexes created". owner_id is the tenant key: Qdrant co-locates
    // each tenant's points (https://qdrant.tech/documentation/guides/multiple-partitions/).
    await this.api.createKeywordIndex(name, FIELD.ownerId, { isTenant: true }, signal);
    await this.api.createKeywordIndex(name, FIELD.fileId, {}, signal);
  }

  /**
   * First start: creates version 1 and points the aliases at it. Later starts: checks that the
   * live collections fit the embedder (a dense size mismatch needs a reindex, not a crash loop).
   */
  async ensureCurrent(options: { dimension?: number; initialVersion?: number }, signal?: AbortSignal): Promise<CollectionNames> {
    const status = await this.status(signal);
    if (status.aliases.chunks && status.aliases.parents) {
      await this.checkDimension(status.aliases.chunks, options.dimension, signal);
      return { chunks: status.aliases.chunks, parents: status.aliases.parents };
    }
    const version = options.initialVersion ?? 1;
    const names = await this.createVersion(version, options, signal);
    await this.swapTo(version, signal);
    return names;
  }

  /** Points both aliases at `version` in one atomic request. */
  async swapTo(version: number, signal?: AbortSignal): Promise<void> {
    const names = this.names(version);
    for (const name of [names.chunks, names.parents]) {
      if (!(await this.api.collectionExists(name, signal))) {
        throw new RagError({ code: 'invalid_input', reason: `cannot swap to version ${version}: collection ${name} does not exist` });
      }
    }
    const existing = new Set((await this.api.listAliases(signal)).map((a) => a.alias));
    const actions: AliasAction[] = [];
    for (const kind of ['chunks', 'parents'] as const) {
      if (existing.has(this.aliases[kind])) actions.push({ delete_alias: { alias_name: this.aliases[kind] } });
      actions.push({ create_alias: { collection_name: names[kind], alias_name: this.aliases[kind] } });
    }
    await this.api.updateAliases(actions, signal);
  }

  /** Swaps back to the newest version older than the current one. Returns that version. */
  async rollback(signal?: AbortSignal): Promise<number> {
    const status = await this.status(signal);
    if (status.current === undefined) throw new RagError({ code: 'invalid_input', reason: 'no aliases to roll back: the index was never bootstrapped' });
    const previous = status.versions.filter((v) => v < (status.current ?? 0)).at(-1);
    if (previous === undefined) throw new RagError({ code: 'invalid_input', reason: `no version older than ${status.current} to roll back to` });
    await this.swapTo(previous, signal);
    return previous;
  }

  /** Drops an old version. Refuses the live one. */
  async dropVersion(version: number, signal?: AbortSignal): Promise<void> {
    const status = await this.status(signal);
    if (status.current === version) throw new RagError({ code: 'invalid_input', reason: `version ${version} is live; swap away before dropping it` });
    const names = this.names(version);
    for (const name of [names.chunks, names.parents]) {
      if (await this.api.collectionExists(name, signal)) await this.api.deleteCollection(name, signal);
    }
  }

  /** Creates a snapshot of both live collections (what the aliases point to). */
  async snapshot(signal?: AbortSignal): Promise<SnapshotInfo[]> {
    const status = await this.status(signal);
    const targets = [status.aliases.chunks ?? this.aliases.chunks, status.aliases.parents ?? this.aliases.parents];
    const out: SnapshotInfo[] = [];
    for (const name of targets) out.push(await this.api.createSnapshot(name, signal));
    return out;
  }

  private async checkDimension(collection: string, dimension: number | undefined, signal?: AbortSignal): Promise<void> {
    if (dimension === undefined) return; // sparse-only use of any collection is fine
    const description = await this.api.describeCollection(collection, signal);
    if (description.denseSize !== dimension) {
      throw new RagError({
        code: 'invalid_input',
        reason:
          description.denseSize === undefined
            ? `qdrant collection ${collection} is sparse-only but the embedder has ${dimension} dimensions; reindex into a new version`
            : `qdrant collection ${collection} has ${description.denseSize} dense dimensions but the embedder has ${dimension}; reindex into a new version`,
      });
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
