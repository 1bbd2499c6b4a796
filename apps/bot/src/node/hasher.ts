/** sha256 for upload dedupe (the domain's Hasher port), over node:crypto. */
import { createHash } from 'node:crypto';
import type { Hasher } from '@docrag/domain';

export const nodeHasher: Hasher = {
  sha256: async (bytes) => createHash('sha256').update(bytes).digest('hex'),
};
