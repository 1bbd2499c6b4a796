/** Every deployment file parses: YAML (all documents), JSON and TOML. */
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { listFiles, readText, readYamlDocs } from './support/repo';

const yamlFiles = [...listFiles('infra', ['.yaml', '.yml']), ...listFiles('.github/workflows', ['.yaml', '.yml'])];
const jsonFiles = listFiles('infra', ['.json']);
const tomlFiles = listFiles('infra', ['.toml']);

describe('deployment files parse', () => {
  it('finds the files it is meant to check', () => {
    expect(yamlFiles).toEqual(expect.arrayContaining(['infra/compose/docker-compose.yml', 'infra/k8s/base/kustomization.yaml', '.github/workflows/ci.yml', '.github/workflows/release.yml']));
    expect(jsonFiles).toEqual(expect.arrayContaining(['infra/aws/ecs/ml-api.task-definition.json', 'infra/docker/models.json']));
    expect(tomlFiles).toContain('infra/fly/fly.toml');
  });

  it.each(yamlFiles)('%s', (file) => {
    expect(readYamlDocs(file).length).toBeGreaterThan(0);
  });

  it.each(jsonFiles)('%s', (file) => {
    expect(() => JSON.parse(readText(file))).not.toThrow();
  });

  it.each(tomlFiles)('%s', (file) => {
    expect(Object.keys(parseToml(readText(file))).length).toBeGreaterThan(0);
  });
});
