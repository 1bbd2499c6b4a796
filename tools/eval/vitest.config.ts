import { defineProjectConfig } from '../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'eval', root: import.meta.dirname });
