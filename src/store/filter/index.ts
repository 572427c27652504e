// The `-F` filter expression language: `parseFilter` once per expression, `matchFilter` per run.
export { FilterSyntaxError } from './errors.js';
export { parseFilter, type CompareOp, type FilterNode, type ValueRef } from './parser.js';
export { lastScalarValue, matchFilter, scalarLookup, type ScalarLast, type ScalarLookup } from './evaluate.js';
