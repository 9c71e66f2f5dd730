import { z } from 'zod';

// A flow is data: one YAML file per flow in flows/, parsed with this schema, which is
// also emitted as JSON Schema (flows/flow.schema.json) for editors.

const stepId = z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'step ids are camelCase words');
const localeKey = z.string().regex(/^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)+$/, 'a locale key such as productIdea.name.prompt');
const fieldName = z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'field names are camelCase words');

const say = z.object({ id: stepId, kind: z.literal('say'), text: localeKey, next: stepId });

const ask = z.object({
  id: stepId,
  kind: z.literal('ask'),
  prompt: localeKey,
  field: fieldName,
  validator: z.object({ name: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }),
  /** The user may answer "bỏ qua" (skip) and the field stays empty. */
  optional: z.boolean().default(false),
  /** Also offer Zalo's form so the user can share this from their Zalo profile with one tap. */
  shareFromZalo: z.enum(['phone', 'name', 'address']).optional(),
  next: stepId,
});

const choice = z.object({
  value: z.string().min(1),
  label: localeKey,
  /** also a button under a list too long for buttons: the actions most people come for */
  primary: z.boolean().optional(),
  /** the button's shorter title (Zalo holds 20 characters), when the label is longer */
  button: localeKey.optional(),
});
const choose = z.object({
  id: stepId,
  kind: z.literal('choose'),
  prompt: localeKey,
  field: fieldName,
  /**
   * Fixed choices, or `source`: a named list the app provides (product sets), or a
   * directory too long to list (communes) that the user searches by typing part of a name.
   */
  choices: z.array(choice).min(2).optional(),
  source: z.string().min(1).optional(),
  /**
   * The user may answer "bỏ qua" (skip) and the field stays empty. The prompt says so in its
   * own words ("if you have none" fits a question, not a choice such as a gender).
   */
  optional: z.boolean().default(false),
  /** For a searched source: how to type a name (default flow.search.typeName), what to say when nothing matches (default flow.search.none). */
  searchHint: localeKey.optional(),
  notFound: localeKey.optional(),
  next: stepId,
});

const confirm = z.object({
  id: stepId,
  kind: z.literal('confirm'),
  prompt: localeKey,
  /**
   * Numbered in the summary: "sửa 3" asks the third again from `step` and comes back here
   * once `until` (default: the same step) is answered — a sector edit also asks its group.
   */
  fields: z
    .array(
      z.object({
        field: fieldName,
        label: localeKey,
        step: stepId,
        until: stepId.optional(),
        /** Personal data (a personal ID): shown as its first three and last four characters. */
        masked: z.boolean().default(false),
      }),
    )
    .min(1),
  next: stepId,
});

const branch = z.object({
  id: stepId,
  kind: z.literal('branch'),
  /** Branch on an answer of this flow, or on a fact the app knows (has a profile, has ideas). */
  field: fieldName.optional(),
  fact: z.string().min(1).optional(),
  cases: z.array(z.object({ equals: z.string(), next: stepId })).min(1),
  otherwise: stepId,
});

const action = z.object({ id: stepId, kind: z.literal('action'), action: z.string().min(1), next: stepId });

const subflow = z.object({
  id: stepId,
  kind: z.literal('subflow'),
  flow: z.string().min(1),
  /** Named answers the app fills in (an existing profile), so the sub-flow opens on its summary. */
  prefill: z.string().min(1).optional(),
  next: stepId,
});

/**
 * Photos or files for a checklist item. With `source` the step walks through the items
 * the source lists (those still missing), one at a time, and goes on to `next` when none
 * is left; without it, the item is the answer in `field` (chosen before). Files sent are
 * handed to `action`; several photos in a row are pages of one item. `replace: true`
 * makes what is sent replace the item's earlier documents.
 */
const upload = z.object({
  id: stepId,
  kind: z.literal('upload'),
  prompt: localeKey,
  field: fieldName,
  source: z.string().min(1).optional(),
  action: z.string().min(1),
  replace: z.boolean().default(false),
  /**
   * Where "không phải cấp" leads for an item the source marks exemptible: the steps that
   * take the reason and record the declaration, and come back here.
   */
  exempt: stepId.optional(),
  next: stepId,
});

const end = z.object({ id: stepId, kind: z.literal('end'), text: localeKey.optional() });

export const flowStepSchema = z.discriminatedUnion('kind', [say, ask, choose, confirm, branch, action, subflow, upload, end]);

export const flowSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'flow ids are kebab-case'),
    version: z.number().int().positive(),
    title: localeKey,
    start: stepId,
    /** Failed answers before the bot offers help, the menu or an official. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    steps: z.array(flowStepSchema).min(1),
  })
  .strict();

export type Flow = z.infer<typeof flowSchema>;
export type FlowStep = z.infer<typeof flowStepSchema>;

/** Every step id a step can lead to. */
export function stepTargets(step: FlowStep): string[] {
  switch (step.kind) {
    case 'branch':
      return [...step.cases.map((c) => c.next), step.otherwise];
    case 'confirm':
      return [step.next, ...step.fields.flatMap((f) => (f.until ? [f.step, f.until] : [f.step]))];
    case 'end':
      return [];
    case 'upload':
      return step.exempt ? [step.next, step.exempt] : [step.next];
    case 'say':
    case 'ask':
    case 'choose':
    case 'action':
    case 'subflow':
      return [step.next];
    default:
      return unknownStepKind(step);
  }
}

/** Every locale key a step says. */
export function stepLocaleKeys(step: FlowStep): string[] {
  switch (step.kind) {
    case 'say':
      return [step.text];
    case 'ask':
    case 'upload':
      return [step.prompt];
    case 'choose':
      return [step.prompt, ...(step.choices ?? []).flatMap((c) => (c.button ? [c.label, c.button] : [c.label])), ...(step.searchHint ? [step.searchHint] : []), ...(step.notFound ? [step.notFound] : [])];
    case 'confirm':
      return [step.prompt, ...step.fields.map((f) => f.label)];
    case 'end':
      return step.text ? [step.text] : [];
    case 'branch':
    case 'action':
    case 'subflow':
      return [];
    default:
      return unknownStepKind(step);
  }
}

/**
 * The last arm of every switch over a step's kind: a kind added to the schema but not
 * handled in one of them fails to compile there, instead of falling into a default.
 */
export function unknownStepKind(step: never): never {
  throw new Error(`step kind ${(step as { kind?: unknown }).kind} is not handled`);
}
