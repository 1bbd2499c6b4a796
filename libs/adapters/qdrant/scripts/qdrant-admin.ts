/**
 * Entry point of `nx run qdrant:snapshot` and `nx run qdrant:admin --args="swap 2"`.
 * Reads QDRANT_* from the environment (see docs/qdrant.md).
 */
import { runAdminCommand } from '../src/admin-command';

process.exitCode = await runAdminCommand(process.argv.slice(2), process.env);
