import { mergeConfig } from 'vitest/config';
import { defineProjectConfig } from '../../tools/vitest/project-config';

// Cross-service tests start servers and a real Prometheus: one file at a time, longer timeouts. The
// global setup builds the deterministic fixture models (tools/fixtures) the spawned ml-api loads.
export default mergeConfig(defineProjectConfig({ name: 'e2e', root: import.meta.dirname, testTimeout: 120_000, serial: true }), {
  test: { globalSetup: ['../fixtures/src/global-setup.ts'] },
});
