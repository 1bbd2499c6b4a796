import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is tools/workspace/src/workspace-root.ts). */
export const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The environment every nx command in a test runs with: no cloud, no daemon, no TUI, no ORT download. */
export const nxEnv = {
  ...process.env,
  NX_NO_CLOUD: 'true',
  NX_DAEMON: 'false',
  NX_TUI: 'false',
  ONNXRUNTIME_NODE_INSTALL: 'skip',
};
