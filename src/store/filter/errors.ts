import { GrunError } from '../errors.js';

/** A filter expression that does not parse; `pos` is the zero-based offset of the offending token. */
export class FilterSyntaxError extends GrunError {
  constructor(
    readonly expr: string,
    readonly pos: number,
    readonly detail: string,
  ) {
    super(`invalid filter '${expr}': ${detail} at position ${pos}`);
    this.name = 'FilterSyntaxError';
  }
}
