/**
 * A sparse vector: term ids (uint32, strictly ascending, unique) and their weights.
 * IDF is not baked in: stores apply it at query time (as Qdrant's `modifier: idf` does), so a
 * document's vector never changes when the corpus grows.
 */
export interface SparseVector {
  readonly indices: readonly number[];
  readonly values: readonly number[];
}

/** What an embedder returns for one text. `dense` is absent when no dense model is loaded. */
export interface Embedding {
  readonly dense?: readonly number[];
  readonly sparse: SparseVector;
}
