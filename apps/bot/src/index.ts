/**
 * The bot's edge-safe surface (no Node-only imports), used by the Deno edge entry and tools:
 * build the bot from ports, parse config, and the webhook transport pieces.
 */

// ---- the bot ----
export { createBot, AUTO_RETRY } from './bot';
export type { BotContext, SessionData, LastAnswer, SourceDetail } from './context';
export { settingsFromConfig, silentLogger } from './deps';
export type { BotDeps, BotSettings, BotLogger } from './deps';
export { registerCommands, COMMANDS } from './features/commands';

// ---- configuration ----
export { configSchema, loadConfig, secretKeys, redactConfig, ConfigError } from './config';
export type { Config } from './config';

// ---- services shared with storage backends ----
export { createMemoryCounters, ratelimiterStore } from './services/counters';
export type { SharedCounters } from './services/counters';
export { createInFlight } from './services/in-flight';
export { createUsageTracker } from './services/usage';
export { createSessionChatHistory } from './services/session-history';

// ---- webhook transport (Node server and Deno entry) ----
export { createDedupeMiddleware, createDetachMiddleware, createWebhookHandler, DEDUPE_TTL_MS } from './transport/webhook';
export { createTaskTracker, createKeyedQueue } from './transport/tasks';
export { sequenceKey, isCancelCommand } from './transport/ordering';
