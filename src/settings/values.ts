import { isAbsolute, join, normalize } from 'node:path';

/**
 * Ansible's typing of a configuration value (config/manager.py ensure_type),
 * for the types of the settings provision reads. Each returns the value or
 * a problem in words (the caller adds file:line or the variable's name).
 */
export type Typed<T> = { value: T } | { problem: string };

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/**
 * Ansible's boolean words (convert_bool.BOOLEANS), any case. Ansible reads a
 * config boolean non-strictly (anything else is false, so `host_key_checking
 * = Flase` turns checking off); here anything else is an error.
 */
export function toBoolean(text: string): Typed<boolean> {
  const word = text.trim().toLowerCase();
  if (TRUE.has(word)) return { value: true };
  if (FALSE.has(word)) return { value: false };
  return { problem: `"${text}" is not a boolean (yes/no, true/false, on/off, 1/0, y/n, t/f)` };
}

/** Python's int(text): optional sign, decimal digits with single underscores between them, surrounding whitespace. */
export function toInteger(text: string): Typed<number> {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(text);
  if (!m) return { problem: `"${text}" is not a whole number` };
  return { value: Number(`${m[1]}${m[2].replace(/_/g, '')}`) };
}

/** ansible.parsing.quoting.unquote: one pair of matching quotes around the whole value goes. */
export function unquote(text: string): string {
  return text.length >= 2 && (text[0] === '"' || text[0] === "'") && text[text.length - 1] === text[0] ? text.slice(1, -1) : text;
}

/** How a path is made absolute: the environment for $VAR and ~, the directory a relative path is relative to. */
export interface PathContext {
  env: NodeJS.ProcessEnv;
  home: string;
  /** The config file's directory for a value from the file; the current directory otherwise. */
  base: string;
}

/**
 * Ansible's resolve_path (utils/path.py unfrackpath, follow=False): `{{CWD}}`
 * replaced, $VAR and ${VAR} expanded (unknown ones left as written, as
 * os.path.expandvars does), a leading ~ made $HOME, a relative path joined to
 * the base, and `.`/`..` collapsed without touching the file system.
 */
export function resolvePath(text: string, c: PathContext & { cwd: string }): string {
  const expanded = expandHome(expandVars(text.replaceAll('{{CWD}}', c.cwd), c.env), c.home);
  return normalize(isAbsolute(expanded) ? expanded : join(c.base, expanded)).replace(/(.)\/$/, '$1');
}

/** os.path.expandvars (POSIX): $NAME and ${NAME} of set variables; the rest as written. */
export function expandVars(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith('{') ? name.slice(1, -1) : name;
    const v = env[key];
    return v === undefined ? whole : v;
  });
}

/** os.path.expanduser for `~` and `~/...` (`~user` is left as written: provision does not read the passwd file). */
function expandHome(text: string, home: string): string {
  if (text === '~') return home;
  if (text.startsWith('~/')) return join(home, text.slice(2));
  return text;
}

/** Ansible's `pathlist`: comma-separated, each part trimmed and resolved. */
export function toPathList(text: string, c: PathContext & { cwd: string }): string[] {
  return text.split(',').map((p) => resolvePath(p.trim(), c));
}

/** Ansible's `pathspec`: colon-separated (os.pathsep), each part resolved. */
export function toPathSpec(text: string, c: PathContext & { cwd: string }): string[] {
  return text.split(':').map((p) => resolvePath(p, c));
}

/** Ansible's `list`: comma-separated, each part trimmed and unquoted. */
export function toList(text: string): string[] {
  return text.split(',').map((p) => unquote(p.trim()));
}
