import { evaluateCondition, isUnknown } from './expr/index.js';

/**
 * `when:` for the engine as it is today, which decides before the run over
 * variables alone (no registered results, so nothing is unknown). The language
 * is src/expr/; this keeps the old boolean signature until the engine calls
 * evaluateCondition itself.
 */
export function evaluateWhen(expression: string | boolean, vars: Record<string, unknown>): boolean {
  const result = evaluateCondition(expression, vars);
  if (isUnknown(result)) throw new Error(`condition "${String(expression)}" depends on a value that is unknown in check mode`);
  return result;
}
