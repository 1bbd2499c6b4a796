import { defineProjectConfig } from '../../../tools/vitest/project-config';

export default defineProjectConfig({ name: 'parsers', root: import.meta.dirname });
