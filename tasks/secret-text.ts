import * as z from 'zod';
import { isSecret, type Secret } from '../src/secret.js';

/**
 * A field that may hold a secret because it never becomes a command word: a
 * file's content, a command's stdin or environment, a message. Any other
 * string field refuses a Secret (src/secret-arguments.ts says why).
 */
export const textOrSecret = z.union([z.string(), z.custom<Secret>(isSecret, 'expected a string or a secret')]);

export function revealText(value: string | Secret): string {
  return isSecret(value) ? value.reveal() : value;
}
