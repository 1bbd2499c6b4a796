import { defineProjectConfig } from '../../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'tokenizer', root: import.meta.dirname });
