import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildEpub, epubFiles } from '../test/fixtures/zip-builders';
import { EpubParser, resolvePath } from './epub-parser';
import { DEFAULT_PARSER_LIMITS } from './limits';

const parser = new EpubParser();

describe('EpubParser', () => {
  it('reads chapters in spine order with nav titles, nesting inner headings under them', async () => {
    const bytes = buildEpub(
      [
        { id: 'c1', title: 'The Beginning', body: '<h1>The Beginning</h1><p>It was a dark night.</p><h2>A storm</h2><p>Rain fell.</p>' },
        { id: 'c2', title: 'Preface', body: '<p>Written in 1901.</p>' },
      ],
      { title: 'A Novel', spineOrder: ['c2', 'c1'] },
    );
    expect(await parser.parse(bytes)).toEqual({
      format: 'epub',
      title: 'A Novel',
      blocks: [
        { kind: 'heading', level: 1, text: 'Preface' },
        { kind: 'paragraph', text: 'Written in 1901.' },
        { kind: 'heading', level: 1, text: 'The Beginning' },
        { kind: 'paragraph', text: 'It was a dark night.' },
        { kind: 'heading', level: 2, text: 'A storm' },
        { kind: 'paragraph', text: 'Rain fell.' },
      ],
    });
  });

  it('takes titles from an EPUB 2 NCX', async () => {
    const doc = await parser.parse(buildEpub([{ id: 'c1', title: 'Chapter One', body: '<p>Text.</p>' }], { toc: 'ncx' }));
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 1, text: 'Chapter One' });
  });

  it('falls back to the first heading when there is no table of contents', async () => {
    const doc = await parser.parse(buildEpub([{ id: 'c1', body: '<h2>Untitled Chapter</h2><p>Text.</p>' }], { toc: 'none' }));
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Untitled Chapter' },
      { kind: 'paragraph', text: 'Text.' },
    ]);
  });

  it('decodes HTML entities, skips scripts and styles, and survives malformed XHTML', async () => {
    const files = epubFiles([
      { id: 'c1', title: 'One', body: '<p>Caf&eacute;&nbsp;cr&egrave;me &amp; more</p><script>var x = 1;</script>' },
      { id: 'c2', title: 'Two', body: '<p>unclosed <b>bold</p><p>second</p>' },
    ]);
    const doc = await parser.parse(zipSync(files));
    const texts = doc.blocks.map((b) => b.text);
    expect(texts).toContain('Café crème & more');
    expect(texts.join(' ')).not.toContain('var x');
    expect(texts.join(' ')).toContain('second');
  });

  it('keeps footnote markers apart from words and drops footnote back-links', async () => {
    const doc = await parser.parse(
      buildEpub([{ id: 'c1', title: 'One', body: '<p>Lava is runny<a href="#fn1"><sup>1</sup></a>. Basalt<a epub:type="noteref" href="#fn2">2</a> too.</p><ol><li id="fn1"><p>It travels far.<a href="#fnref1">↩︎</a></p></li></ol>' }]),
    );
    expect(doc.blocks.slice(1).map((b) => b.text)).toEqual(['Lava is runny 1. Basalt 2 too.', 'It travels far.']);
  });

  it('ignores font obfuscation in encryption.xml (text stays readable)', async () => {
    const files = epubFiles([{ id: 'c1', title: 'One', body: '<p>Readable.</p>' }]);
    files['META-INF/encryption.xml'] = strToU8(
      '<encryption xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/></enc:EncryptedData></encryption>',
    );
    expect((await parser.parse(zipSync(files))).blocks.at(-1)?.text).toBe('Readable.');
  });

  it('applies the archive entry limit', async () => {
    const few = new EpubParser({ ...DEFAULT_PARSER_LIMITS, maxArchiveEntries: 3 });
    await expect(few.parse(buildEpub([{ id: 'c1', body: '<p>x</p>' }]))).rejects.toMatchObject({
      detail: { code: 'archive_limit', format: 'epub', reason: 'entry_count', limit: 3 },
    });
  });
});

describe('resolvePath', () => {
  it('resolves relative and escaped hrefs inside the archive', () => {
    expect(resolvePath('OEBPS/', 'text/ch%201.xhtml')).toBe('OEBPS/text/ch 1.xhtml');
    expect(resolvePath('OEBPS/nav/', '../text/c1.xhtml')).toBe('OEBPS/text/c1.xhtml');
    expect(resolvePath('', './c1.xhtml')).toBe('c1.xhtml');
  });
});

describe('decodeEntities', () => {
  it('decodes HTML named and numeric references and leaves unknown names', async () => {
    const { decodeEntities } = await import('./html-entities');
    expect(decodeEntities('&eacute;&mdash;&alpha;&#233;&#x3B2;&amp;lt;&bogus;&#9999999;')).toBe('é—αéβ&lt;&bogus; ');
  });
});
