import { XMLParser } from 'fast-xml-parser';
import { RagError } from '@docrag/domain';
import type { DocumentParser, ParsedDocument } from '@docrag/domain';
import { asParserError, corruptFile, throwIfAborted } from './errors';
import { htmlToBlocks, looseHtmlToBlocks } from './html-blocks';
import type { HtmlBlock } from './html-blocks';
import { DEFAULT_PARSER_LIMITS } from './limits';
import type { ParserLimits } from './limits';
import { BlockBuilder, finishDocument, normalizeInline } from './normalize';
import { SafeZip } from './zip';

type Xml = Record<string, unknown>;

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
  isArray: (name) => ['item', 'itemref', 'rootfile', 'navPoint', 'li', 'nav', 'ol', 'a', 'title'].includes(name),
});

/**
 * EPUB 2 and 3: the OPF package named by META-INF/container.xml gives the reading order (spine);
 * chapter titles come from the EPUB 3 nav document or the EPUB 2 NCX, else from the chapter's
 * first heading. Each chapter starts with a level-1 heading (its title), and headings inside it
 * move one level down so the chunker's heading path reads "Chapter > Section". DRM-protected
 * books (META-INF/encryption.xml covering content) are reported as encrypted.
 */
export class EpubParser implements DocumentParser {
  readonly format = 'epub' as const;

  constructor(private readonly limits: ParserLimits = DEFAULT_PARSER_LIMITS) {}

  async parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument> {
    throwIfAborted(options?.signal);
    try {
      const zip = new SafeZip(bytes, 'epub', {
        maxEntries: this.limits.maxArchiveEntries,
        maxUncompressedBytes: this.limits.maxArchiveUncompressedBytes,
      });
      const container = zip.readText('META-INF/container.xml');
      if (container === undefined) throw corruptFile('epub', 'META-INF/container.xml is missing');
      const rootfile = asArray(dig(xml.parse(container), 'container', 'rootfiles', 'rootfile'))
        .map((r) => attr(r, 'full-path'))
        .find((p): p is string => !!p);
      if (!rootfile) throw corruptFile('epub', 'container.xml names no package document');
      const opfText = zip.readText(rootfile);
      if (opfText === undefined) throw corruptFile('epub', `package document ${rootfile} is missing`);
      const opf = dig(xml.parse(opfText), 'package') as Xml | undefined;
      if (!opf) throw corruptFile('epub', 'package document has no <package> element');

      const encryption = zip.readText('META-INF/encryption.xml');
      if (encryption && /<(\w+:)?EncryptedData\b/.test(encryption) && !onlyFontsObfuscated(encryption)) {
        throw new RagError({ code: 'encrypted_file', format: 'epub' });
      }

      const base = rootfile.includes('/') ? rootfile.slice(0, rootfile.lastIndexOf('/') + 1) : '';
      const manifest = new Map<string, { href: string; type: string; properties: string }>();
      for (const item of asArray(dig(opf, 'manifest', 'item'))) {
        const id = attr(item, 'id');
        const href = attr(item, 'href');
        if (id && href) manifest.set(id, { href: resolvePath(base, href), type: attr(item, 'media-type') ?? '', properties: attr(item, 'properties') ?? '' });
      }
      const spineNode = dig(opf, 'spine') as Xml | undefined;
      const spine = asArray(dig(opf, 'spine', 'itemref'))
        .filter((ref) => attr(ref, 'linear') !== 'no')
        .map((ref) => manifest.get(attr(ref, 'idref') ?? ''))
        .filter((item): item is { href: string; type: string; properties: string } => item !== undefined);
      if (spine.length === 0) throw corruptFile('epub', 'the spine lists no chapters');

      const titles = new Map<string, string>();
      const nav = [...manifest.values()].find((m) => m.properties.split(/\s+/).includes('nav'));
      if (nav) collectNavTitles(zip.readText(nav.href), nav.href, titles);
      const ncxId = spineNode ? attr(spineNode, 'toc') : undefined;
      const ncx = (ncxId && manifest.get(ncxId)) || [...manifest.values()].find((m) => m.type === 'application/x-dtbncx+xml');
      if (ncx) collectNcxTitles(zip.readText(ncx.href), ncx.href, titles);

      const blocks = new BlockBuilder();
      for (const chapter of spine) {
        throwIfAborted(options?.signal);
        const markup = zip.readText(chapter.href);
        if (markup === undefined) throw corruptFile('epub', `chapter ${chapter.href} is missing`);
        let chapterBlocks: HtmlBlock[];
        try {
          chapterBlocks = htmlToBlocks(markup);
        } catch {
          chapterBlocks = looseHtmlToBlocks(markup);
        }
        if (!chapterBlocks.some((b) => b.text.trim())) continue;
        const firstHeading = chapterBlocks.find((b) => b.kind === 'heading');
        const title = titles.get(chapter.href) ?? firstHeading?.text;
        if (title) blocks.heading(1, title);
        // The heading repeating the chapter title is dropped; the remaining headings keep their
        // relative depth, the outermost becoming level 2 (under the chapter's level 1).
        const titleIndex = title ? chapterBlocks.findIndex((b) => b.kind === 'heading' && normalizeInline(b.text) === normalizeInline(title)) : -1;
        const inner = chapterBlocks.filter((b, i) => b.kind === 'heading' && i !== titleIndex).map((b) => (b.kind === 'heading' ? b.level : 6));
        const offset = title && inner.length ? 2 - Math.min(...inner) : 0;
        for (const [i, block] of chapterBlocks.entries()) {
          if (block.kind === 'heading') {
            if (i === titleIndex) continue;
            blocks.heading(block.level + offset, block.text);
          } else {
            blocks.paragraph(block.text, undefined, { preserveLines: block.preformatted === true });
          }
        }
      }
      const titleNode = dig(opf, 'metadata', 'title');
      const bookTitle = textValue(Array.isArray(titleNode) ? titleNode[0] : titleNode);
      return finishDocument('epub', blocks.toArray(), bookTitle ? { title: bookTitle } : {});
    } catch (error) {
      throw asParserError('epub', error);
    }
  }
}

