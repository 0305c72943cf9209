import { readFileSync } from 'node:fs';
import { Document, LineCounter, type DocumentOptions, type SchemaOptions, isCollection, isMap, isPair, isScalar, isSeq, parseDocument, type Node, type Pair, type Scalar, type ScalarTag, type YAMLMap } from 'yaml';
import { ConfigError, type SourceLocation } from './errors.js';
import { ansibleYaml11Tags } from './inventory/yaml11.js';
import { Secret } from './secret.js';
import { readYaml11Fast } from './yaml-fast/read.js';
import { vaultFileText, vaultTag } from './vault/yaml.js';

export interface YamlReadOptions {
  /**
   * Read the file as Ansible reads it (DataLoader.load: JSON first, then YAML 1.1 with PyYAML's
   * resolvers: yes/no are booleans, 0755 is octal): inventories, vars files, playbooks, task files,
   * role files, -e. Unset: YAML 1.2 (files provision writes or that Ansible never reads).
   */
  yaml11?: boolean;
  /**
   * A whole file encrypted by ansible-vault (a vars file) is decrypted with the
   * run's vault passwords and its strings become Secrets. Unset: an encrypted
   * file is refused (a playbook; inventories decrypt before parsing, in inventory/load.ts).
   */
  vaultFile?: 'secrets';
  /** 'yaml': read with `yaml` even where the fast reader could (the differential test compares the two); a JSON text is still JSON. */
  reader?: 'yaml';
}

/** How Ansible reads every file it loads (playbooks, task files, role files, vars, -e): JSON, else YAML 1.1. */
export const ANSIBLE_YAML: YamlReadOptions = { yaml11: true };

export type FieldPath = (string | number)[];

/**
 * A parsed YAML file that remembers where every value came from, so any later
 * error (schema, variables, templates) can name file:line:column and field.
 */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly data: unknown,
    /** The parsed Document with its positions; for a file js-yaml read, built when a position is first asked for. */
    private positions: (() => Positions) | Positions,
    /** Which parser gave `data`: JSON.parse for a JSON text, js-yaml (yaml-fast/read.ts) for common YAML 1.1, else `yaml`. */
    readonly reader: 'json' | 'js-yaml' | 'yaml',
  ) {}

  static fromFile(file: string, displayName = file, options: YamlReadOptions = {}): YamlSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: displayName });
    }
    return YamlSource.fromText(text, displayName, options);
  }

  static fromText(given: string, file: string, options: YamlReadOptions = {}): YamlSource {
    const { text, encrypted } = vaultFileText(given, file, options.vaultFile === 'secrets');
    const read = (data: unknown) => (encrypted ? secretStrings(data) : data);
    if (options.yaml11) {
      // Ansible tries JSON before YAML (utils/yaml.py from_yaml): `{"n": 1e3}` is 1000 there, where YAML 1.1 keeps "1e3".
      const json = jsonData(text);
      if (json) return new YamlSource(file, read(json.data), () => parse(text, yaml11Options(passiveTags)), 'json');
    }
    if (options.yaml11 && options.reader !== 'yaml') {
      const fast = readYaml11Fast(text, fileTags);
      // Positions only matter for an error about a value: the Document is built then, with tags that
      // only keep their text (a !vault value is not decrypted again; node ranges do not depend on tags).
      if (fast) return new YamlSource(file, read(fast.data), () => parse(text, yaml11Options(passiveTags)), 'js-yaml');
    }
    const positions = parse(text, options.yaml11 ? yaml11Options(fileTags) : { customTags: fileTags });
    const { doc, lines } = positions;
    const first = doc.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      const problem = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      // A tag that could not be resolved (a !vault value that cannot be decrypted) says why itself.
      const what = first.code === 'TAG_RESOLVE_FAILED' ? problem : `invalid YAML: ${problem}`;
      throw new ConfigError(what, { file, line: pos?.line, column: pos?.col });
    }
    // A file (playbook, inventory, vars) with a tag provision cannot read (!vault, !unsafe) must
    // not pass its text on as the value: an encrypted value would reach a host as ciphertext.
    const unread = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
    if (unread) {
      const pos = lines.linePos(unread.pos[0]);
      throw new ConfigError(`unsupported YAML tag: ${unread.message.split('\n')[0]}`, { file, line: pos?.line, column: pos?.col });
    }
    return new YamlSource(file, read(doc.toJS({ maxAliasCount: 1000 })), positions, 'yaml');
  }

  /**
   * Where the value at `path` starts; falls back to the nearest parent that exists. Line and
   * column are read when first used (an inventory locates every variable, for an error that
   * rarely comes): for a file js-yaml read, that is when the Document is built.
   */
  locate(path: FieldPath, key?: string): SourceLocation {
    return typeof this.positions === 'function' ? new PendingLocation(this, path, key) : this.locateNow(path, key);
  }

  /** locate's answer from the Document (built now if it was not); PendingLocation asks for it. */
  locateNow(path: FieldPath, key?: string): SourceLocation {
    if (typeof this.positions === 'function') this.positions = this.positions();
    const { doc } = this.positions;
    for (let depth = path.length; depth >= 0; depth--) {
      const node = nodeAt(doc, path.slice(0, depth));
      if (!node || !('range' in node) || !node.range) continue;
      if (depth === path.length && key !== undefined && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && (p.key as Scalar).value === key);
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) return this.at(keyNode.range[0]);
      }
      return this.at(node.range[0]);
    }
    return { file: this.file };
  }

  /**
   * The text of the plain scalar (no quotes, no tag) at `path` as written, undefined for any
   * other node or none: whether `mode: 644` was written as a decimal number needs the text.
   */
  plainScalarText(path: FieldPath): string | undefined {
    if (typeof this.positions === 'function') this.positions = this.positions();
    const node = nodeAt(this.positions.doc, path);
    return isScalar(node) && node.type === 'PLAIN' && !node.tag ? node.source : undefined;
  }

  private at(offset: number): SourceLocation {
    const { line, col } = (this.positions as Positions).lines.linePos(offset);
    return { file: this.file, line, column: col };
  }
}

