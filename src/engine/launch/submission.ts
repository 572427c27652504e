// An Accio run definition made ready to launch: the operation it names planned as the
// prototype, the definition checked as a whole against its flags (every problem reported at
// once, with its path), then expanded to its runs.
import { parseJsonText } from '../sweep/json-text.js';
import { expandRuns, type Expansion } from '../sweep/expand.js';
import { resolveRunDefinition, type OperationFlags, type RunOverrides, type SubmitSource } from '../sweep/rundef.js';
import { planOperation } from '../plan.js';
import type { RunPlan } from '../plan-types.js';

/** The `workflow` a definition names, read loosely (the full check reports any problem). */
function workflowOf(source: SubmitSource): string | null {
  if (source.kind === 'operation') return source.name;
  try {
    const json = parseJsonText(source.text);
    if (json && typeof json === 'object' && !Array.isArray(json) && typeof json.workflow === 'string') {
      return json.workflow.trim() || null;
    }
  } catch {
    // invalid JSON: reported with its position by resolveRunDefinition
  }
  return null;
}

export async function resolveSubmission(
  home: string,
  cwd: string,
  source: SubmitSource,
  overrides: RunOverrides,
): Promise<{ proto: RunPlan; expansion: Expansion }> {
  const workflow = workflowOf(source);
  const proto = workflow === null ? null : await planOperation(home, cwd, workflow);
  const lookup = (name: string): OperationFlags | null => (proto && name === workflow ? { flags: proto.flagDefs } : null);
  const expansion = expandRuns(resolveRunDefinition(source, overrides, lookup));
  // resolveRunDefinition has refused a definition whose operation is not there
  return { proto: proto!, expansion };
}
