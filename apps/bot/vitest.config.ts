import { defineProjectConfig } from '../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'bot', root: import.meta.dirname });
