import { ExpressionError } from './error.js';
import { Evaluator, UndefinedVariableError } from './evaluate.js';
import { parseExpression } from './parse.js';
import { isUnknown, UNKNOWN, type Unknown } from './unknown.js';

/**
 * Ansible's truthiness of a condition (`when:`, `changed_when:`, `failed_when:`,
 * `assert: that:`), or UNKNOWN when it depends on what check mode cannot know.
 * A list means all of them, in order, stopping at the first false (Ansible's
 * `when:` list); an empty list, an empty string and null are true, as in Ansible.
 */
export function evaluateCondition(expr: string | boolean | (string | boolean)[], vars: Record<string, unknown>): boolean | Unknown {
  if (!Array.isArray(expr)) return evaluateOne(expr, vars);
  let unknown = false;
  for (const one of expr) {
    let result: boolean | Unknown;
    try {
      result = evaluateOne(one, vars);
    } catch (err) {
      // An earlier unknown condition may be false at run time, and then this one is never evaluated.
      if (unknown && err instanceof ExpressionError) return UNKNOWN;
      throw err;
    }
    if (result === false) return false;
    if (isUnknown(result)) unknown = true;
  }
  return unknown ? UNKNOWN : true;
}

function evaluateOne(expr: string | boolean | null | undefined, vars: Record<string, unknown>): boolean | Unknown {
  if (typeof expr === 'boolean') return expr;
  if (expr === null || expr === undefined || expr === '') return true;
  const text = String(expr);
  const evaluator = new Evaluator(text, vars);
  try {
    return evaluator.truth(evaluator.evaluate(parseExpression(text)));
  } catch (err) {
    if (err instanceof UndefinedVariableError && err.value.missingVariable) {
      const rescued = rescueByDefinedTest(text, err.value.missingVariable);
      if (rescued !== undefined) return rescued;
    }
    throw err;
  }
}

// Ansible's DEFINED_REGEX (ansible/playbook/conditional.py, 2.14).
const DEFINED_TEST = /(hostvars\[.+\]|[\w_]+)\s+(not\s+is|is|is\s+not)\s+(defined|undefined)/g;

/**
 * Ansible 2.14's rescue of an undefined variable: when evaluating fails on an
 * undefined `x` and the condition's text has `x is defined` (or `is not
 * defined`, `is undefined`), the condition's answer is that test's verdict on
 * a missing `x`, wherever the test sits (`x == 1 or x is undefined` is true).
 */
function rescueByDefinedTest(text: string, name: string): boolean | undefined {
  for (const [, variable, logic, state] of text.matchAll(DEFINED_TEST)) {
    if (variable.replaceAll("'", '"') !== name.replaceAll("'", '"')) continue;
    const shouldExist = logic.includes('not') !== (state === 'defined');
    return !shouldExist;
  }
  return undefined;
}
