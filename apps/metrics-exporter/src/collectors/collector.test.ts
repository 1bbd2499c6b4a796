import { createMetricsRegistry } from '@docrag/observability';
import { describe, expect, it } from 'vitest';
import { createCollectorRunner } from './collector';

describe('collector runner', () => {
  it('marks each collector up or down independently and times out slow ones', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    let aborted = false;
    const runner = createCollectorRunner({
      registry,
      timeoutMs: 100,
      logger: { warn: () => undefined } as never,
      collectors: [
        { name: 'ok', collect: async () => undefined },
        { name: 'broken', collect: async () => { throw new Error('no route to host'); } },
        {
          name: 'slow',
          collect: (signal) =>
            new Promise<void>((resolve) => {
              signal.addEventListener('abort', () => {
                aborted = true;
                resolve();
              });
            }),
        },
      ],
    });
    await expect(runner.collectAll()).resolves.toBeUndefined();
    const text = await registry.metrics();
    expect(text).toContain('exporter_collector_up{collector="ok"} 1');
    expect(text).toContain('exporter_collector_up{collector="broken"} 0');
    expect(text).toContain('exporter_collector_up{collector="slow"} 0');
    const slow = /exporter_collector_duration_seconds\{collector="slow"\} (\S+)/.exec(text)?.[1];
    expect(Number(slow)).toBeGreaterThan(0.05);
    expect(aborted).toBe(true);
  });
});
