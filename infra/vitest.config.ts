import { defineProjectConfig } from '../tools/vitest/project-config';

export default defineProjectConfig({ name: 'infra', root: import.meta.dirname, testTimeout: 60_000 });
