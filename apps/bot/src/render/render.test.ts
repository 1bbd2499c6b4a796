import { describe, expect, it } from 'vitest';
import { makeSource } from '../../test/support/fixtures';
import { formatAnswerParts, formatPreview } from './answer-format';
import { hidePartialMarker, labelSources, renderCitations } from './citations';
import { escapeHtml, markdownToPlainText, markdownToTelegramHtml, visibleLength } from './telegram-html';

describe('markdownToTelegramHtml', () => {
  it('renders bold, italic, code, links, lists and headings as Telegram HTML', () => {
    const md = '# Title\n**bold** and *it* and _also_ and `a<b>` and [site](https://x.y/?a=1&b=2)\n- one\n* two\n```ts\nconst a = 1 < 2;\n```';
    expect(markdownToTelegramHtml(md)).toBe(
      '<b>Title</b>\n<b>bold</b> and <i>it</i> and <i>also</i> and <code>a&lt;b&gt;</code> and <a href="https://x.y/?a=1&amp;b=2">site</a>\n• one\n• two\n<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>',
    );
  });

  it('escapes HTML from the model and leaves unmatched markers literal', () => {
    expect(markdownToTelegramHtml('a <script> & **open')).toBe('a &lt;script&gt; &amp; **open');
    expect(markdownToTelegramHtml('snake_case_name and 2*3*4')).toBe('snake_case_name and 2*3*4');
  });

  it('never produces crossing tags', () => {
    const html = markdownToTelegramHtml('**a *b** c*');
    expect(html).toBe('<b>a *b</b> c*');
  });

  it('shows an unclosed fence (a streamed answer cut mid-block) as code', () => {
    expect(markdownToTelegramHtml('x\n```\nfn()')).toBe('x\n<pre><code>fn()</code></pre>');
  });

  it('counts visible length and strips markup for the plain fallback', () => {
    expect(visibleLength('<b>a&amp;b</b>')).toBe(3);
    expect(markdownToPlainText('# T\n- a\n```js\nx\n```')).toBe('T\n• a\n\nx\n');
    expect(escapeHtml('<&>')).toBe('&lt;&amp;&gt;');
  });
});

describe('citations', () => {
  const labels = labelSources([makeSource(1, 'report.pdf', { page: 3 }), makeSource(2, 'notes.docx')]);

  it('renders every marker form as file name + page', () => {
    expect(renderCitations('A [Source 1]. B [Source 1, 2]. C [Sources 1-2]. D [source 2 and 1]. E [Sources: 2]. F [Source #1]. G [Source 9].', labels)).toBe(
      'A [1: report.pdf, p. 3]. B [1: report.pdf, p. 3][2: notes.docx]. C [1: report.pdf, p. 3][2: notes.docx]. D [2: notes.docx][1: report.pdf, p. 3]. E [2: notes.docx]. F [1: report.pdf, p. 3]. G [9].',
    );
  });

  it('reads markers exactly as the domain extracted the citations (other languages, ranges, prose in brackets)', () => {
    expect(renderCitations('См. [Source 1 и 2], [Quelle] und [Sources 1-9]; [Sources are below].', labels)).toBe(
      'См. [1: report.pdf, p. 3][2: notes.docx], [Quelle] und [1: report.pdf, p. 3][2: notes.docx]; [Sources are below].',
    );
  });

  it('hides a marker still being typed', () => {
    expect(hidePartialMarker('see [Sour')).toBe('see ');
    expect(hidePartialMarker('see [')).toBe('see ');
    expect(hidePartialMarker('array [1, 2')).toBe('array [1, 2');
  });

  it('keeps numbering stable from preview to final', () => {
    const sources = [makeSource(1, 'report.pdf', { page: 3 })];
    const preview = formatPreview('Cost is 5 [Source 1] and', labelSources(sources));
    const final = formatAnswerParts('Cost is 5 [Source 1] and more.', sources);
    expect(preview.html).toContain('[1: report.pdf, p. 3]');
    expect(final[0]!.html).toContain('[1: report.pdf, p. 3]');
    expect(final[0]!.html).toContain('Sources:\n[1] report.pdf, p. 3');
  });

  it('puts the sources in the last part, or a part of their own when it is full', () => {
    const sources = [makeSource(1, 'a.pdf')];
    const text = `${'word '.repeat(818)}end [Source 1]`; // 4104 characters before rendering
    const parts = formatAnswerParts(text, sources);
    expect(parts.length).toBe(2);
    expect(parts.at(-1)!.plain).toContain('Sources:\n[1] a.pdf');
    for (const p of parts) expect(p.plain.length).toBeLessThanOrEqual(4096);
  });

  it('shows only the tail of a preview that outgrew one message', () => {
    const preview = formatPreview('x '.repeat(3000), new Map());
    expect(preview.plain.length).toBeLessThanOrEqual(4096);
    expect(preview.plain.startsWith('…')).toBe(true);
  });
});
