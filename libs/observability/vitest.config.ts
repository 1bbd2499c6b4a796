import { defineProjectConfig } from '../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'observability', root: import.meta.dirname });
