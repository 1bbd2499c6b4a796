import { XMLParser } from 'fast-xml-parser';
import { decodeEntities } from './html-entities';

/** A block found in (X)HTML: a heading with its level, or a paragraph. */
export type HtmlBlock =
  | { readonly kind: 'heading'; readonly level: number; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string; readonly preformatted?: boolean };

type XmlNode = Record<string, unknown>;

const SKIP = new Set(['head', 'script', 'style', 'template', 'noscript', 'svg', 'math', 'object', 'iframe']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'center', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hgroup', 'hr', 'html', 'li', 'main', 'nav', 'ol', 'p',
  'section', 'summary', 'table', 'tbody', 'thead', 'tfoot', 'ul',
]);
const HEADING = /^h([1-6])$/;
const BACK_LINK = /\s*[↩↑]\uFE0E?\s*$/u;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: true,
  removeNSPrefix: true,
  // Entities are decoded by us (decodeEntities knows the HTML set; the parser only the XML five).
  processEntities: false,
  trimValues: false,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  unpairedTags: ['br', 'hr', 'img', 'meta', 'link', 'input', 'col', 'wbr', 'area', 'base', 'source'],
});

/**
 * Turns XHTML (mammoth's DOCX output, EPUB chapters) into headings and paragraphs. Tables become
 * one paragraph per row with cells joined by ` | `, so a row stays one retrievable fact.
 */
export function htmlToBlocks(markup: string): HtmlBlock[] {
  return treeToBlocks(parser.parse(markup) as XmlNode[]);
}

/**
 * Last-resort extraction for markup too broken for the XML parser (EPUB chapters in the wild
 * are not always well-formed): tags stripped, block ends become paragraph breaks.
 */
export function looseHtmlToBlocks(markup: string): HtmlBlock[] {
  const text = markup
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<\/(p|div|li|h[1-6]|tr|section|blockquote)\s*>/gi, '\n\n')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, ' ');
  return decodeEntities(text)
    .split(/\n\s*\n/)
    .filter((p) => p.trim())
    .map((p) => ({ kind: 'paragraph' as const, text: p }));
}

function treeToBlocks(tree: XmlNode[]): HtmlBlock[] {
  const out: HtmlBlock[] = [];
  let inline = '';
  const flush = (): void => {
    // Footnotes end with a back-link arrow (pandoc "↩︎", mammoth "↑"): navigation, not text.
    const text = inline.replace(BACK_LINK, '');
    if (text.trim()) out.push({ kind: 'paragraph', text });
    inline = '';
  };

  const walk = (nodes: readonly XmlNode[]): void => {
    for (const node of nodes) {
      const tag = tagOf(node);
      if (tag === undefined) {
        const text = node['#text'];
        if (text !== undefined) inline += decodeEntities(String(text));
        continue;
      }
      const name = tag.toLowerCase();
      const children = (node[tag] as XmlNode[] | undefined) ?? [];
      if (SKIP.has(name)) continue;
      const heading = HEADING.exec(name);
      if (heading) {
        flush();
        const text = textOf(children);
        if (text.trim()) out.push({ kind: 'heading', level: Number(heading[1]), text });
        continue;
      }
      if (name === 'pre') {
        flush();
        const text = textOf(children, true);
        if (text.trim()) out.push({ kind: 'paragraph', text, preformatted: true });
        continue;
      }
      if (name === 'tr') {
        flush();
        const cells = children
          .map((c) => ({ cellTag: tagOf(c) ?? '', c }))
          .filter(({ cellTag }) => /^(td|th)$/i.test(cellTag))
          .map(({ cellTag, c }) => textOf((c[cellTag] as XmlNode[] | undefined) ?? []).replace(/\s+/g, ' ').trim());
        const row = cells.filter(Boolean).join(' | ');
        if (row) out.push({ kind: 'paragraph', text: row });
        continue;
      }
      if (name === 'br') {
        inline += '\n';
        continue;
      }
      if (name === 'img') continue;
      // A footnote marker (`runny<sup>1</sup>`, EPUB `<a epub:type="noteref">1</a>`) must not
      // fuse with the word it follows.
      if (name === 'sup' || (name === 'a' && isNoteRef(node[':@']))) inline += ' ';
      if (BLOCK.has(name)) {
        flush();
        walk(children);
        flush();
        continue;
      }
      walk(children);
    }
  };
  walk(tree);
  flush();
  return out;
}

/** EPUB 3 `epub:type="noteref"`, DPUB-ARIA `role="doc-noteref"`, pandoc/mammoth classes. */
function isNoteRef(attributes: unknown): boolean {
  if (!attributes || typeof attributes !== 'object') return false;
  const a = attributes as Record<string, unknown>;
  return a['type'] === 'noteref' || a['role'] === 'doc-noteref' || /\b(footnote-ref|noteref)\b/.test(String(a['class'] ?? ''));
}

function tagOf(node: XmlNode): string | undefined {
  for (const key of Object.keys(node)) if (key !== ':@' && key !== '#text') return key;
  return undefined;
}

function textOf(nodes: readonly XmlNode[], keepBreaks = false): string {
  let text = '';
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === undefined) {
      if (node['#text'] !== undefined) text += decodeEntities(String(node['#text']));
      continue;
    }
    const name = tag.toLowerCase();
    if (SKIP.has(name)) continue;
    if (name === 'br') {
      text += '\n';
      continue;
    }
    const inner = textOf((node[tag] as XmlNode[] | undefined) ?? [], keepBreaks);
    text += BLOCK.has(name) && !keepBreaks ? ` ${inner} ` : inner;
  }
  return text;
}
