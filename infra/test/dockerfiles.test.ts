/**
 * The app images: built from the Nx build output with pruned production dependencies, pinned base
 * images, non-root, tini, a HEALTHCHECK on the app's real health route, and (ml-api) CUDA 12 with
 * onnxruntime-node's CUDA provider installed at build time.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPS, defaultOf, loadAppConfig, type AppName } from './support/app-configs';
import { baseImageOf, parseDockerfile, type Stage } from './support/dockerfile';
import { abs, readJson, readText } from './support/repo';
import { healthPortKey, healthRoutesOf, PINNED_IMAGE, sourceMentions } from './support/expectations';

const dockerfile = (app: AppName) => `infra/docker/${app}.Dockerfile`;
const lastStage = (stages: Stage[]) => stages.at(-1)!;
const all = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

describe.each(APPS)('%s image', (app) => {
  const { stages } = parseDockerfile(dockerfile(app));
  const runtime = lastStage(stages);
  const project = readJson<{ targets: { build: { options: { outputPath: string; generatePackageJson: boolean } } } }>(`apps/${app}/project.json`);

  it('pins every base image to an exact version or digest', () => {
    for (const s of stages) {
      const base = baseImageOf(stages, s);
      expect(base, `FROM ${s.from}`).toMatch(PINNED_IMAGE);
    }
  });

  it('bundles with `nx build` and installs only the pruned production dependencies next to it', () => {
    const out = project.targets.build.options.outputPath;
    expect(project.targets.build.options.generatePackageJson).toBe(true);
    const runs = stages.flatMap((s) => all(s, 'RUN'));
    expect(runs.some((r) => r.includes(`nx run ${app}:build`))).toBe(true);
    const copies = stages.flatMap((s) => all(s, 'COPY'));
    expect(copies.some((c) => c.includes(`${out}/package.json`) && c.includes(`${out}/package-lock.json`))).toBe(true);
    expect(runs.some((r) => /npm ci --omit=dev/.test(r))).toBe(true);
    expect(all(runtime, 'COPY').some((c) => c.includes(`/repo/${out}`))).toBe(true);
  });

  it('runs as a numeric non-root user under tini', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(Number(users.at(-1)!.split(':')[0])).toBeGreaterThan(0);
    expect(all(runtime, 'ENTRYPOINT').at(-1)).toMatch(/^\["\/usr\/bin\/tini", "--"/);
    expect(all(runtime, 'RUN').some((r) => /apt-get install .*\btini\b/.test(r))).toBe(true);
  });

  it('health-checks the route the app serves, on the port its config defaults to', async () => {
    const hc = all(runtime, 'HEALTHCHECK').at(-1);
    expect(hc).toBeDefined();
    const m = /process\.env\.(\w+)\|\|(\d+)\)\+'(\/[\w/]+)'/.exec(hc!);
    expect(m, hc).not.toBeNull();
    const [, portKey, fallback, route] = m!;
    expect(portKey).toBe(healthPortKey[app]);
    expect(healthRoutesOf(app)).toContain(route);
    expect(sourceMentions(app, route!), `${route} in apps/${app}/src`).toBe(true);
    const mod = await loadAppConfig(app);
    if (typeof mod === 'string') throw new Error(mod);
    expect(Number(fallback)).toBe(defaultOf(mod, portKey!));
    const exposed = all(runtime, 'EXPOSE').join(' ').split(/\s+/).map(Number);
    expect(exposed).toContain(Number(fallback));
  });
});

describe('bot and metrics-exporter images', () => {
  it.each(['bot', 'metrics-exporter'] as const)('%s runs on a pinned Node 24 slim image', (app) => {
    const { stages } = parseDockerfile(dockerfile(app));
    expect(baseImageOf(stages, lastStage(stages))).toMatch(/^node:24\.\d+\.\d+-\w+-slim$/);
  });
});

describe('bot image', () => {
  it('ships the vendored tokenizer the chunker loads and points TOKENIZER_PATH at it', () => {
    const { stages } = parseDockerfile(dockerfile('bot'));
    const runtime = lastStage(stages);
    const copy = all(runtime, 'COPY').find((c) => c.startsWith('models/'));
    expect(copy).toBeDefined();
    const [src, dest] = copy!.split(/\s+/);
    expect(existsSync(abs(path.join(src!, 'tokenizer.json'))), `${src}/tokenizer.json in the repository`).toBe(true);
    const workdir = all(runtime, 'WORKDIR').at(-1)!;
    const tokenizerPath = /TOKENIZER_PATH=(\S+)/.exec(all(runtime, 'ENV').join(' '))?.[1];
    expect(tokenizerPath).toBe(path.posix.join(workdir, dest!));
  });
});

describe('ml-api image', () => {
  const { stages } = parseDockerfile(dockerfile('ml-api'));
  const runtime = lastStage(stages);

  it('runs on a CUDA 12 + cuDNN runtime base with Node copied from the pinned Node image', () => {
    expect(baseImageOf(stages, runtime)).toMatch(/^nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu\d+\.\d+$/);
    expect(all(runtime, 'COPY')).toContain('--from=node /usr/local/bin/node /usr/local/bin/node');
    expect(baseImageOf(stages, stages.find((s) => s.name === 'node')!)).toMatch(/^node:24\./);
  });

  it("installs onnxruntime-node's CUDA 12 provider at build time with a value its install script accepts", () => {
    const deps = stages.find((s) => s.name === 'prod-deps')!;
    const env = all(deps, 'ENV').join(' ');
    const flag = /ONNXRUNTIME_NODE_INSTALL=(\S+)/.exec(env)?.[1];
    // install-metadata.js lists the manifests the install script accepts per platform.
    const require = createRequire(abs('package.json'));
    const metadata = require('onnxruntime-node/script/install-metadata.js') as { requirements: Record<string, string[]> };
    expect(metadata.requirements['linux/x64']).toContain(flag);
    expect(all(deps, 'RUN').some((r) => r.includes('libonnxruntime_providers_cuda.so'))).toBe(true);
    // The env variable must win over the repository's .npmrc "skip" (install-utils.js reads it first).
    expect(readText('.npmrc')).toMatch(/onnxruntime-node-install=skip/);
    expect(readText('node_modules/onnxruntime-node/script/install-utils.js')).toMatch(/process\.env\.ONNXRUNTIME_NODE_INSTALL \|\| process\.env\.npm_config_onnxruntime_node_install/);
  });

  it("drops onnxruntime-node's binaries for other platforms from the amd64 image", () => {
    const deps = stages.find((s) => s.name === 'prod-deps')!;
    const run = all(deps, 'RUN').join(' ');
    for (const dir of ['darwin', 'win32', 'linux/arm64']) expect(run).toContain(`onnxruntime-node/bin/napi-v6/${dir}`);
    expect(run).not.toMatch(/napi-v6\/linux\/x64(\s|$)/);
  });

  it('keeps the model cache on a volume and can bake pinned weights in with a build arg', () => {
    expect(all(runtime, 'VOLUME').join(' ')).toContain('/models');
    const models = stages.find((s) => s.name === 'models')!;
    expect(all(models, 'ARG')).toContain('BAKE_MODELS=false');
    expect(all(models, 'RUN').some((r) => r.includes('fetch-models.mjs'))).toBe(true);
  });
});

/** A .dockerignore pattern as a RegExp (Go filepath.Match plus `**`, which is what Docker uses). */
function ignoreRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
    .join('/')
    .replace(/\.\*\//g, '(?:.*/)?');
  // A matched directory excludes everything below it.
  return new RegExp(`^${body}(?:/.*)?$`);
}

