import { defineProjectConfig } from '../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'testing', root: import.meta.dirname });
