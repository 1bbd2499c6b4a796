/**
 * Telegram rejects a message over 4096 characters (Bot API `sendMessage`: "1-4096 characters after
 * entities parsing"). Lengths and entity offsets are in UTF-16 code units
 * (https://core.telegram.org/api/entities#entity-length), which is what JS string indices count, so
 * the split works directly on string indices.
 */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

/** The shape of a Telegram `MessageEntity` that matters for splitting; other fields are kept as-is. */
export interface EntityLike {
  readonly offset: number;
  readonly length: number;
  readonly type: string;
}

export interface MessagePart<E extends EntityLike = EntityLike> {
  readonly text: string;
  /** Entities of this part, offsets relative to the part. */
  readonly entities: E[];
}

export interface SplitOptions<E extends EntityLike> {
  /** Maximum part length in UTF-16 code units (default 4096). */
  readonly limit?: number;
  readonly entities?: readonly E[];
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Preferred cut points, best first: after a blank line, a line break, a sentence end (CJK full
 * stops need no space after them), any whitespace.
 */
const BOUNDARIES: readonly RegExp[] = [/\n[^\S\n]*\n\s*/gu, /\n\s*/gu, /[.!?…。！？]["')\]»”]*\s+|[。！？]/gu, /\s+/gu];

/**
 * Splits `text` into parts of at most `limit` UTF-16 code units, on a paragraph, then a sentence,
 * then a word boundary, and only then anywhere. A cut never falls inside a formatting entity that
 * could fit whole in one part, and never between the two halves of a surrogate pair; an entity
 * longer than the limit is split into one entity per part. (Entities are assumed to nest or be
 * disjoint, as Telegram's are; partially overlapping ones may be cut when no cut can avoid them.) Concatenating the parts gives back
 * `text` exactly (whitespace at a cut stays at the end of the earlier part).
 *
 * @example splitMessage(answer, { entities }).forEach((p) => ctx.reply(p.text, { entities: p.entities }))
 */
export function splitMessage<E extends EntityLike = EntityLike>(text: string, options: SplitOptions<E> = {}): MessagePart<E>[] {
  const limit = options.limit ?? TELEGRAM_MESSAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`limit must be an integer >= 2, got ${limit}`);
  const entities = [...(options.entities ?? [])].filter((e) => e.length > 0);
  for (const e of entities) {
    if (!Number.isInteger(e.offset) || !Number.isInteger(e.length) || e.offset < 0 || e.offset + e.length > text.length) {
      throw new RangeError(`entity ${e.type} at ${e.offset}+${e.length} lies outside the text (length ${text.length})`);
    }
  }
  // Only entities that fit in one part pin the cut; longer ones must be split anyway.
  const pinned = entities.filter((e) => e.length <= limit);

  const cuts: number[] = [];
  let start = 0;
  while (text.length - start > limit) {
    const cut = chooseCut(text, start, start + limit, pinned);
    cuts.push(cut);
    start = cut;
  }

  const parts: MessagePart<E>[] = [];
  let from = 0;
  for (const to of [...cuts, text.length]) {
    parts.push({ text: text.slice(from, to), entities: entitiesWithin(entities, from, to) });
    from = to;
  }
  return parts;
}

/** A cut at `pos` is allowed when it splits no pinned entity and no surrogate pair. */
function allowed(text: string, pos: number, pinned: readonly EntityLike[]): boolean {
  if (isHighSurrogate(text.charCodeAt(pos - 1))) return false;
  return !pinned.some((e) => e.offset < pos && pos < e.offset + e.length);
}

function chooseCut(text: string, start: number, max: number, pinned: readonly EntityLike[]): number {
  const window = text.slice(start, max + 1);
  // A paragraph or sentence cut in the first quarter would waste a message on a tiny part.
  const minSoft = start + Math.floor((max - start) / 4);
  for (const [i, boundary] of BOUNDARIES.entries()) {
    // Any word boundary beats cutting a word, however early it comes.
    const minPos = i === BOUNDARIES.length - 1 ? start : minSoft;
    let best = -1;
    for (const match of window.matchAll(boundary)) {
      const pos = start + match.index + match[0].length;
      if (pos > max) {
        // The separator runs past the limit: cut where it starts if that is still a boundary.
        const at = start + match.index;
        if (at > minPos && at <= max && allowed(text, at, pinned)) best = at;
        continue;
      }
      if (pos > minPos && allowed(text, pos, pinned)) best = pos;
    }
    if (best > start) return best;
  }
  for (let pos = max; pos > start; pos--) if (allowed(text, pos, pinned)) return pos;
  // Unreachable in practice (pinned entities fit in a part, so their start is always a valid cut),
  // but never loop forever: split the surrogate-safe way at the limit.
  return isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
}

function entitiesWithin<E extends EntityLike>(entities: readonly E[], from: number, to: number): E[] {
  const out: E[] = [];
  for (const e of entities) {
    const start = Math.max(e.offset, from);
    const end = Math.min(e.offset + e.length, to);
    if (end > start) out.push({ ...e, offset: start - from, length: end - start });
  }
  return out;
}
