/**
 * LLM price table for the estimated-cost counter. Prices are US dollars per million tokens, as
 * providers publish them. The estimate is for dashboards and budget alerts, not billing: the
 * provider's invoice is the truth.
 */

export interface ModelPrice {
  /** USD per 1M input (prompt) tokens. */
  readonly inputPerMillion: number;
  /** USD per 1M output (completion) tokens. */
  readonly outputPerMillion: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * Defaults from OpenAI's public pricing page (standard tier, checked 2025). Override or extend
 * with `LLM_PRICES_JSON` in the bot's config; unknown models cost 0 (and are still counted in tokens).
 */
export const DEFAULT_LLM_PRICES: PriceTable = {
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  'gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  extractive: { inputPerMillion: 0, outputPerMillion: 0 },
};

/**
 * Finds the price of a model: exact name first, then the longest table key that prefixes it, so a
 * dated snapshot (`gpt-4o-mini-2024-07-18`) is priced like its family.
 */
export function findModelPrice(model: string, table: PriceTable = DEFAULT_LLM_PRICES): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (model.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

/** Estimated cost of one call in USD (0 for models missing from the table). */
export function estimateCostUsd(
  model: string,
  usage: { readonly inputTokens: number; readonly outputTokens: number },
  table: PriceTable = DEFAULT_LLM_PRICES,
): number {
  const price = findModelPrice(model, table);
  if (!price) return 0;
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}

/**
 * Parses a price table from JSON (`{"model": {"inputPerMillion": 0.15, "outputPerMillion": 0.6}}`)
 * and merges it over the defaults. Throws with the offending key on bad input, so the app's config
 * loader can name the variable.
 */
export function parsePriceTable(json: string, base: PriceTable = DEFAULT_LLM_PRICES): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`price table is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('price table must be a JSON object keyed by model name');
  }
  const table: Record<string, ModelPrice> = { ...base };
  for (const [model, value] of Object.entries(raw)) {
    const price = value as Partial<ModelPrice> | null;
    const ok =
      typeof price === 'object' &&
      price !== null &&
      typeof price.inputPerMillion === 'number' &&
      typeof price.outputPerMillion === 'number' &&
      price.inputPerMillion >= 0 &&
      price.outputPerMillion >= 0;
    if (!ok) {
      throw new Error(`price for "${model}" must be {"inputPerMillion": number >= 0, "outputPerMillion": number >= 0}`);
    }
    table[model] = { inputPerMillion: price.inputPerMillion as number, outputPerMillion: price.outputPerMillion as number };
  }
  return table;
}
