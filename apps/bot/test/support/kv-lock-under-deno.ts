/**
 * Run by Deno, not vitest: `deno run --config apps/bot/src/edge/deno.json --allow-read --allow-write
 * apps/bot/test/support/kv-lock-under-deno.ts <kv file>`. Opens the KV file twice (two handles, as
 * two isolates have), gives each its own `createDenoKvBotStorage`, plays the lock and the cancel
 * scenarios with one lock and cancel channel per handle and prints what it observed as one JSON line.
 */
import { createDenoKvBotStorage } from '../../src/storage/deno-kv-bot-storage';
import type { KvLike } from '../../src/storage/deno-kv-bot-storage';
import { runCancelScenario, runLockScenario } from './shared-lock-scenario';

/** The slice of the Deno namespace used here (Deno's own types are not visible to tsc). */
declare const Deno: { args: string[]; openKv(path?: string): Promise<KvLike> };

const file = Deno.args[0];
if (!file) throw new Error('usage: kv-lock-under-deno.ts <kv file>');
const isolates = [createDenoKvBotStorage(await Deno.openKv(file)), createDenoKvBotStorage(await Deno.openKv(file))];
const [a, b] = isolates.map((storage) => {
  if (!storage.locks || !storage.cancels) throw new Error('the Deno KV storage provides no shared lock or cancel channel');
  return { lock: storage.locks, cancels: storage.cancels };
});
const lock = await runLockScenario(a!.lock, b!.lock);
const cancel = await runCancelScenario(a!, b!);
await Promise.all(isolates.map((storage) => storage.close()));
console.log(JSON.stringify({ lock, cancel }));
