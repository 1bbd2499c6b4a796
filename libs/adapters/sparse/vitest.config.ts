import { defineProjectConfig } from '../../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'sparse', root: import.meta.dirname });
