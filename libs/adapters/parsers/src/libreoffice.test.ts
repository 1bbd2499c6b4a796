/**
 * Real-world files: the same HTML converted by LibreOffice to Word 97 (.doc), DOCX and PDF
 * (embedded subset fonts, ToUnicode maps, Cyrillic), then parsed. Needs `soffice`
 * (apt-get install libreoffice-writer-nogui; .ci/run installs it); skipped with that reason
 * otherwise. Each conversion takes a few seconds, so all three run once in beforeAll.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentParsers } from './document-parsers';

const soffice = spawnSync('soffice', ['--version'], { timeout: 30_000 }).status === 0;
const run = promisify(execFile);

const HTML = `<html><head><meta charset="utf-8"><title>Field notes</title></head><body>
<h1>Volcano Field Notes</h1><p>Basalt lava flows are runny and travel far from the vent.</p>
<h2>Eruption styles</h2><p>Strombolian eruptions throw out clots of lava – “bombs”.</p>
<p>Привет, кириллица тоже читается.</p></body></html>`;

const BODY = ['Basalt lava flows are runny and travel far from the vent.', 'Strombolian eruptions throw out clots of lava – “bombs”.', 'Привет, кириллица тоже читается.'];

describe.skipIf(!soffice)('files written by LibreOffice (needs soffice)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'docrag-lo-'));
  const files: Record<string, Uint8Array> = {};
  const parsers = createDocumentParsers();

  beforeAll(async () => {
    writeFileSync(path.join(dir, 'notes.html'), HTML);
    // A private profile: concurrent soffice processes would otherwise fight over ~/.config.
    const profile = `-env:UserInstallation=file://${path.join(dir, 'profile')}`;
    for (const [ext, filter] of [['doc', 'doc:MS Word 97'], ['docx', 'docx:MS Word 2007 XML'], ['pdf', 'pdf:writer_pdf_Export']] as const) {
      await run('soffice', [profile, '--headless', '--infilter=HTML (StarWriter)', '--convert-to', filter, '--outdir', dir, path.join(dir, 'notes.html')], { timeout: 120_000 });
      files[ext] = new Uint8Array(readFileSync(path.join(dir, `notes.${ext}`)));
    }
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a Word 97 .doc', async () => {
    const doc = await parsers.parse(files['doc']!, { fileName: 'notes.doc' });
    expect(doc.format).toBe('doc');
    expect(doc.blocks.map((b) => b.text)).toEqual(['Volcano Field Notes', BODY[0], 'Eruption styles', BODY[1], BODY[2]]);
  });

  it('reads a DOCX with its heading styles', async () => {
    const doc = await parsers.parse(files['docx']!, { fileName: 'notes.docx' });
    expect(doc.blocks.filter((b) => b.kind === 'heading').map((b) => [b.kind === 'heading' ? b.level : 0, b.text])).toEqual([
      [1, 'Volcano Field Notes'],
      [2, 'Eruption styles'],
    ]);
    expect(doc.blocks.filter((b) => b.kind === 'paragraph').map((b) => b.text)).toEqual(BODY);
  });

  it('reads a PDF with embedded fonts, headings and page numbers', async () => {
    const doc = await parsers.parse(files['pdf']!, { fileName: 'notes.pdf' });
    expect(doc.pageCount).toBe(1);
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Volcano Field Notes', page: 1 },
      { kind: 'paragraph', text: BODY[0], page: 1 },
      { kind: 'heading', level: 2, text: 'Eruption styles', page: 1 },
      { kind: 'paragraph', text: BODY[1], page: 1 },
      { kind: 'paragraph', text: BODY[2], page: 1 },
    ]);
  });
});
