/**
 * eval: retrieval-quality tooling. `nx run eval:scifact` runs a BEIR data set through the product's
 * real ingestion and retrieval paths; the pieces are exported for the gate test and other tools.
 */

// ---- data ----
export { loadBeir } from './beir';
export type { BeirDataset, BeirDocument, BeirQuery, Qrels } from './beir';

// ---- metrics (trec_eval definitions) ----
export { evaluateRuns, mrrAt, ndcgAt, percentile, recallAt } from './metrics';
export type { RetrievalScores } from './metrics';

// ---- the evaluation pipeline ----
export { documentAsMarkdown, evaluateBeir } from './pipeline';
export type { EncoderKind, EvalOptions, EvalReport, StoreKind } from './pipeline';
export { loadTokenCounter } from './token-counter';
