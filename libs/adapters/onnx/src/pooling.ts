/**
 * Sentence pooling over `last_hidden_state`, then L2 normalisation, as sentence-transformers does
 * for all-MiniLM-L6-v2 (mean over the attention mask). Sums run in float64 and each row only
 * reads its own unpadded positions, so a row's vector does not depend on the padding of the batch
 * it ran in.
 */

export type Pooling = 'mean' | 'cls';

/**
 * @param hidden row-major `[batch, sequence, dim]` float32.
 * @param lengths real length of each row (attention mask is 1 for the first `length` positions).
 * @returns one L2-normalised vector per row, as float32 values.
 */
export function poolAndNormalize(
  hidden: Float32Array,
  dims: readonly number[],
  lengths: readonly number[],
  pooling: Pooling,
): number[][] {
  const [batch = 0, sequence = 0, dim = 0] = dims;
  if (dims.length !== 3 || hidden.length !== batch * sequence * dim) {
    throw new Error(`last_hidden_state has shape [${dims.join(', ')}] and ${hidden.length} values; expected [batch, sequence, dim]`);
  }
  if (lengths.length !== batch) throw new Error(`got ${lengths.length} lengths for a batch of ${batch}`);
  const out: number[][] = [];
  for (let row = 0; row < batch; row++) {
    const length = Math.min(lengths[row] ?? 0, sequence);
    const acc = new Float64Array(dim);
    const rowBase = row * sequence * dim;
    const positions = pooling === 'cls' ? Math.min(1, length) : length;
    for (let t = 0; t < positions; t++) {
      const base = rowBase + t * dim;
      for (let d = 0; d < dim; d++) acc[d] = (acc[d] ?? 0) + (hidden[base + d] ?? 0);
    }
    if (positions > 0) for (let d = 0; d < dim; d++) acc[d] = (acc[d] ?? 0) / positions;
    out.push(l2Normalize(acc));
  }
  return out;
}

/** Scales to unit length (float32 results); a zero vector stays zero instead of becoming NaN. */
export function l2Normalize(vector: ArrayLike<number>): number[] {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i] ?? 0;
    sum += v * v;
  }
  // sentence-transformers' Normalize uses F.normalize with eps=1e-12.
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  return Array.from(vector, (v) => Math.fround(v / norm));
}
