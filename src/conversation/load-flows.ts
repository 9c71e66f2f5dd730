import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Dictionaries } from '../i18n/translator.js';
import { flowSchema, stepLocaleKeys, stepTargets, type Flow } from './flow-schema.js';

export class FlowError extends Error {
  override name = 'FlowError';
}

export interface FlowRegistries {
  validators: ReadonlySet<string>;
  actions: ReadonlySet<string>;
  choiceSources: ReadonlySet<string>;
  facts: ReadonlySet<string>;
  prefills: ReadonlySet<string>;
  /** Checks a validator's options; returns a problem or undefined. */
  checkValidatorOptions: (name: string, options: Record<string, unknown> | undefined) => string | undefined;
}

/** Problems of one parsed flow, each naming the file and step. */
export function checkFlow(flow: Flow, file: string, dictionaries: Dictionaries, registries: FlowRegistries, flowIds: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const at = (stepId: string) => `${file}: step "${stepId}"`;
  const ids = new Set<string>();
  for (const step of flow.steps) {
    if (ids.has(step.id)) problems.push(`${at(step.id)}: the id is used twice`);
    ids.add(step.id);
  }
  if (!ids.has(flow.start)) problems.push(`${file}: start "${flow.start}" names no step`);
  for (const [locale, dictionary] of Object.entries(dictionaries)) {
    if (dictionary[flow.title] === undefined) problems.push(`${file}: title "${flow.title}" is missing from locales/${locale}.json`);
  }

  for (const step of flow.steps) {
    for (const target of stepTargets(step)) if (!ids.has(target)) problems.push(`${at(step.id)}: next "${target}" names no step`);
    for (const key of stepLocaleKeys(step)) {
      for (const [locale, dictionary] of Object.entries(dictionaries)) {
        if (dictionary[key] === undefined) problems.push(`${at(step.id)}: text "${key}" is missing from locales/${locale}.json`);
      }
    }
    if (step.kind === 'ask') {
      if (!registries.validators.has(step.validator.name)) problems.push(`${at(step.id)}: validator "${step.validator.name}" is not registered`);
      else {
        const problem = registries.checkValidatorOptions(step.validator.name, step.validator.options);
        if (problem) problems.push(`${at(step.id)}: validator "${step.validator.name}" options: ${problem}`);
      }
    }
    if (step.kind === 'branch') {
      if ((step.field === undefined) === (step.fact === undefined)) problems.push(`${at(step.id)}: give either field or fact`);
      if (step.fact !== undefined && !registries.facts.has(step.fact)) problems.push(`${at(step.id)}: fact "${step.fact}" is not registered`);
    }
    if (step.kind === 'subflow' && step.prefill !== undefined && !registries.prefills.has(step.prefill)) problems.push(`${at(step.id)}: prefill "${step.prefill}" is not registered`);
    if ((step.kind === 'action' || step.kind === 'upload') && !registries.actions.has(step.action)) problems.push(`${at(step.id)}: action "${step.action}" is not registered`);
    if (step.kind === 'upload' && step.source !== undefined && !registries.choiceSources.has(step.source)) problems.push(`${at(step.id)}: choice source "${step.source}" is not registered`);
    if (step.kind === 'subflow' && !flowIds.has(step.flow)) problems.push(`${at(step.id)}: flow "${step.flow}" does not exist`);
    if (step.kind === 'choose') {
      if ((step.choices === undefined) === (step.source === undefined)) problems.push(`${at(step.id)}: give either choices or source`);
      if (step.source !== undefined && !registries.choiceSources.has(step.source)) problems.push(`${at(step.id)}: choice source "${step.source}" is not registered`);
    }
  }

  // Every step must be reachable from the start.
  const byId = new Map(flow.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const queue = [flow.start];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const step = byId.get(id);
    if (step) queue.push(...stepTargets(step));
  }
  for (const step of flow.steps) if (!seen.has(step.id)) problems.push(`${at(step.id)}: cannot be reached from "${flow.start}"`);
  if (!flow.steps.some((s) => s.kind === 'end')) problems.push(`${file}: has no end step`);
  return problems;
}

/**
 * Reads every flows/*.yaml, parses it with the flow schema and checks it; any problem
 * stops the start with a message naming the file and step.
 */
export function loadFlows(dir: string, dictionaries: Dictionaries, registries: FlowRegistries): Map<string, Flow> {
  const files = readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort();
  const parsed: { file: string; flow: Flow }[] = [];
  const problems: string[] = [];
  for (const name of files) {
    const file = `flows/${name}`;
    let data: unknown;
    try {
      data = parseYaml(readFileSync(join(dir, name), 'utf8'));
    } catch (error) {
      problems.push(`${file}: not valid YAML (${error instanceof Error ? error.message.split('\n')[0] : 'unreadable'})`);
      continue;
    }
    const result = flowSchema.safeParse(data);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`${file}: ${describePath(data, issue.path)} ${issue.message}`);
      continue;
    }
    if (result.data.id !== basename(name, '.yaml')) problems.push(`${file}: id "${result.data.id}" must match the file name`);
    parsed.push({ file, flow: result.data });
  }
  const ids = new Set(parsed.map((p) => p.flow.id));
  for (const { file, flow } of parsed) problems.push(...checkFlow(flow, file, dictionaries, registries, ids));
  if (problems.length > 0) throw new FlowError(`Invalid flows:\n- ${problems.join('\n- ')}`);
  return new Map(parsed.map((p) => [p.flow.id, p.flow]));
}

/** "step "name" field" rather than "steps.3.field", so an official can find it. */
function describePath(data: unknown, path: PropertyKey[]): string {
  if (path[0] === 'steps' && typeof path[1] === 'number' && data && typeof data === 'object' && 'steps' in data && Array.isArray(data.steps)) {
    const step: unknown = data.steps[path[1]];
    const id = step && typeof step === 'object' && 'id' in step ? String(step.id) : `#${path[1] + 1}`;
    return `step "${id}"${path.length > 2 ? ` ${path.slice(2).join('.')}` : ''}:`;
  }
  return path.length > 0 ? `${path.join('.')}:` : '';
}
