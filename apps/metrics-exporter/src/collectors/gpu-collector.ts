import { execFile } from 'node:child_process';
import { GPU_MEMORY_TOTAL, GPU_MEMORY_USED, GPU_TEMPERATURE, GPU_UTILIZATION, gaugeFrom } from '@docrag/observability';
import type { Registry } from 'prom-client';
import type { Collector } from './collector';

/** The nvidia-smi fields we query, in order (`nvidia-smi --help-query-gpu` names). */
export const NVIDIA_SMI_FIELDS = ['index', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu'] as const;

export const NVIDIA_SMI_ARGS = [`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

export interface GpuSample {
  readonly index: string;
  readonly name: string;
  /** 0..1, undefined when the driver reports `[N/A]` (some MIG and vGPU setups). */
  readonly utilization?: number;
  readonly memoryUsedBytes?: number;
  readonly memoryTotalBytes?: number;
  readonly temperatureCelsius?: number;
}

const MIB = 1024 * 1024;

function numberOrUndefined(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw.trim());
  return raw.trim() === '' || !Number.isFinite(value) ? undefined : value;
}

/**
 * Parses `nvidia-smi --query-gpu=... --format=csv,noheader,nounits` output: one GPU per line,
 * comma-separated; memory in MiB, utilisation in percent; `[N/A]` or `[Not Supported]` for
 * missing values.
 */
export function parseNvidiaSmi(output: string): GpuSample[] {
  const samples: GpuSample[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const cells = line.split(',').map((cell) => cell.trim());
    if (cells.length !== NVIDIA_SMI_FIELDS.length) {
      throw new Error(`unexpected nvidia-smi line (${cells.length} fields, expected ${NVIDIA_SMI_FIELDS.length}): ${line}`);
    }
    const [index, name, utilization, used, total, temperature] = cells as [string, string, string, string, string, string];
    const util = numberOrUndefined(utilization);
    const usedMiB = numberOrUndefined(used);
    const totalMiB = numberOrUndefined(total);
    const temp = numberOrUndefined(temperature);
    samples.push({
      index,
      name,
      ...(util === undefined ? {} : { utilization: util / 100 }),
      ...(usedMiB === undefined ? {} : { memoryUsedBytes: usedMiB * MIB }),
      ...(totalMiB === undefined ? {} : { memoryTotalBytes: totalMiB * MIB }),
      ...(temp === undefined ? {} : { temperatureCelsius: temp }),
    });
  }
  return samples;
}

/** Runs nvidia-smi and returns its stdout; rejects with the spawn error (ENOENT when absent). */
export type RunNvidiaSmi = (signal: AbortSignal) => Promise<string>;

export function nvidiaSmiRunner(binary: string): RunNvidiaSmi {
  return (signal) =>
    new Promise((resolve, reject) => {
      execFile(binary, NVIDIA_SMI_ARGS, { signal, timeout: 10_000, maxBuffer: 1024 * 1024 }, (error, stdout) => {
        if (error) reject(error);
        else resolve(stdout);
      });
    });
}

/** Whether nvidia-smi can be run here (for `GPU_STATS=auto`). */
export async function nvidiaSmiAvailable(run: RunNvidiaSmi): Promise<boolean> {
  try {
    await run(AbortSignal.timeout(10_000));
    return true;
  } catch {
    return false;
  }
}

/** GPU utilisation, memory and temperature per GPU, from nvidia-smi. */
export function createGpuCollector(registry: Registry, run: RunNvidiaSmi): Collector {
  const utilization = gaugeFrom(registry, GPU_UTILIZATION);
  const used = gaugeFrom(registry, GPU_MEMORY_USED);
  const total = gaugeFrom(registry, GPU_MEMORY_TOTAL);
  const temperature = gaugeFrom(registry, GPU_TEMPERATURE);
  return {
    name: 'gpu',
    async collect(signal) {
      const samples = parseNvidiaSmi(await run(signal));
      for (const gauge of [utilization, used, total, temperature]) gauge.reset();
      for (const sample of samples) {
        const labels = { gpu: sample.index, name: sample.name };
        if (sample.utilization !== undefined) utilization.set(labels, sample.utilization);
        if (sample.memoryUsedBytes !== undefined) used.set(labels, sample.memoryUsedBytes);
        if (sample.memoryTotalBytes !== undefined) total.set(labels, sample.memoryTotalBytes);
        if (sample.temperatureCelsius !== undefined) temperature.set(labels, sample.temperatureCelsius);
      }
    },
  };
}
