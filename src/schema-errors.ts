import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { formatPath, type FieldPath, type YamlSource } from './yaml-source.js';

/**
 * Turns zod issues into ConfigErrors that point at the YAML source:
 * `playbooks/site.yaml:14:9: tasks[2].apt.packages: expected array, received string`
 */
export function schemaErrors(error: z.ZodError, source: YamlSource, base: FieldPath, displayBase: FieldPath = base): ConfigError[] {
  return error.issues.map((issue) => {
    const path = [...base, ...(issue.path as FieldPath)];
    const shown = [...displayBase, ...(issue.path as FieldPath)];
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      return new ConfigError(
        `unknown ${keys.length > 1 ? 'keys' : 'key'} ${keys.map((k) => `"${k}"`).join(', ')}`,
        source.locate(path, keys[0]),
        formatPath(shown) || undefined,
      );
    }
    return new ConfigError(describeIssue(issue), source.locate(path), formatPath(shown) || undefined);
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod's own messages start with "Invalid input: expected ..." — keep the useful part.
  return issue.message.replace(/^Invalid input: /, '');
}
