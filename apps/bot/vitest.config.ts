import { defineProjectConfig } from '../../tools/vitest/project-config';

// Serial: the end-to-end suite starts servers and bots; running files one at a time keeps the
// 2-core CI predictable. 60 s per test leaves room for the bot restarts in test/e2e.test.ts.
export default defineProjectConfig({ name: 'bot', root: import.meta.dirname, serial: true, testTimeout: 60_000 });
