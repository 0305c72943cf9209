import { ConfigError } from '../errors.js';

/** One `key = value` of an INI file, with the line it starts on (for errors and `provision config`). */
export interface IniValue {
  value: string;
  line: number;
}

/** A parsed INI file: sections by name (case kept), keys lowercased; `[DEFAULT]` apart, as configparser keeps it. */
export interface IniFile {
  file: string;
  sections: Map<string, Map<string, IniValue>>;
  defaults: Map<string, IniValue>;
}

const DEFAULT_SECTION = 'DEFAULT';

/**
 * Reads INI text as Python's configparser.ConfigParser(inline_comment_prefixes=(';',))
 * reads it, which is how Ansible 2.14 reads ansible.cfg: `#` and `;` start a
 * comment line; `;` after whitespace ends a value (`#` there is part of the
 * value); `=` or `:` separate key and value; keys are lowercased, sections
 * are not; a line indented deeper than its key continues the value (blank
 * lines inside it kept, trailing ones dropped); a repeated section or key, a
 * line before any section and a line without a separator are errors. `undecodable`
 * (decodeConfigText) names the lines with bytes that are not UTF-8: fine in a comment, an
 * error elsewhere.
 */
export function parseIni(text: string, file: string, undecodable: ReadonlyMap<number, number> = new Map()): IniFile {
  const sections = new Map<string, Map<string, IniValue>>();
  const defaults = new Map<string, IniValue>();
  const seenSections = new Set<string>();
  const seenKeys = new Set<string>();
  const pieces = new Map<IniValue, string[]>();
  let current: Map<string, IniValue> | undefined;
  let sectionName = '';
  let option: IniValue | undefined;
  let indentOfKey = Number.MAX_SAFE_INTEGER;
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let firstError: ConfigError | undefined;

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const commentAt = commentStart(raw);
    const value = raw.slice(0, commentAt).trim();
    if (!value) {
      // configparser keeps a blank line inside a multi-line value, not a comment line.
      if (commentAt === raw.length && option) pieces.get(option)!.push('');
      return;
    }
    const badByte = undecodable.get(lineNo);
    if (badByte !== undefined && value.includes('\uFFFD')) throw notUtf8(badByte, file, lineNo);
    const indent = raw.search(/\S/);
    if (current && option && indent > indentOfKey) {
      pieces.get(option)!.push(value);
      return;
    }
    indentOfKey = indent;
    const header = /^\[(.+)\]/.exec(value);
    if (header) {
      sectionName = header[1];
      option = undefined;
      if (sectionName === DEFAULT_SECTION) {
        current = defaults;
        return;
      }
      if (seenSections.has(sectionName)) throw new ConfigError(`section [${sectionName}] appears twice (configparser refuses it, so does Ansible)`, { file, line: lineNo });
      seenSections.add(sectionName);
      current = new Map();
      sections.set(sectionName, current);
      return;
    }
    if (!current) throw new ConfigError('a setting before any [section] header (write [defaults] above it)', { file, line: lineNo });
    const m = /^(.*?)\s*([=:])\s*(.*)$/.exec(value);
    if (!m || !m[1]) {
      option = undefined;
      firstError ??= new ConfigError(`cannot read "${value}": expected key = value`, { file, line: lineNo });
      return;
    }
    const key = m[1].trimEnd().toLowerCase();
    const id = `${sectionName}\0${key}`;
    if (seenKeys.has(id)) throw new ConfigError(`${key} is set twice in [${sectionName}] (configparser refuses it, so does Ansible)`, { file, line: lineNo }, key);
    seenKeys.add(id);
    option = { value: '', line: lineNo };
    pieces.set(option, [m[3].trim()]);
    current.set(key, option);
  });
  if (firstError) throw firstError;
  for (const [v, parts] of pieces) v.value = parts.join('\n').trimEnd();
  return { file, sections, defaults };
}

/** A byte that is not UTF-8 outside a comment (see config-text.ts for why it is refused). */
function notUtf8(byte: number, file: string, line: number): ConfigError {
  const hex = byte.toString(16).toUpperCase().padStart(2, '0');
  return new ConfigError(`byte 0x${hex} is not UTF-8 (a Latin-1 file?): Ansible would pass the raw byte on, provision cannot; save the file as UTF-8`, { file, line });
}

/**
 * Where a line's comment starts (its length when none): a whole line whose
 * first visible character is `#` or `;`, or a `;` at the start or after
 * whitespace (configparser's inline_comment_prefixes, as Ansible sets them).
 */
function commentStart(line: string): number {
  const visible = line.trimStart();
  if (visible.startsWith('#') || visible.startsWith(';')) return 0;
  for (let i = line.indexOf(';'); i >= 0; i = line.indexOf(';', i + 1)) {
    if (i === 0 || /\s/.test(line[i - 1])) return i;
  }
  return line.length;
}

/** configparser's get(section, key): the section's own value, else `[DEFAULT]`'s; none when the section does not exist. */
export function iniLookup(ini: IniFile, section: string, key: string): IniValue | undefined {
  const s = ini.sections.get(section);
  if (!s) return undefined;
  return s.get(key) ?? ini.defaults.get(key);
}
