import { openSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import tty from 'node:tty';
import { UsageError } from '../exit-codes.js';
import { Secret } from '../secret.js';

/**
 * --ask-become-pass: asks once, before anything runs, on the terminal
 * (/dev/tty, else stdin when it is one), with echo off. With no terminal it
 * fails at once instead of waiting for an answer nobody can type.
 */
export async function askBecomePassword(prompt = 'BECOME password: '): Promise<Secret> {
  let input: tty.ReadStream;
  let write: (text: string) => void;
  try {
    const fd = openSync('/dev/tty', 'r+');
    input = new tty.ReadStream(fd);
    write = (text) => void writeSync(fd, text);
  } catch {
    if (!process.stdin.isTTY) {
      throw new UsageError('--ask-become-pass needs a terminal to ask on, and there is none; give become_password in the inventory (marked !secret) instead');
    }
    input = process.stdin as tty.ReadStream;
    write = (text) => void process.stderr.write(text);
  }
  write(prompt);
  input.setRawMode(true);
  const decoder = new StringDecoder('utf8');
  const value = await new Promise<string | null>((resolve) => {
    let typed = '';
    const onData = (chunk: Buffer): void => {
      for (const c of decoder.write(chunk)) {
        if (c === '\r' || c === '\n') return resolve(typed);
        if (c === '\u0003' || (c === '\u0004' && typed === '')) return resolve(null); // Ctrl-C, Ctrl-D
        if (c === '\u007f' || c === '\b') typed = typed.slice(0, -1);
        else if (c === '\u0015') typed = ''; // Ctrl-U
        else if (c >= ' ') typed += c;
      }
    };
    input.on('data', onData);
  });
  input.setRawMode(false);
  input.removeAllListeners('data');
  if (input === process.stdin) input.pause();
  else input.destroy();
  write('\n');
  if (value === null) throw new UsageError('no become password given');
  return new Secret(value);
}
