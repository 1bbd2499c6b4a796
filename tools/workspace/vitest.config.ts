import { defineProjectConfig } from '../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'workspace', root: import.meta.dirname });
