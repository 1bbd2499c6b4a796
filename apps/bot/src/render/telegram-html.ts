/**
 * LLM Markdown -> Telegram HTML (the Bot API's HTML parse mode:
 * https://core.telegram.org/bots/api#html-style). HTML rather than MarkdownV2 because MarkdownV2
 * needs 18 characters escaped everywhere and one missed escape rejects the whole message; with HTML
 * only `<`, `>` and `&` need escaping, and we emit every tag ourselves.
 *
 * The output is well-formed by construction: text is escaped before any tag is inserted, bold and
 * italic spans never cross (italic content may not contain a tag), and unmatched markers stay
 * literal. Telegram can still refuse (e.g. an odd URL); callers then resend the plain text.
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

// Placeholders use U+E000/U+E001 (Unicode private use), which never occur in model output.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

/** Inline Markdown (code, links, bold, italic, strikethrough) of one line. */
export function renderInline(line: string, allowLinks = true): string {
  const stash: string[] = [];
  const keep = (html: string) => `${OPEN}${stash.push(html) - 1}${CLOSE}`;
  let s = line.replace(/[\uE000\uE001]/g, '');
  s = s.replace(/`([^`\n]+)`/g, (_m, code: string) => keep(`<code>${escapeHtml(code)}</code>`));
  if (allowLinks) {
    s = s.replace(/\[([^\]\n]+)\]\(((?:https?|tg):\/\/[^\s)]+)\)/g, (_m, label: string, url: string) =>
      keep(`<a href="${escapeAttr(url)}">${renderInline(label, false)}</a>`),
    );
  }
  s = escapeHtml(s);
  s = s.replace(/\*\*(?=\S)([^\n]+?)(?<=\S)\*\*/g, '<b>$1</b>');
  s = s.replace(/(^|[^\p{L}\p{N}_])__(?=\S)([^\n]+?)(?<=\S)__(?![\p{L}\p{N}_])/gu, '$1<b>$2</b>');
  s = s.replace(/~~(?=\S)([^~\n]+?)(?<=\S)~~/g, '<s>$1</s>');
  s = s.replace(/(^|[^*\p{L}\p{N}])\*(?=[^\s*])([^*<>\n]+?)(?<=[^\s*])\*(?![*\p{L}\p{N}])/gu, '$1<i>$2</i>');
  s = s.replace(/(^|[^_\p{L}\p{N}])_(?=[^\s_])([^_<>\n]+?)(?<=[^\s_])_(?![_\p{L}\p{N}])/gu, '$1<i>$2</i>');
  return s.replace(PLACEHOLDER, (_m, i: string) => stash[Number(i)] ?? '');
}

/** Block Markdown (fences, headings, lists, quotes) -> Telegram HTML. */
export function markdownToTelegramHtml(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let fence: { lang: string; body: string[] } | undefined;
  for (const line of lines) {
    const fenceMatch = /^\s*```\s*([\w+#.-]*)\s*$/.exec(line);
    if (fence) {
      if (fenceMatch && !fenceMatch[1]) {
        out.push(codeBlock(fence.lang, fence.body));
        fence = undefined;
      } else {
        fence.body.push(line);
      }
      continue;
    }
    if (fenceMatch) {
      fence = { lang: fenceMatch[1] ?? '', body: [] };
      continue;
    }
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      out.push(`<b>${renderInline(heading[1] ?? '')}</b>`);
      continue;
    }
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    if (bullet) {
      out.push(`${bullet[1] ?? ''}• ${renderInline(bullet[2] ?? '')}`);
      continue;
    }
    const quote = /^\s*>\s?(.*)$/.exec(line);
    if (quote) {
      out.push(`<blockquote>${renderInline(quote[1] ?? '')}</blockquote>`);
      continue;
    }
    out.push(renderInline(line));
  }
  // An unclosed fence (a streamed answer cut mid-block) is still shown as code.
  if (fence) out.push(codeBlock(fence.lang, fence.body));
  return out.join('\n');
}

function codeBlock(lang: string, body: readonly string[]): string {
  const cls = lang ? ` class="language-${escapeAttr(lang)}"` : '';
  return `<pre><code${cls}>${escapeHtml(body.join('\n'))}</code></pre>`;
}

/**
 * What the user would see from the Markdown, as plain text: the fallback when Telegram rejects
 * our entities ("can't parse entities"), so the words still arrive.
 */
export function markdownToPlainText(markdown: string): string {
  return markdown
    .replace(/^\s*```[\w+#.-]*\s*$/gm, '')
    .replace(/^(\s*)[-*+]\s+/gm, '$1• ')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '');
}

/** Visible length of Telegram HTML (what the 4096-character limit counts). */
export function visibleLength(html: string): number {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&(lt|gt|amp|quot);/g, '_').length;
}
