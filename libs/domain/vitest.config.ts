import { defineProjectConfig } from '../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'domain', root: import.meta.dirname });
