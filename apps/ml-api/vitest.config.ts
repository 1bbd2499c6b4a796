import { mergeConfig } from 'vitest/config';
import { defineProjectConfig } from '../../tools/vitest/project-config';

// The global setup builds the deterministic fixture models (tools/fixtures) before the tests run.
export default mergeConfig(defineProjectConfig({ name: 'ml-api', root: import.meta.dirname }), {
  test: { globalSetup: ['../../tools/fixtures/src/global-setup.ts'] },
});
