import { defineProjectConfig } from '../../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'llm', root: import.meta.dirname });