/** Font obfuscation (IDPF/Adobe) also uses encryption.xml but leaves the text readable. */
function onlyFontsObfuscated(encryption: string): boolean {
  const algorithms = [...encryption.matchAll(/Algorithm="([^"]+)"/g)].map((m) => m[1] ?? '');
  const methods = algorithms.filter((a) => !a.includes('xmldsig'));
  return methods.length > 0 && methods.every((a) => a === 'http://www.idpf.org/2008/embedding' || a === 'http://ns.adobe.com/pdf/enc#RC');
}

function collectNavTitles(text: string | undefined, navHref: string, titles: Map<string, string>): void {
  if (!text) return;
  let doc: unknown;
  try {
    doc = xml.parse(text);
  } catch {
    return;
  }
  const base = navHref.includes('/') ? navHref.slice(0, navHref.lastIndexOf('/') + 1) : '';
  const navs = findAll(doc, 'nav');
  const toc = navs.find((n) => /\btoc\b/.test(attr(n, 'type') ?? '')) ?? navs[0];
  for (const a of findAll(toc, 'a')) {
    const href = attr(a, 'href');
    const label = normalizeInline(deepText(a));
    if (!href || !label) continue;
    const target = resolvePath(base, href.split('#')[0] ?? '');
    if (!titles.has(target)) titles.set(target, label);
  }
}

function collectNcxTitles(text: string | undefined, ncxHref: string, titles: Map<string, string>): void {
  if (!text) return;
  let doc: unknown;
  try {
    doc = xml.parse(text);
  } catch {
    return;
  }
  const base = ncxHref.includes('/') ? ncxHref.slice(0, ncxHref.lastIndexOf('/') + 1) : '';
  for (const point of findAll(doc, 'navPoint')) {
    const src = attr(dig(point, 'content') as Xml, 'src');
    const label = normalizeInline(deepText(dig(point, 'navLabel')));
    if (!src || !label) continue;
    const target = resolvePath(base, src.split('#')[0] ?? '');
    if (!titles.has(target)) titles.set(target, label);
  }
}

/** Resolves an href relative to a folder inside the archive (`../`, `./`, %-escapes). */
export function resolvePath(base: string, href: string): string {
  let decoded = href;
  try {
    decoded = decodeURIComponent(href);
  } catch {
    // keep the raw href
  }
  const parts = (decoded.startsWith('/') ? decoded.slice(1) : base + decoded).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..') out.pop();
    else if (part !== '.' && part !== '') out.push(part);
  }
  return out.join('/');
}

function dig(node: unknown, ...path: string[]): unknown {
  let at: unknown = node;
  for (const key of path) {
    if (Array.isArray(at)) at = at[0];
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Xml)[key];
  }
  return at;
}

function asArray(value: unknown): Xml[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is Xml => typeof v === 'object' && v !== null);
}

function attr(node: Xml | undefined, name: string): string | undefined {
  const value = node?.[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

function textValue(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object' && typeof (node as Xml)['#text'] === 'string') return (node as Xml)['#text'] as string;
  return undefined;
}

/** All text below a node, in document order as far as the object form keeps it. */
function deepText(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(deepText).join(' ');
  if (typeof node === 'object') {
    return Object.entries(node as Xml)
      .filter(([key]) => !key.startsWith('@_'))
      .map(([, value]) => deepText(value))
      .join(' ');
  }
  return '';
}

/** Every element with the given name anywhere below `node`, depth first. */
function findAll(node: unknown, name: string): Xml[] {
  const out: Xml[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value as Xml)) {
      if (key.startsWith('@_')) continue;
      if (key === name) out.push(...asArray(child));
      visit(child);
    }
  };
  visit(node);
  return out;
}

export function createEpubParser(limits?: ParserLimits): DocumentParser {
  return new EpubParser(limits);
}
