import type { Clock, FileId, OwnerId } from '@docrag/domain';
import { systemClock } from '@docrag/domain';
import type { SqliteDatabase } from './database';
import { guard } from './errors';

export type IngestionJobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface IngestionJob {
  readonly id: number;
  readonly ownerId: OwnerId;
  readonly fileName: string;
  readonly fileId?: FileId;
  readonly status: IngestionJobStatus;
  readonly error?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface JobRow {
  id: number;
  owner_id: string;
  file_name: string;
  file_id: string | null;
  status: IngestionJobStatus;
  error: string | null;
  created_at: number;
  updated_at: number;
}

function toJob(row: JobRow): IngestionJob {
  return {
    id: row.id,
    ownerId: row.owner_id as OwnerId,
    fileName: row.file_name,
    ...(row.file_id === null ? {} : { fileId: row.file_id as FileId }),
    status: row.status,
    ...(row.error === null ? {} : { error: row.error }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Ingestion jobs (queued -> running -> done | failed). The metrics exporter reads `counts()` for
 * the ingestion backlog gauge; on start the bot marks jobs left `running` by a crash as failed.
 */
export class SqliteIngestionJobs {
  private readonly stmt;

  constructor(
    db: SqliteDatabase,
    private readonly clock: Clock = systemClock,
  ) {
    this.stmt = {
      insert: db.prepare("INSERT INTO ingestion_jobs(owner_id, file_name, status, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?)"),
      setStatus: db.prepare('UPDATE ingestion_jobs SET status = ?, file_id = COALESCE(?, file_id), error = ?, updated_at = ? WHERE id = ?'),
      get: db.prepare<[number], JobRow>('SELECT * FROM ingestion_jobs WHERE id = ?'),
      counts: db.prepare<[], { status: IngestionJobStatus; n: number }>('SELECT status, COUNT(*) AS n FROM ingestion_jobs GROUP BY status'),
      byStatus: db.prepare<[string], JobRow>('SELECT * FROM ingestion_jobs WHERE status = ? ORDER BY id'),
      failRunning: db.prepare("UPDATE ingestion_jobs SET status = 'failed', error = ?, updated_at = ? WHERE status = 'running'"),
      prune: db.prepare("DELETE FROM ingestion_jobs WHERE status IN ('done', 'failed') AND updated_at < ?"),
    };
  }

  /** Records a new job and returns its id. */
  enqueue(ownerId: OwnerId, fileName: string): Promise<number> {
    return guard(undefined, () => {
      const now = this.clock.now();
      return Number(this.stmt.insert.run(ownerId, fileName, now, now).lastInsertRowid);
    });
  }

  start(id: number): Promise<void> {
    return this.set(id, 'running');
  }

  finish(id: number, fileId?: FileId): Promise<void> {
    return this.set(id, 'done', fileId);
  }

  fail(id: number, reason: string): Promise<void> {
    return this.set(id, 'failed', undefined, reason);
  }

  get(id: number): Promise<IngestionJob | undefined> {
    return guard(undefined, () => {
      const row = this.stmt.get.get(id);
      return row && toJob(row);
    });
  }

  list(status: IngestionJobStatus): Promise<IngestionJob[]> {
    return guard(undefined, () => this.stmt.byStatus.all(status).map(toJob));
  }

  /** Jobs per status (every status present, zero when none): the backlog is `queued + running`. */
  counts(): Promise<Record<IngestionJobStatus, number>> {
    return guard(undefined, () => {
      const counts: Record<IngestionJobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const row of this.stmt.counts.all()) counts[row.status] = row.n;
      return counts;
    });
  }

  /** Marks jobs a crashed process left `running` as failed; returns how many. Call once at start. */
  failInterrupted(reason = 'interrupted by a restart'): Promise<number> {
    return guard(undefined, () => this.stmt.failRunning.run(reason, this.clock.now()).changes);
  }

  /** Deletes finished jobs last updated before `olderThan` (epoch ms); returns how many. */
  prune(olderThan: number): Promise<number> {
    return guard(undefined, () => this.stmt.prune.run(olderThan).changes);
  }

  private set(id: number, status: IngestionJobStatus, fileId?: FileId, error?: string): Promise<void> {
    return guard(undefined, () => {
      const changes = this.stmt.setStatus.run(status, fileId ?? null, error ?? null, this.clock.now(), id).changes;
      if (changes === 0) throw new Error(`ingestion job ${id} does not exist`);
    });
  }
}
