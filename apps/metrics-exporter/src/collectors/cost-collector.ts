import { gaugeFrom, LLM_COST, LLM_COST_TODAY, LLM_TOKENS, LLM_TOKENS_TODAY } from '@docrag/observability';
import type { Registry } from 'prom-client';
import type { Collector } from './collector';
import { parsePrometheusText, type Sample } from './prometheus-text';

const DAY_MS = 86_400_000;

function utcDay(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

interface SeriesState {
  last: number;
  today: number;
}

/**
 * Today's LLM spend and tokens (since 00:00 UTC), from the bot's own counters: the exporter reads
 * the bot's /metrics and accumulates increases, treating a drop as a counter reset (bot restart),
 * as Prometheus's `increase()` does. On first sight of a series it counts the bot's total only when
 * the bot process started today (its `process_start_time_seconds`), else starts from zero.
 * Prometheus can compute `increase(llm_cost_usd_total[1d])` itself; this gauge is the calendar-day
 * figure finance asks for, and it survives bot restarts within the day.
 */
export function createCostCollector(
  registry: Registry,
  options: { botMetricsUrl: string; fetch?: typeof fetch; now?: () => number },
): Collector {
  const costToday = gaugeFrom(registry, LLM_COST_TODAY);
  const tokensToday = gaugeFrom(registry, LLM_TOKENS_TODAY);
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const state = new Map<string, SeriesState>();
  let day: number | undefined;

  function track(key: string, value: number, botStartedToday: boolean): number {
    const series = state.get(key);
    if (!series) {
      const initial = botStartedToday ? value : 0;
      state.set(key, { last: value, today: initial });
      return initial;
    }
    series.today += value >= series.last ? value - series.last : value;
    series.last = value;
    return series.today;
  }

  return {
    name: 'cost',
    async collect(signal) {
      const response = await doFetch(options.botMetricsUrl, { signal });
      if (!response.ok) throw new Error(`bot metrics ${options.botMetricsUrl} answered ${response.status}`);
      const samples = parsePrometheusText(await response.text());
      const at = now();
      if (day !== undefined && utcDay(at) !== day) {
        for (const series of state.values()) series.today = 0;
      }
      day = utcDay(at);
      const started = samples.find((s) => s.name === 'process_start_time_seconds')?.value;
      const botStartedToday = started !== undefined && utcDay(started * 1000) === day;
      const pick = (name: string): Sample[] => samples.filter((s) => s.name === name);
      for (const sample of pick(LLM_COST.name)) {
        const model = sample.labels['model'] ?? 'unknown';
        costToday.set({ model }, track(`cost|${model}`, sample.value, botStartedToday));
      }
      for (const sample of pick(LLM_TOKENS.name)) {
        const model = sample.labels['model'] ?? 'unknown';
        const kind = sample.labels['kind'] ?? 'unknown';
        tokensToday.set({ model, kind }, track(`tokens|${model}|${kind}`, sample.value, botStartedToday));
      }
    },
  };
}
