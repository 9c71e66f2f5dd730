import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flowJsonSchema } from '../../src/conversation/flow-json-schema.js';
import { describe, expect, it } from 'vitest';
import { FlowError, loadFlows } from '../../src/conversation/load-flows.js';
import type { Dictionaries } from '../../src/i18n/translator.js';

const fixtures = join(import.meta.dirname, '../fixtures/flows');
const keys = [
  't.greeting.title',
  't.greeting.hello',
  't.greeting.name',
  't.greeting.kind',
  't.greeting.kind.htx',
  't.greeting.kind.household',
  't.greeting.taxCode',
  't.greeting.commune',
  't.greeting.summary',
  't.greeting.done',
];
const dictionaries: Dictionaries = {
  vi: Object.fromEntries(keys.map((k) => [k, `vi ${k}`])),
  en: Object.fromEntries(keys.map((k) => [k, `en ${k}`])),
};
const registries = {
  validators: new Set(['text', 'taxCode']),
  actions: new Set(['saveProfile']),
  choiceSources: new Set(['communes']),
  facts: new Set(['hasProfile']),
  prefills: new Set<string>(),
  checkValidatorOptions: (name: string, options: Record<string, unknown> | undefined) => (name === 'text' && options?.min === 0 ? 'min: too small' : undefined),
};

function problemsOf(dir: string, dicts = dictionaries): string[] {
  try {
    loadFlows(join(fixtures, dir), dicts, registries);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(FlowError);
    return (error as Error).message.split('\n- ').slice(1);
  }
}

describe('flow files', () => {
  it('loads a flow that uses every step kind', () => {
    const flows = loadFlows(join(fixtures, 'good'), dictionaries, registries);
    expect([...flows.keys()]).toEqual(['greeting']);
    expect(flows.get('greeting')).toMatchObject({ version: 1, maxAttempts: 3, start: 'hello' });
  });

  it('names the file and step of every mistake in a broken flow', () => {
    expect(problemsOf('broken').sort()).toEqual(
      [
        'flows/broken.yaml: step "first": next "nowhere" names no step',
        'flows/broken.yaml: step "first": text "t.missing.everywhere" is missing from locales/vi.json',
        'flows/broken.yaml: step "first": text "t.missing.everywhere" is missing from locales/en.json',
        'flows/broken.yaml: step "orphan": validator "noSuchValidator" is not registered',
        'flows/broken.yaml: step "act": action "noSuchAction" is not registered',
        'flows/broken.yaml: step "sub": flow "no-such-flow" does not exist',
        'flows/broken.yaml: step "orphan": cannot be reached from "first"',
        'flows/broken.yaml: step "act": cannot be reached from "first"',
        'flows/broken.yaml: step "sub": cannot be reached from "first"',
        'flows/broken.yaml: has no end step',
      ].sort(),
    );
  });

  it('reports schema errors by step id and field', () => {
    const problems = problemsOf('bad-shape');
    expect(problems.some((p) => p.startsWith('flows/bad-shape.yaml: step "first" field:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('flows/bad-shape.yaml: step "first" validator:'))).toBe(true);
  });

  it('refuses a text present in Vietnamese but not in English', () => {
    const { 't.greeting.done': _dropped, ...en } = dictionaries.en;
    expect(problemsOf('good', { vi: dictionaries.vi, en })).toEqual(['flows/greeting.yaml: step "done": text "t.greeting.done" is missing from locales/en.json']);
  });
});

describe('flows/flow.schema.json', () => {
  it('is the JSON Schema of the current flow schema (run npm run flows:schema after changing it)', () => {
    expect(readFileSync(join(import.meta.dirname, '../../flows/flow.schema.json'), 'utf8')).toBe(flowJsonSchema());
  });
});
