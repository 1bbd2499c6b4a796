import { createHash } from 'node:crypto';

/**
 * Qdrant point ids must be unsigned integers or UUIDs
 * (https://qdrant.tech/documentation/concepts/points/#point-ids), while our ids are readable
 * strings (`user:1/ab12…#c3`). A name-based UUID (RFC 9562 §5.5, version 5: SHA-1 of namespace +
 * name) maps each one to a stable point id, so re-upserting a chunk overwrites it instead of
 * duplicating it, and a parent can be fetched by id without a payload index.
 */
const NAMESPACE = Buffer.from('6f1d3b0e8c2a4f5e9a7b1c3d5e7f9a0b', 'hex');

export function uuidV5(name: string, namespace: Uint8Array = NAMESPACE): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Point id of a child chunk or parent (both kinds live in separate collections). */
export function pointId(id: string): string {
  return uuidV5(id);
}
