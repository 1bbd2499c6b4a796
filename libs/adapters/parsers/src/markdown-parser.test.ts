import { describe, expect, it } from 'vitest';
import { inlineToText, MarkdownParser, parseMarkdownText } from './markdown-parser';

describe('parseMarkdownText', () => {
  it('keeps ATX and Setext headings, paragraphs, lists and code blocks', () => {
    const doc = parseMarkdownText(
      [
        '---',
        'title: "Ops Guide"',
        'tags: [a, b]',
        '---',
        '# Deploying ##',
        '',
        'Run the **deploy** script',
        'from the `tools` folder.',
        '',
        'Rollback',
        '--------',
        '',
        '- first, stop traffic',
        '- then [restore](https://example.com/restore) the snapshot',
        '',
        '```bash',
        'docker compose down',
        '  docker compose up -d',
        '```',
        '',
        '***',
        '',
        'Closing words.',
      ].join('\n'),
    );
    expect(doc).toEqual({
      format: 'markdown',
      title: 'Ops Guide',
      blocks: [
        { kind: 'heading', level: 1, text: 'Deploying' },
        { kind: 'paragraph', text: 'Run the deploy script from the tools folder.' },
        { kind: 'heading', level: 2, text: 'Rollback' },
        { kind: 'paragraph', text: 'first, stop traffic' },
        { kind: 'paragraph', text: 'then restore the snapshot' },
        { kind: 'paragraph', text: 'docker compose down\n  docker compose up -d' },
        { kind: 'paragraph', text: 'Closing words.' },
      ],
    });
  });

  it('turns GFM table rows into one paragraph each', () => {
    const doc = parseMarkdownText('| Type | Example |\n|:-----|--------:|\n| Shield | **Mauna Loa** |\n| Strato | Fuji |\n\nAfter the table.');
    expect(doc.blocks.map((b) => b.text)).toEqual(['Type | Example', 'Shield | Mauna Loa', 'Strato | Fuji', 'After the table.']);
  });

  it('uses the first level-1 heading as title when there is no front matter', () => {
    expect(parseMarkdownText('Intro text\n\nMain Title\n==========\n\nBody').title).toBe('Main Title');
  });

  it('refuses a document with no text', async () => {
    await expect(new MarkdownParser().parse(new TextEncoder().encode('---\n\n***\n'))).rejects.toMatchObject({
      detail: { code: 'no_text', format: 'markdown' },
    });
  });
});

describe('inlineToText', () => {
  it('keeps what a reader sees', () => {
    expect(inlineToText('![logo](a.png) *Note*: see [the guide][g] and ~~old~~ `code` <br/>snake_case_name')).toBe(
      'logo Note: see the guide and old code  snake_case_name',
    );
  });
});
