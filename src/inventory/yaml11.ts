import type { ScalarTag, Tags } from 'yaml';

/**
 * YAML 1.1 scalars exactly as Ansible (PyYAML's resolver) reads them. The `yaml`
 * package's own 1.1 schema is close but not equal: it reads `y`/`n` as booleans,
 * `1e3` and `08` as numbers and `2001-12-14` as a Date, where Ansible keeps
 * strings. The patterns below are PyYAML's.
 */
export const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
export const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
export const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** PyYAML's null (and the `yaml` package's 1.1 one): `~`, null in three spellings, or nothing. */
export const NULL = /^(?:~|[Nn]ull|NULL)?$/;

export function resolveBool(text: string): boolean {
  return /^(?:yes|true|on)$/i.test(text);
}

const REPLACED = new Set(['tag:yaml.org,2002:bool', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:timestamp', 'tag:yaml.org,2002:binary']);

function sexagesimal(digits: string): number {
  return digits.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

function signed(text: string, read: (unsigned: string) => number): number {
  const sign = text.startsWith('-') ? -1 : 1;
  return sign * read(text.replace(/^[-+]/, ''));
}

export function resolveInt(text: string): number {
  return signed(text.replace(/_/g, ''), (t) => {
    if (t.startsWith('0b')) return parseInt(t.slice(2), 2);
    if (t.startsWith('0x')) return parseInt(t.slice(2), 16);
    if (t.includes(':')) return sexagesimal(t);
    if (t.length > 1 && t.startsWith('0')) return parseInt(t, 8);
    return parseInt(t, 10);
  });
}

export function resolveFloat(text: string): number {
  const lower = text.toLowerCase();
  if (lower.endsWith('.nan')) return NaN;
  return signed(text.replace(/_/g, ''), (t) => {
    if (t.toLowerCase() === '.inf') return Infinity;
    if (t.includes(':')) return sexagesimal(t);
    return parseFloat(t);
  });
}

/** What Python's float() reads, after PyYAML removed `_` and lower-cased the text. */
const PYTHON_FLOAT = /^\s*(?:(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|inf|infinity|nan)\s*$/;

/**
 * An explicit `!!float` (PyYAML's construct_yaml_float): any text float() reads, so `!!float 1`
 * is 1.0, not only what FLOAT resolves implicitly; anything else is an error, as in Ansible.
 */
function resolveTaggedFloat(text: string, onError: (message: string) => void): number {
  const t = text.replace(/_/g, '').toLowerCase();
  const unsigned = t.replace(/^[-+]/, '');
  if (unsigned === '.inf' || unsigned === '.nan' || /^[0-9][0-9]*(?::[0-5]?[0-9])+\.[0-9]*$/.test(unsigned)) return resolveFloat(text);
  if (!PYTHON_FLOAT.test(unsigned)) {
    onError(`!!float "${text}" is not a number`);
    return NaN;
  }
  return (t.startsWith('-') ? -1 : 1) * parseFloat(unsigned.replace(/^\s*inf(inity)?\s*$/, 'Infinity'));
}

/** PyYAML's timestamp with a time of day (a date alone, 2001-12-14, is kept as its text: Ansible prints it the same). */
export const TIMESTAMP_WITH_TIME = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/**
 * A timestamp with a time: Ansible makes a datetime, which a template prints one way
 * (2001-12-14 21:59:43.100000-05:00) and ansible-inventory another (…T21:59:43.100000-05:00),
 * neither the text written. provision refuses it rather than pick one; quote it to keep the text.
 */
export const TIMESTAMP_REFUSED = 'is a YAML timestamp with a time, which Ansible turns into a datetime that provision cannot reproduce: quote it to keep the text';

export const BINARY_REFUSED = '!!binary (bytes) is not supported: write the text, or base64 as a plain string';

function resolveTimestamp(text: string, onError: (message: string) => void): string {
  if (!DATE.test(text)) onError(`"${text}" ${TIMESTAMP_REFUSED}`);
  return text;
}

const pyTags: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:bool', default: true, identify: (v) => typeof v === 'boolean', test: BOOL, resolve: resolveBool },
  { tag: 'tag:yaml.org,2002:int', default: true, identify: (v) => typeof v === 'number' && Number.isInteger(v), test: INT, resolve: resolveInt },
  { tag: 'tag:yaml.org,2002:float', default: true, identify: (v) => typeof v === 'number', test: FLOAT, resolve: resolveFloat },
  { tag: 'tag:yaml.org,2002:timestamp', default: true, identify: () => false, test: TIMESTAMP_WITH_TIME, resolve: resolveTimestamp },
  { tag: 'tag:yaml.org,2002:timestamp', default: false, identify: () => false, resolve: resolveTimestamp },
  // !!binary is bytes in Ansible, which ansible-inventory cannot even print: refused.
  { tag: 'tag:yaml.org,2002:binary', default: false, identify: () => false, resolve: (text, onError) => (onError(BINARY_REFUSED), text) },
  // Not used to resolve untagged text (not default); yaml picks it for an explicit !!float.
  { tag: 'tag:yaml.org,2002:float', default: false, resolve: resolveTaggedFloat },
];

/** `customTags` for the yaml package (with `version: '1.1'`): PyYAML's booleans, ints and floats; timestamps stay strings. */
export function ansibleYaml11Tags(extra: ScalarTag[]): (tags: Tags) => Tags {
  return (tags) => [...pyTags, ...tags.filter((t) => typeof t !== 'string' && !REPLACED.has(t.tag)), ...extra];
}