/** Whether the build context keeps `file` (later patterns win; `!` re-includes). */
export function inContext(file: string, dockerignore: string): boolean {
  let kept = true;
  for (const raw of dockerignore.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (ignoreRegExp(negate ? line.slice(1) : line).test(file)) kept = negate;
  }
  return kept;
}

describe('build context', () => {
  const ignore = readText('.dockerignore');

  it('matches .dockerignore the way Docker does', () => {
    expect(inContext('node_modules/x/index.js', ignore)).toBe(false);
    expect(inContext('libs/a/node_modules/y.js', ignore)).toBe(false);
    expect(inContext('infra/compose/.env', ignore)).toBe(false);
    expect(inContext('infra/compose/.env.example', ignore)).toBe(true);
    expect(inContext('models/all-MiniLM-L6-v2-tokenizer/tokenizer.json', ignore)).toBe(true);
    expect(inContext('models/weights/model.onnx', ignore)).toBe(false);
  });

  it.each(APPS)('%s: every COPY from the context exists in the repository and is not ignored', (app) => {
    const { stages } = parseDockerfile(dockerfile(app));
    const sources = stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((c) => !c.includes('--from='))
      .flatMap((c) => c.split(/\s+/).filter((t) => !t.startsWith('--')).slice(0, -1))
      .filter((src) => src !== '.');
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(abs(src)), `${src} exists`).toBe(true);
      expect(inContext(src.replace(/\/$/, ''), ignore), `${src} is in the build context`).toBe(true);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, dependencies, build output and weights out of the build context', () => {
    const lines = readText('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['.git', '**/node_modules', 'dist', '**/.env', '**/*.onnx', '.nx']) expect(lines, p).toContain(p);
  });
});
