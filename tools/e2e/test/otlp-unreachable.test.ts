/**
 * Acceptance: with the OTLP endpoint unreachable the bot keeps answering, and shutdown still ends
 * promptly. The real SDK (startTelemetry) exports to a port where nothing listens while the
 * question path runs with every decorator on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTelemetry } from '@docrag/observability';
import { describe, expect, it } from 'vitest';
import { createBotSide } from './harness/bot-side';
import { freePort } from './harness/processes';

describe('OTLP endpoint unreachable', () => {
  it('answers every question and shuts down within the flush timeout', async () => {
    const warnings: string[] = [];
    const telemetry = startTelemetry({
      serviceName: 'docrag-bot',
      serviceVersion: 'e2e',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`, OTEL_EXPORTER_OTLP_TIMEOUT: '500' },
      diagLogger: { warn: (m) => warnings.push(String(m)), error: (m) => warnings.push(String(m)) },
    });
    expect(telemetry.enabled).toBe(true);
    const dir = mkdtempSync(path.join(tmpdir(), 'e2e-otlp-'));
    const bot = await createBotSide({ dataDir: dir });
    try {
      await bot.ingest('faq.md', '# FAQ\n\nSupport answers within four hours on weekdays.');
      const answers = [];
      for (let i = 0; i < 20; i++) answers.push(await bot.ask('When does support answer?', { chatKey: `otlp:${i}` }));
      expect(answers.every((a) => a.mode === 'generated' && a.text.length > 0)).toBe(true);
      const started = performance.now();
      await telemetry.shutdown(3_000);
      expect(performance.now() - started).toBeLessThan(3_500);
      // The failed export was logged (through the diag logger the apps pass), not thrown.
      expect(warnings.join('\n')).toMatch(/ECONNREFUSED|export|connect/i);
    } finally {
      await bot.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
