import { defineProjectConfig } from '../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'ml-api', root: import.meta.dirname });
