import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/config/project-root.js';
import { flowJsonSchema } from '../src/conversation/flow-json-schema.js';

// `npm run flows:schema`: rewrites flows/flow.schema.json after a change to the flow schema.
const target = join(projectRoot(), 'flows', 'flow.schema.json');
writeFileSync(target, flowJsonSchema());
console.log(`wrote ${target}`);
