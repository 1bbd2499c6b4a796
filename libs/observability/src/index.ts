/**
 * @docrag/observability: tracing and metrics for every app. Metric names live in one file
 * (`metric-names.ts`), the single source for code, dashboards and alert rules.
 */

// ---- metric names (single source for code, dashboards, alert rules) ----
export * from './metric-names';
