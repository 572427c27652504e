// Requests the engine turns down, each with a code: callers that must tell one refusal from
// another (a missing flag to fill in, an operation that is not there) test the code, never
// the message, and every front end shows the same words.
import { GrunError } from '../store/errors.js';

export type RefusalCode =
  | 'no-operation'
  | 'missing-flag'
  | 'bad-value'
  | 'unknown-executor'
  | 'ssh-with-executor'
  | 'ssh-sweep'
  | 'search-here'
  | 'ssh-stage'
  | 'ssh-submission'
  | 'local-with-slurm-remote'
  | 'slurm-stage'
  | 'slurm-stage-trials'
  | 'slurm-gpus'
  | 'stage-sweep'
  | 'stage-memo'
  | 'not-staged'
  | 'bad-pipeline'
  | 'remote-pipeline';

export class Refusal extends GrunError {
  constructor(
    readonly code: RefusalCode,
    message: string,
    /** What the refusal is about: the missing flag's name, the operation asked for. */
    readonly subject?: string,
    hint?: string,
  ) {
    super(message, 1, hint); // named GrunError still: to the user it is one, the code tells refusals apart
  }
}
