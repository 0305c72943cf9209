import { ConfigErrors } from '../../src/errors.js';

/** The message of the ConfigErrors a call throws ('' when it throws none); any other error is rethrown. */
export function errorsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigErrors) return err.message;
    throw err;
  }
  return '';
}
