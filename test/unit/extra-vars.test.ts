import { describe, expect, it } from 'vitest';
import { parseExtraVars } from '../../src/extra-vars.js';
import { isSecret } from '../../src/secret.js';
import { writeProject } from '../support/provision.js';

describe('-e', () => {
  it('key=value pairs, with booleans and whole numbers typed, the rest strings', () => {
    expect(parseExtraVars(['a=1 b=false', 'c=1.10 d=true e=x=y f=0755'])).toEqual({ a: 1, b: false, c: '1.10', d: true, e: 'x=y', f: '0755' });
  });
  it('@file.yaml with !secret values, and inline JSON; later wins', () => {
    const dir = writeProject({ 's.yaml': 'pw: !secret hunter22\nport: 80\n' });
    const vars = parseExtraVars([`@${dir}/s.yaml`, '{"port": 8080}']);
    expect(isSecret(vars.pw)).toBe(true);
    expect(vars.port).toBe(8080);
  });
  it('refuses what it cannot read', () => {
    expect(() => parseExtraVars(['novalue'])).toThrow(/expected key=value/);
    expect(() => parseExtraVars(['1x=2'])).toThrow(/not a valid variable name/);
  });
});
