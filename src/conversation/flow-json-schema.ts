import { z } from 'zod';
import { flowSchema } from './flow-schema.js';

/** The flow schema as JSON Schema, for editors checking flows/*.yaml as they are typed. */
export function flowJsonSchema(): string {
  const schema = z.toJSONSchema(flowSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, title: 'OCOP Zalo assistant conversation flow' }, null, 2)}\n`;
}
