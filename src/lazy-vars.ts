import { TemplateError } from './template.js';

/**
 * Ansible evaluates variables lazily: a templated value (`url: "https://{{ domain }}/app"`)
 * is rendered when it is used, with all of the host's variables, whatever level
 * defined it. `defineLazy` puts such a value on a variables object as a getter that
 * renders it once on first read; assigning the key later (a higher level) replaces it.
 */
export function defineLazy(vars: Record<string, unknown>, key: string, render: () => unknown): void {
  let state: 'pending' | 'rendering' | 'done' = 'pending';
  let value: unknown;
  Object.defineProperty(vars, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      if (state === 'done') return value;
      if (state === 'rendering') throw new TemplateError(`variable "${key}" refers to itself`);
      state = 'rendering';
      try {
        value = render();
        state = 'done';
      } finally {
        if (state === 'rendering') state = 'pending';
      }
      return value;
    },
    set: (v: unknown) => {
      Object.defineProperty(vars, key, { value: v, enumerable: true, configurable: true, writable: true });
    },
  });
}

/** Whether a value holds a template anywhere (strings, lists, mappings). */
export function isTemplated(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(isTemplated);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).some(isTemplated);
  return false;
}
