/**
 * Host names as Ansible's inventory plugins read them: an optional `:PORT`
 * suffix (`db1:2222`, `[2001:db8::1]:2222`) and ranges in brackets
 * (`web[01:03]`, `db-[a:c]`, `n[1:10:2]`), expanded in order, several per name.
 */
export interface HostPatternExpansion {
  names: string[];
  port?: number;
}

export class HostRangeError extends Error {}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function expandHostPattern(pattern: string): HostPatternExpansion {
  const { host, port } = splitPort(pattern.trim());
  return { names: hasRange(host) ? expandRanges(host) : [host], port };
}

function splitPort(text: string): { host: string; port?: number } {
  const bracketed = /^\[(.+)\]:(\d+)$/.exec(text);
  // [IPv6]:port; a bracket holding a range (web[01:03]:22) is not an address.
  if (bracketed && /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/.test(bracketed[1])) return { host: bracketed[1], port: Number(bracketed[2]) };
  // host:port, where the host part has no colon outside its range brackets (else it is IPv6).
  const plain = /^((?:[^:[\]]|\[[^\]]*\])+):(\d+)$/.exec(text);
  if (plain) return { host: plain[1], port: Number(plain[2]) };
  if (/^(?:[^:[\]]|\[[^\]]*\])+:$/.test(text)) throw new HostRangeError(`invalid host pattern "${text}": a trailing ":" must be followed by a port`);
  return { host: text };
}

function hasRange(name: string): boolean {
  return /\[[^\]]*:[^\]]*\]/.test(name);
}

/** Ansible's expand_hostname_range: the first [..] range, then recursively the rest. */
export function expandRanges(name: string): string[] {
  const open = name.indexOf('[');
  const close = name.indexOf(']', open);
  if (open < 0 || close < 0) return [name];
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostRangeError(`host range [${bounds.join(':')}] must be begin:end or begin:end:step`);
  const [beg = '0', end, stepText = '1'] = [bounds[0] || '0', bounds[1], bounds[2]];
  if (!end) throw new HostRangeError(`host range [${bounds.join(':')}] must give an end value`);
  const step = Number(stepText);
  if (!/^\d+$/.test(stepText) || step < 1) throw new HostRangeError(`host range [${bounds.join(':')}]: the step must be a positive whole number`);
  let items: string[];
  const fromLetter = LETTERS.indexOf(beg);
  const toLetter = LETTERS.indexOf(end);
  if (beg.length === 1 && end.length === 1 && fromLetter >= 0 && toLetter >= 0) {
    if (fromLetter > toLetter) throw new HostRangeError(`host range [${bounds.join(':')}] must have begin <= end`);
    items = [];
    for (let i = fromLetter; i <= toLetter; i += step) items.push(LETTERS[i]);
  } else {
    if (!/^\d+$/.test(beg) || !/^\d+$/.test(end)) throw new HostRangeError(`host range [${bounds.join(':')}] must be numbers or single letters`);
    // A leading zero sets the width (01:10 → 01 … 10), and then both ends must have it.
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    // Ansible expands an empty numeric range (web[3:1]) to no host at all; provision refuses it.
    if (Number(beg) > Number(end)) throw new HostRangeError(`host range [${bounds.join(':')}] must have begin <= end`);
    if (width && width !== end.length) throw new HostRangeError(`host range [${bounds.join(':')}] must give begin and end with the same number of digits`);
    items = [];
    for (let i = Number(beg); i <= Number(end); i += step) items.push(String(i).padStart(width, '0'));
  }
  return items.flatMap((item) => {
    const expanded = `${head}${item}${tail}`;
    return hasRange(expanded) ? expandRanges(expanded) : [expanded];
  });
}
