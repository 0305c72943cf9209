/**
 * Ansible evaluates variables lazily: a templated value (`url: "https://{{ domain }}/app"`)
 * is rendered when it is used, with all of the host's variables, whatever level
 * defined it. `defineLazy` puts such a value on a variables object as a getter that
 * renders it once on first read; assigning the key later (a higher level) replaces it.
 *
 * While a value renders, its own name means the value one level down (or nothing):
 * the guide playbooks write `acme_server: '{{ default acme_server "…" }}'` in play
 * vars so that an inventory can set it. That also ends any loop of references.
 */
export function defineLazy(vars: Record<string, unknown>, key: string, render: () => unknown): void {
  const below = Object.getOwnPropertyDescriptor(vars, key);
  let done = false;
  let value: unknown;
  const self: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get: () => {
      if (done) return value;
      if (below) Object.defineProperty(vars, key, below);
      else delete vars[key];
      try {
        value = render();
        done = true;
      } finally {
        Object.defineProperty(vars, key, self);
      }
      return value;
    },
    set: (v: unknown) => {
      Object.defineProperty(vars, key, { value: v, enumerable: true, configurable: true, writable: true });
    },
  };
  Object.defineProperty(vars, key, self);
}

/**
 * Whether a value holds a template anywhere (strings, lists, mappings). A Jinja
 * statement or comment counts, so that it is rendered, and refused with the
 * handlebars way, instead of reaching a host as text.
 */
export function isTemplated(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{') || value.includes('{%') || value.includes('{#');
  if (Array.isArray(value)) return value.some(isTemplated);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).some(isTemplated);
  return false;
}
