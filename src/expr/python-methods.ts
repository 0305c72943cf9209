import { isSecret } from '../secret.js';
import { isMapping } from './mapping.js';

/**
 * Jinja's `x.name` reads a Python attribute before an item, so `d.items` is the
 * dict's method even when the mapping has a key "items". provision has no
 * methods; rather than answer differently in silence, such a name is an error
 * (evaluate.ts) that says to write `d['items']`.
 */
const METHODS: Record<string, string[]> = {
  dict: ['clear', 'copy', 'fromkeys', 'get', 'items', 'keys', 'pop', 'popitem', 'setdefault', 'update', 'values'],
  list: ['append', 'clear', 'copy', 'count', 'extend', 'index', 'insert', 'pop', 'remove', 'reverse', 'sort'],
  str: [
    'capitalize', 'casefold', 'center', 'count', 'encode', 'endswith', 'expandtabs', 'find', 'format', 'format_map', 'index', 'isalnum',
    'isalpha', 'isascii', 'isdecimal', 'isdigit', 'isidentifier', 'islower', 'isnumeric', 'isprintable', 'isspace', 'istitle', 'isupper',
    'join', 'ljust', 'lower', 'lstrip', 'maketrans', 'partition', 'removeprefix', 'removesuffix', 'replace', 'rfind', 'rindex', 'rjust',
    'rpartition', 'rsplit', 'rstrip', 'split', 'splitlines', 'startswith', 'strip', 'swapcase', 'title', 'translate', 'upper', 'zfill',
  ],
};

/** The Python type whose method `name` is on this value ("dict", "list", "str"), if it is one. */
export function pythonMethodOf(value: unknown, name: string): string | undefined {
  const type = isMapping(value) ? 'dict' : Array.isArray(value) ? 'list' : typeof value === 'string' || isSecret(value) ? 'str' : undefined;
  return type && METHODS[type].includes(name) ? type : undefined;
}
