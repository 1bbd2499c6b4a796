import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** One BEIR corpus document. */
export interface BeirDocument {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

export interface BeirQuery {
  readonly id: string;
  readonly text: string;
}

/** query id -> (document id -> graded relevance). */
export type Qrels = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface BeirDataset {
  readonly dir: string;
  readonly corpus: readonly BeirDocument[];
  /** Only the queries that have judgements in the qrels (BEIR evaluates exactly those). */
  readonly queries: readonly BeirQuery[];
  readonly qrels: Qrels;
}

function readJsonl(file: string): unknown[] {
  const raw = readFileSync(file);
  const text = file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (error) {
        throw new Error(`${file}:${i + 1}: not valid JSON`, { cause: error });
      }
    });
}

function field(record: unknown, name: string, file: string): string {
  const value = (record as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value === undefined && name === 'title') return '';
  throw new Error(`${file}: record without a string "${name}": ${JSON.stringify(record).slice(0, 120)}`);
}

/**
 * Loads a BEIR folder: `corpus.jsonl` or `corpus.jsonl.gz` (`_id`, `title`, `text`),
 * `queries.jsonl` (`_id`, `text`) and `qrels/<split>.tsv` (header `query-id corpus-id score`).
 */
export function loadBeir(dir: string, split = 'test'): BeirDataset {
  const corpusFile = ['corpus.jsonl', 'corpus.jsonl.gz'].map((f) => path.join(dir, f)).find((f) => existsSync(f));
  if (!corpusFile) throw new Error(`no corpus.jsonl or corpus.jsonl.gz in ${dir}`);
  const queriesFile = path.join(dir, 'queries.jsonl');
  const qrelsFile = path.join(dir, 'qrels', `${split}.tsv`);
  for (const file of [queriesFile, qrelsFile]) if (!existsSync(file)) throw new Error(`missing ${file} (BEIR layout expected)`);

  const corpus = readJsonl(corpusFile).map((r) => ({ id: field(r, '_id', corpusFile), title: field(r, 'title', corpusFile), text: field(r, 'text', corpusFile) }));
  const qrels = new Map<string, Map<string, number>>();
  readFileSync(qrelsFile, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const cells = line.trim().split(/\t/);
      if (cells.length < 3 || (i === 0 && !/^\d+(\.\d+)?$/.test(cells[2] ?? ''))) return;
      const [queryId, docId, score] = cells as [string, string, string];
      const grade = Number(score);
      if (!Number.isFinite(grade)) throw new Error(`${qrelsFile}:${i + 1}: score "${score}" is not a number`);
      const judged = qrels.get(queryId) ?? new Map<string, number>();
      judged.set(docId, grade);
      qrels.set(queryId, judged);
    });
  const queries = readJsonl(queriesFile)
    .map((r) => ({ id: field(r, '_id', queriesFile), text: field(r, 'text', queriesFile) }))
    .filter((q) => qrels.has(q.id));
  if (queries.length === 0) throw new Error(`no query in ${queriesFile} has judgements in ${qrelsFile}`);
  return { dir, corpus, queries, qrels };
}
