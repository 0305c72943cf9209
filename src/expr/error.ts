import { redact } from '../secret.js';

/**
 * A condition that cannot be parsed or evaluated. The message names the
 * expression, what is wrong and where (1-based column in the expression's
 * text); it never holds a variable's value, only names and types, so a secret
 * cannot reach it.
 */
export class ExpressionError extends Error {
  constructor(
    readonly problem: string,
    readonly expression: string,
    readonly column?: number,
  ) {
    super(redact(`${problem} (in "${expression}"${column ? ` at column ${column}` : ''})`));
    this.name = 'ExpressionError';
  }
}
