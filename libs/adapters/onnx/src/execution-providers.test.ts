import { describe, expect, it } from 'vitest';
import { planExecutionProviders } from './execution-providers';

describe('planExecutionProviders', () => {
  it('auto tries CUDA then CPU when CUDA is installed', () => {
    expect(planExecutionProviders('auto', ['cpu', 'cuda']).attempts).toEqual(['cuda', 'cpu']);
  });
  it('auto uses CPU when CUDA is not installed', () => {
    expect(planExecutionProviders('auto', ['cpu', 'webgpu']).attempts).toEqual(['cpu']);
  });
  it('cpu never tries CUDA', () => {
    expect(planExecutionProviders('cpu', ['cpu', 'cuda']).attempts).toEqual(['cpu']);
  });
  it('cuda without CUDA is a clear start-up error', () => {
    expect(() => planExecutionProviders('cuda', ['cpu'])).toThrow(/ML_DEVICE=cuda but .* no CUDA execution provider \(available: cpu\)/);
    expect(planExecutionProviders('cuda', ['cpu', 'cuda']).attempts).toEqual(['cuda']);
  });
});
