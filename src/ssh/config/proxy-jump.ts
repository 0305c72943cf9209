import { SshConfigError } from './error.js';

export class ProxyJumpError extends Error {}

export interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

/** ProxyJump's value: `none`, or `[user@]host[:port]` (or `ssh://[user@]host[:port]`), several joined by commas, outermost first. */
export function parseProxyJump(value: string): JumpSpec[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map((raw) => {
    let s = raw.trim().replace(/^ssh:\/\//, '').replace(/\/$/, '');
    let user: string | undefined;
    const at = s.lastIndexOf('@');
    if (at >= 0) {
      user = s.slice(0, at);
      s = s.slice(at + 1);
    }
    let host = s;
    let port: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
    if (bracketed) {
      host = bracketed[1];
      port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
    } else {
      const colon = s.lastIndexOf(':');
      if (colon >= 0 && s.indexOf(':') === colon) {
        host = s.slice(0, colon);
        port = Number(s.slice(colon + 1));
      }
    }
    if (!host || user === '' || (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))) {
      throw new ProxyJumpError(`bad ProxyJump "${raw.trim()}": expected [user@]host[:port]`);
    }
    return { user, host, port };
  });
}
