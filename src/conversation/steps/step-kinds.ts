import type { FlowStep } from '../flow-schema.js';
import { actionStep } from './action.js';
import { askStep } from './ask.js';
import { branchStep } from './branch.js';
import { chooseStep } from './choose.js';
import { confirmStep } from './confirm.js';
import { endStep } from './end.js';
import { sayStep } from './say.js';
import type { StepKind } from './step-parts.js';
import { subflowStep } from './subflow.js';
import { uploadStep } from './upload.js';

// Every kind of step a flow may have, each one module: a kind added to the flow schema
// and missing here does not compile.

const stepKinds = {
  say: sayStep,
  ask: askStep,
  choose: chooseStep,
  confirm: confirmStep,
  upload: uploadStep,
  branch: branchStep,
  action: actionStep,
  subflow: subflowStep,
  end: endStep,
} satisfies { [K in FlowStep['kind']]: StepKind<Extract<FlowStep, { kind: K }>> };

/** The kind of `step`, typed for it. */
export function kindOf<S extends FlowStep>(step: S): StepKind<S> {
  // The registry pairs each kind with its own record (checked above); TypeScript cannot
  // follow that pairing through an index by `step.kind`.
  return stepKinds[step.kind] as unknown as StepKind<S>;
}
