import { createMetricsRegistry } from '@docrag/observability';
import { describe, expect, it } from 'vitest';
import { createGpuCollector, NVIDIA_SMI_ARGS, parseNvidiaSmi } from './gpu-collector';

// Captured from `nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu --format=csv,noheader,nounits`
// on a two-GPU host; the second line is how a MIG-enabled GPU reports utilisation.
const FIXTURE = `0, NVIDIA H100 80GB HBM3, 37, 10240, 81559, 41
1, NVIDIA A10G, [N/A], 512, 23028, [Not Supported]
`;

describe('nvidia-smi parsing', () => {
  it('asks for csv without header or units', () => {
    expect(NVIDIA_SMI_ARGS).toEqual([
      '--query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu',
      '--format=csv,noheader,nounits',
    ]);
  });

  it('parses one GPU per line, MiB to bytes, percent to ratio, N/A to absent', () => {
    const [h100, a10] = parseNvidiaSmi(FIXTURE);
    expect(h100).toEqual({
      index: '0',
      name: 'NVIDIA H100 80GB HBM3',
      utilization: 0.37,
      memoryUsedBytes: 10240 * 1024 * 1024,
      memoryTotalBytes: 81559 * 1024 * 1024,
      temperatureCelsius: 41,
    });
    expect(a10).toEqual({ index: '1', name: 'NVIDIA A10G', memoryUsedBytes: 512 * 1024 * 1024, memoryTotalBytes: 23028 * 1024 * 1024 });
    expect(parseNvidiaSmi('')).toEqual([]);
  });

  it('rejects output in another shape', () => {
    expect(() => parseNvidiaSmi('0, NVIDIA H100, 37\n')).toThrow(/3 fields, expected 6/);
  });

  it('sets the GPU gauges', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    await createGpuCollector(registry, async () => FIXTURE).collect(new AbortController().signal);
    const text = await registry.metrics();
    expect(text).toContain('gpu_utilization_ratio{gpu="0",name="NVIDIA H100 80GB HBM3"} 0.37');
    expect(text).toContain('gpu_memory_total_bytes{gpu="1",name="NVIDIA A10G"} 24146608128');
    expect(text).not.toContain('gpu_utilization_ratio{gpu="1"');
  });
});
