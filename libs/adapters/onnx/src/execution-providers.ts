/**
 * Which execution provider to try, decided without importing onnxruntime (so it is testable on any
 * machine). `auto` tries CUDA first when the installed onnxruntime-node has it and falls back to
 * CPU; `cuda` insists on CUDA and fails start-up otherwise; `cpu` never touches the GPU.
 */

export type MlDevice = 'auto' | 'cuda' | 'cpu';
export type ProviderName = 'cuda' | 'cpu';

export interface ProviderPlan {
  /** Providers to try in order; the first session that loads wins. */
  readonly attempts: readonly ProviderName[];
  /** Why this order, for the start-up log. */
  readonly reason: string;
}

/**
 * @param device the `ML_DEVICE` setting.
 * @param available backend names onnxruntime-node reports as installed (`listSupportedBackends`,
 *   keeping those with `bundled: true` or installed CUDA libraries).
 * @throws Error when `cuda` is required but not installed.
 */
export function planExecutionProviders(device: MlDevice, available: readonly string[]): ProviderPlan {
  const hasCuda = available.includes('cuda');
  switch (device) {
    case 'cpu':
      return { attempts: ['cpu'], reason: 'ML_DEVICE=cpu' };
    case 'cuda':
      if (!hasCuda) {
        throw new Error(
          `ML_DEVICE=cuda but this onnxruntime-node has no CUDA execution provider (available: ${available.join(', ') || 'none'}); ` +
            'install the CUDA build (ONNXRUNTIME_NODE_INSTALL_CUDA) or set ML_DEVICE=auto|cpu',
        );
      }
      return { attempts: ['cuda'], reason: 'ML_DEVICE=cuda' };
    case 'auto':
      return hasCuda
        ? { attempts: ['cuda', 'cpu'], reason: 'ML_DEVICE=auto: CUDA installed, CPU as fallback' }
        : { attempts: ['cpu'], reason: 'ML_DEVICE=auto: no CUDA execution provider installed' };
  }
}

/** ONNX Runtime graph optimisation levels (SessionOptions.graphOptimizationLevel). */
export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
export type GraphOptimizationLevel = (typeof GRAPH_OPTIMIZATION_LEVELS)[number];

/** Thread and optimisation settings for a session. 0 threads = onnxruntime's default. */
export interface SessionSettings {
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly graphOptimizationLevel: GraphOptimizationLevel;
  /**
   * Let onnxruntime's worker threads busy-wait for the next piece of work (its default). Off by
   * default here: in a server the event loop shares the cores, and spinning after every run cost
   * 1.1 ms of CPU per run of a small model (1.27 vs 0.14 ms measured, docs/performance.md).
   */
  readonly allowSpinning?: boolean;
  /**
   * onnxruntime's CPU memory arena (its default, on): intermediate tensors come from a pool that
   * grows to the largest run and is never given back, so the largest batch sets the process size.
   * Off: every tensor is malloc'd and freed per run.
   */
  readonly cpuMemArena?: boolean;
  /**
   * Memory patterns (onnxruntime's default, on): after a run with new input shapes, the next run
   * with the same shapes allocates all intermediates as one planned block.
   */
  readonly memPattern?: boolean;
}
