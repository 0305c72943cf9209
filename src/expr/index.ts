/**
 * The expression language of `when:`, `changed_when:`, `failed_when:` and
 * `assert: that:`: Ansible 2.14's conditionals (Jinja2 expressions), the part
 * that the README's "Conditions" lists, with a third truth value for check mode.
 */
export { UNKNOWN, UNKNOWN_TEXT, Unknown, isUnknown, containsUnknown } from './unknown.js';
export { ExpressionError } from './error.js';
export { parseExpression } from './parse.js';
export type { Expression } from './ast.js';
export { expressionNames } from './names.js';
export { evaluateCondition } from './condition.js';
