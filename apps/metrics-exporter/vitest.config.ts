import { defineProjectConfig } from '../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'metrics-exporter', root: import.meta.dirname });
