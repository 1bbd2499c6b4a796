/**
 * Term ids for sparse vectors. A term id must be identical in every process, on every machine and
 * in both stores (SQLite and Qdrant), for as long as an index lives: a document indexed today is
 * queried with a vector built tomorrow. So the id is a pure function of the term's UTF-8 bytes.
 *
 * FNV-1a (32-bit) is used because it is tiny, dependency-free and well studied for short keys
 * (Fowler/Noll/Vo, http://www.isthe.com/chongo/tech/comp/fnv/). With a vocabulary of ~10^5 stems
 * the birthday bound gives ~1 expected collision per 86k terms pairs; colliding terms simply share a
 * dimension (their weights are summed), which costs a little precision and never correctness.
 */

const encoder = new TextEncoder();

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of the UTF-8 bytes of `term`, as an unsigned integer. */
export function termId(term: string): number {
  const bytes = encoder.encode(term);
  let hash = FNV_OFFSET_BASIS;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}
