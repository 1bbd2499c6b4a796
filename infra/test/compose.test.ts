/**
 * The compose stack: validated by `docker-compose config` (Debian's docker-compose 1.29 or Compose
 * v2) where installed, and always by a structural check of the resolved file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDotenv } from './support/compose';
import { abs, readText, readYaml, run, which } from './support/repo';
import { COMPOSE_ENV_EXAMPLE, COMPOSE_FILE, composeWorkloads, placeholderFor, resolvedCompose } from './support/workloads';

type Service = Record<string, unknown> & { profiles?: string[]; depends_on?: Record<string, { condition: string }>; healthcheck?: unknown };
const services = resolvedCompose()['services'] as Record<string, Service>;
const PROFILE_SETS = [[], ['cpu'], ['gpu'], ['webhook', 'cpu']];

/** A runner for `config`: Compose v2 plugin, else the standalone docker-compose. */
function composeCommand(): [string, string[]] | undefined {
  if (which('docker')) {
    try {
      run('docker', ['compose', 'version']);
      return ['docker', ['compose']];
    } catch {
      /* no v2 plugin */
    }
  }
  return which('docker-compose') ? ['docker-compose', []] : undefined;
}

describe('compose', () => {
  const cmd = composeCommand();

  it.skipIf(!cmd).each(PROFILE_SETS.map((p) => [p.join(',') || '(default)', p]))('docker-compose config accepts profile set %s', (_label, profiles) => {
    const [bin, pre] = cmd!;
    const env = { ...parseDotenv(readText(COMPOSE_ENV_EXAMPLE)), TELEGRAM_TOKEN: placeholderFor('TELEGRAM_TOKEN'), GRAFANA_ADMIN_PASSWORD: 'x' };
    const args = [...pre, '-f', COMPOSE_FILE, ...(profiles as string[]).flatMap((p) => ['--profile', p]), 'config', '-q'];
    expect(() => run(bin, args, { env })).not.toThrow();
  });

  it.skipIf(!cmd)('docker-compose config refuses to start without TELEGRAM_TOKEN', () => {
    const [bin, pre] = cmd!;
    expect(() => run(bin, [...pre, '-f', COMPOSE_FILE, 'config', '-q'], { env: { TELEGRAM_TOKEN: '', GRAFANA_ADMIN_PASSWORD: 'x' } })).toThrow(/TELEGRAM_TOKEN/);
  });

  it.skipIf(!cmd)('resolves environments exactly as docker-compose config does (the fallback interpolation is faithful)', () => {
    const [bin, pre] = cmd!;
    const env = { ...parseDotenv(readText(COMPOSE_ENV_EXAMPLE)), TELEGRAM_TOKEN: placeholderFor('TELEGRAM_TOKEN'), GRAFANA_ADMIN_PASSWORD: placeholderFor('GRAFANA_ADMIN_PASSWORD') };
    const profiles = ['cpu', 'gpu', 'webhook'].flatMap((p) => ['--profile', p]);
    const real = parse(run(bin, [...pre, '-f', COMPOSE_FILE, ...profiles, 'config'], { env })) as { services: Record<string, { environment?: Record<string, unknown> }> };
    const norm = (e: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(e ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
    for (const [name, svc] of Object.entries(services)) {
      expect(norm(svc['environment'] as Record<string, unknown>), name).toEqual(norm(real.services[name]?.environment));
    }
  });

  it('has every service the stack needs, with the ml-api as GPU and CPU profiles and the webhook bot as a profile', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['bot', 'bot-webhook', 'grafana', 'metrics-exporter', 'ml-api', 'ml-api-cpu', 'otel-collector', 'prometheus', 'qdrant', 'redis', 'tempo'].sort(),
    );
    expect(services['ml-api']!.profiles).toEqual(['gpu']);
    expect(services['ml-api-cpu']!.profiles).toEqual(['cpu']);
    expect(services['bot-webhook']!.profiles).toEqual(['webhook']);
    expect(services['bot']!.profiles).toBeUndefined();
    const gpu = (services['ml-api']!['deploy'] as { resources: { reservations: { devices: { driver: string; capabilities: string[] }[] } } }).resources.reservations.devices[0]!;
    expect(gpu).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
    expect((services['qdrant']!['volumes'] as string[]).some((v) => v.endsWith(':/qdrant/storage'))).toBe(true);
  });

  it('orders start-up on health: every depends_on target is a service, and "service_healthy" only where it has a healthcheck', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
        expect(services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_started', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy') expect(services[dep]!.healthcheck, `${dep} has no healthcheck for ${name}`).toBeDefined();
        // A default-profile service may not wait for one that only runs in a profile.
        if (!svc.profiles) expect(services[dep]!.profiles, `${name} depends on profile-only ${dep}`).toBeUndefined();
      }
    }
    expect(services['bot']!.depends_on?.['qdrant']?.condition).toBe('service_healthy');
    expect(services['grafana']!.depends_on?.['prometheus']?.condition).toBe('service_healthy');
  });

  it('lists every variable the compose file reads in .env.example', () => {
    const listed = parseDotenv(readText(COMPOSE_ENV_EXAMPLE));
    const used = [...readText(COMPOSE_FILE).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
    const missing = [...new Set(used)].filter((v) => !(v in listed));
    expect(missing, `variables missing from ${COMPOSE_ENV_EXAMPLE}`).toEqual([]);
  });

  it('mounts config files and folders that exist', () => {
    const raw = readYaml<{ services: Record<string, { volumes?: string[] }> }>(COMPOSE_FILE);
    const missing: string[] = [];
    for (const [name, svc] of Object.entries(raw.services)) {
      for (const v of svc.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.') && !existsSync(abs(path.join('infra/compose', source)))) missing.push(`${name}: ${source}`);
      }
    }
    expect(missing, 'bind mounts whose source is missing').toEqual([]);
  });

  it('runs our services hardened: read-only root, no new privileges, all capabilities dropped', () => {
    for (const w of composeWorkloads().filter((x) => x.app)) {
      expect(w.raw['read_only'], w.name).toBe(true);
      expect(w.raw['cap_drop'], w.name).toEqual(['ALL']);
      expect(w.raw['security_opt'], w.name).toContain('no-new-privileges:true');
    }
  });
});
