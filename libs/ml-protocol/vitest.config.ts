import { defineProjectConfig } from '../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'ml-protocol', root: import.meta.dirname });
