/** One tokenised input: word-piece ids and segment (token type) ids, same length. */
export interface Encoded {
  readonly ids: readonly number[];
  readonly typeIds: readonly number[];
}

/** A padded batch in the three int64 tensors a BERT graph takes, `[batch, sequence]`. */
export interface PaddedBatch {
  readonly batch: number;
  readonly sequence: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
  /** Real (unpadded) length of each row. */
  readonly lengths: readonly number[];
}

/**
 * Right-pads encodings to the longest one (pad id 0, mask 0, type 0, as BERT tokenizers pad).
 * The padded cost is batch x longest, which is why the batcher sorts by length first.
 */
export function padBatch(encodings: readonly Encoded[], padId = 0): PaddedBatch {
  const batch = encodings.length;
  const sequence = Math.max(1, ...encodings.map((e) => e.ids.length));
  const inputIds = new BigInt64Array(batch * sequence).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(batch * sequence);
  const tokenTypeIds = new BigInt64Array(batch * sequence);
  encodings.forEach((e, row) => {
    const base = row * sequence;
    for (let i = 0; i < e.ids.length; i++) {
      inputIds[base + i] = BigInt(e.ids[i] ?? padId);
      attentionMask[base + i] = 1n;
      tokenTypeIds[base + i] = BigInt(e.typeIds[i] ?? 0);
    }
  });
  return { batch, sequence, inputIds, attentionMask, tokenTypeIds, lengths: encodings.map((e) => e.ids.length) };
}
