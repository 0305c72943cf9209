import { ConfigError } from './errors.js';
import { formatPath, type FieldPath, type YamlSource } from './yaml-source.js';

/** The keys whose value is a file mode, in task arguments (file, copy, template, htpasswd…) and `verify:` checks. */
const MODE_KEYS = new Set(['mode', 'directory_mode']);

/** A YAML 1.1 decimal integer that is not 0: `644`, `+755`, `1_000` (octal is `0644`, hex `0x1a4`). */
const DECIMAL = /^[-+]?[1-9][0-9_]*$/;

/**
 * `mode: 644` written as a decimal number: Ansible takes a number as the mode's value, so this
 * sets 01204 (the classic mistake; its docs warn of it). provision refuses it, at its line,
 * before any host is touched. Only a number written so counts: a number from a variable keeps
 * Ansible's meaning, and `0644` or `"0644"` are the mode meant. `data` is the file's data (or a
 * part of it at `base`); the source's text is read only where a mode key holds a number.
 */
export function decimalModeErrors(source: YamlSource, data: unknown, base: FieldPath = []): ConfigError[] {
  const errors: ConfigError[] = [];
  const walk = (value: unknown, path: FieldPath): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        const at = [...path, key];
        if (MODE_KEYS.has(key) && typeof v === 'number') {
          const text = source.plainScalarText(at);
          if (text !== undefined && DECIMAL.test(text)) errors.push(new ConfigError(decimalModeProblem(text, v), source.locate(at), fieldName(at)));
        } else walk(v, at);
      }
    }
  };
  walk(data, base);
  return errors;
}

/** As task fields are shown: relative to the play or task the path starts at (`tasks[2].file.mode`). */
function fieldName(path: FieldPath): string {
  return formatPath(typeof path[0] === 'number' ? path.slice(1) : path);
}

function decimalModeProblem(text: string, value: number): string {
  const meant = text.replace(/^[-+]/, '').replace(/_/g, '');
  const octal = Number.isInteger(value) && value >= 0 ? ` (Ansible would set 0${value.toString(8)})` : '';
  return `mode ${text} is a decimal number, read as the mode's numeric value${octal}: write 0${meant.padStart(3, '0')} or "0${meant.padStart(3, '0')}" for octal`;
}
