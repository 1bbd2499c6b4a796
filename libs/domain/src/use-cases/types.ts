import type { Answer, Source } from '../model/answer';
import type { FileRecord, UploadedFile } from '../model/document';
import type { FileId, OwnerId } from '../model/ids';

// ---- ingestion ------------------------------------------------------------------------------

export type IngestStage = 'parsing' | 'chunking' | 'embedding' | 'storing' | 'done';

/** Reported as ingestion advances; `done`/`total` count chunks where the stage has them. */
export interface IngestProgress {
  readonly stage: IngestStage;
  readonly done?: number;
  readonly total?: number;
}

export type IngestResult =
  | { readonly status: 'indexed'; readonly file: FileRecord }
  | { readonly status: 'duplicate'; readonly file: FileRecord };

export interface IngestOptions {
  readonly onProgress?: (progress: IngestProgress) => void;
  readonly signal?: AbortSignal;
}

/** Parses, chunks, embeds and stores one upload; throws `RagError` and leaves nothing behind on failure. */
export type IngestDocument = (file: UploadedFile, options?: IngestOptions) => Promise<IngestResult>;

// ---- answering ------------------------------------------------------------------------------

/** Stages timed by the answer use case (names match the `stage` label of the latency metric). */
export type AnswerStage = 'condense' | 'embed' | 'search' | 'rerank' | 'llm_ttft' | 'llm_total';

export type AnswerEvent =
  /** Sources are final before the first delta, so `[Source N]` numbering never changes mid-stream. */
  | { readonly type: 'retrieved'; readonly sources: readonly Source[]; readonly rerankSkipped: boolean; readonly retrievalQuery: string }
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'done'; readonly answer: Answer };

export interface AnswerInput {
  readonly ownerId: OwnerId;
  /** Key of the conversation history (the chat, or chat + user in groups). */
  readonly chatKey: string;
  readonly question: string;
  /** BCP-47 language the answer should be written in (e.g. the user's Telegram language). */
  readonly language?: string;
  readonly fileIds?: readonly FileId[];
  readonly signal?: AbortSignal;
}

export type AnswerQuestion = (input: AnswerInput) => AsyncIterable<AnswerEvent>;