/**
 * A location whose line and column are looked up when first read: an inventory locates every
 * variable for an error that rarely comes, and for a file js-yaml read that lookup builds the
 * Document. A class (not an object with getters per call): 10,000 of them per 1,000 hosts.
 */
class PendingLocation implements SourceLocation {
  readonly file: string;
  // Private fields: the only own property is `file`, as in a plain location.
  readonly #source: YamlSource;
  readonly #path: FieldPath;
  readonly #key: string | undefined;
  #found: SourceLocation | undefined;
  constructor(source: YamlSource, path: FieldPath, key: string | undefined) {
    this.file = source.file;
    this.#source = source;
    this.#path = path;
    this.#key = key;
  }
  get line(): number | undefined {
    return this.found().line;
  }
  get column(): number | undefined {
    return this.found().column;
  }
  private found(): SourceLocation {
    return (this.#found ??= this.#source.locateNow(this.#path, this.#key));
  }
  /** As a plain location prints. */
  toJSON(): SourceLocation {
    return { file: this.file, line: this.line, column: this.column };
  }
}

interface Positions {
  doc: Document;
  lines: LineCounter;
}

/**
 * The text read as JSON, when it is JSON (Python's json.loads and JSON.parse agree on JSON text;
 * Python also takes NaN and Infinity, which then go to YAML here: rare, and `.nan`/`.inf` are YAML's spelling).
 */
function jsonData(text: string): { data: unknown } | undefined {
  if (!/^\s*[[{"]/.test(text)) return undefined;
  try {
    return { data: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function parse(text: string, schema: DocumentOptions & SchemaOptions): Positions {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, ...schema, uniqueKeys: true, prettyErrors: false });
  return { doc, lines };
}

function yaml11Options(tags: ScalarTag[]): DocumentOptions & SchemaOptions {
  return { version: '1.1', customTags: ansibleYaml11Tags(tags) };
}

/**
 * `doc.getIn(path, true)`, with each mapping's keys indexed on first use. yaml's getIn scans a
 * mapping's pairs for the key; an inventory locates every host's every variable under `hosts:`,
 * so with a scan per lookup 1,000 hosts cost ~12,000 scans of 1,000 pairs. Same answers: the
 * first pair whose key (a scalar's value) equals the path's key, a sequence's item by index.
 */
function nodeAt(doc: Document, path: FieldPath): Node | undefined {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (!isCollection(node)) return undefined;
    if (isMap(node)) node = pairsByKey(node).get(key)?.value ?? undefined;
    else if (isSeq(node)) {
      const index = typeof key === 'string' && key ? Number(key) : key;
      node = typeof index === 'number' && Number.isInteger(index) && index >= 0 ? node.items[index] : undefined;
    } else return undefined;
  }
  return (node ?? undefined) as Node | undefined;
}

function pairsByKey(map: YAMLMap): Map<unknown, Pair> {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (!index.has(key)) index.set(key, pair as Pair);
    }
    keyIndexes.set(map, index);
  }
  return index;
}

const keyIndexes = new WeakMap<YAMLMap, Map<unknown, Pair>>();

/** `password: !secret hunter2` marks a value as secret: masked in all output. */
const secretTag: ScalarTag = {
  tag: '!secret',
  resolve: (value: string) => new Secret(value),
  identify: (value: unknown) => value instanceof Secret,
  stringify: () => '********',
};

/** The tags of every file provision reads, beside the schema's own. */
const fileTags = [secretTag, vaultTag];
/** The same tags keeping their text: for positions, where a value itself is not needed. */
const passiveTags: ScalarTag[] = fileTags.map((t) => ({ tag: t.tag, resolve: (value: string) => value }));

/** Every string value (not key) of a decrypted vars file becomes a Secret: the whole file was secret. */
function secretStrings(value: unknown): unknown {
  if (typeof value === 'string') return new Secret(value);
  if (Array.isArray(value)) return value.map(secretStrings);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretStrings(v)]));
  }
  return value;
}

/** Renders a field path the way users write it: tasks[2].apt.packages */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}
