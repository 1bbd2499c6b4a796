import { defineProjectConfig } from '../../tools/vitest/project-config';

// Cross-service tests start servers and a real Prometheus: one file at a time, longer timeouts.
export default defineProjectConfig({ name: 'e2e', root: import.meta.dirname, testTimeout: 90_000, serial: true });
