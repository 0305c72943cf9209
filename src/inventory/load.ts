import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { vaultFileText } from '../vault/yaml.js';
import { YamlSource } from '../yaml-source.js';
import { readAnsibleYaml } from './ansible-yaml.js';
import { InventoryBuilder } from './builder.js';
import { readIni } from './ini.js';
import { mergeInventory } from './merge.js';
import type { Inventory } from './model.js';
import { isNativeInventory, readNative } from './native.js';

export interface LoadInventoryOptions {
  /** The playbook's directory: its group_vars/ and host_vars/ outrank the inventory's. */
  playbookDir?: string;
}

/** What Ansible skips in an inventory directory (INVENTORY_IGNORE_EXTS and the names it always ignores). */
const IGNORED = /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;
const YAML_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Reads one or more inventory sources (-i, repeatable): files or directories, YAML, INI or provision's format. */
export function loadInventory(sources: string | string[], options: LoadInventoryOptions = {}): Inventory {
  const list = Array.isArray(sources) ? sources : [sources];
  const builder = new InventoryBuilder();
  for (const source of list) readSource(source, builder);
  // group_vars/ beside a file inventory, or inside a directory inventory.
  const varsDirs = list.map((s) => (isDirectory(s) ? s : dirname(s)));
  return mergeInventory(builder, list.join(', '), varsDirs, options.playbookDir);
}

/** One YAML document as an inventory, without group_vars/ (provision test's generated inventory, unit tests). */
export function parseInventory(source: YamlSource): Inventory {
  const builder = new InventoryBuilder();
  readYamlInventory(source, builder);
  return mergeInventory(builder, source.file, [], undefined);
}

function readSource(path: string, into: InventoryBuilder): void {
  if (readFiles(path, into) === 0) {
    // Ansible warns "Unable to parse … as an inventory source" and goes on with no host from it.
    throw new ConfigError('no inventory file in this directory: Ansible skips hidden names, group_vars/, host_vars/ and names ending in .ini, .cfg, .retry, .orig, ~, .bak, .swp, .md, .txt, .rst, .pyc, .pyo, .rpm', { file: path });
  }
}

/** How many inventory files `path` gave: 1 for a file, those inside (recursively) for a directory. */
function readFiles(path: string, into: InventoryBuilder): number {
  if (isDirectory(path)) {
    // Ansible's order: the directory's entries sorted by name, subdirectories recursively.
    let read = 0;
    for (const entry of readdirSync(path).sort()) if (!IGNORED.test(entry)) read += readFiles(join(path, entry), into);
    return read;
  }
  readFile(path, into);
  return 1;
}

function readFile(file: string, into: InventoryBuilder): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the inventory: ${(err as NodeJS.ErrnoException).code ?? String(err)} (give one with -i FILE)`, { file });
  }
  // An inventory encrypted whole by ansible-vault (YAML or INI); its values stay plain, as in Ansible.
  text = vaultFileText(text, file, true).text;
  const ext = extname(file);
  const yamlByName = YAML_EXTENSIONS.includes(ext);
  // Like Ansible: a .yaml/.yml/.json file, or one without extension, is tried as YAML; what is no mapping there is INI.
  if (yamlByName || ext === '' || basename(file).startsWith('.')) {
    let source: YamlSource | undefined;
    let yamlError: unknown;
    try {
      source = YamlSource.fromText(text, file, { yaml11: true });
    } catch (err) {
      if (yamlByName) throw err;
      yamlError = err;
    }
    const data = source?.data;
    if (source && data && typeof data === 'object' && !Array.isArray(data)) return readYamlInventory(source, into);
    if (yamlByName && text.trim() && !looksLikeIni(text)) throw new ConfigError('an inventory in YAML must be a mapping of groups (all:, web:, …) or provision\'s hosts:/groups:/vars:', { file, line: 1 });
    // A YAML file without extension that provision refuses (a timestamp, a tag): its YAML error, not
    // the INI reader's confusing one about `all:` (found by inventory-fuzz).
    if (yamlError && !looksLikeIni(text)) {
      try {
        readIni(text, file, new InventoryBuilder());
      } catch {
        throw yamlError;
      }
    }
  }
  readIni(text, file, into);
}

function looksLikeIni(text: string): boolean {
  return /^\s*\[[^\]]+\]\s*$/m.test(text);
}

function readYamlInventory(source: YamlSource, into: InventoryBuilder): void {
  const data = source.data as Record<string, unknown>;
  if (data && typeof data === 'object' && isNativeInventory(data)) readNative(source, into);
  else if (data && typeof data === 'object' && !Array.isArray(data)) readAnsibleYaml(source, into);
  else throw new ConfigError('an inventory must be a mapping: Ansible groups (all:, web:, …) or provision\'s hosts:/groups:/vars:', source.locate([]));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
