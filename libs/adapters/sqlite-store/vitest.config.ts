import { defineProjectConfig } from '../../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'sqlite-store', root: import.meta.dirname });
