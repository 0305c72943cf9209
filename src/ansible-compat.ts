// TEMPORARY shim (replaced by the compat branch): the interface the engine codes against.
export function unsupportedKeyword(_level: 'play' | 'task' | 'block', _key: string): string | undefined {
  return undefined;
}
export function moduleHint(_name: string): string | undefined {
  return undefined;
}
export interface JinjaProblem {
  message: string;
  line: number;
  column: number;
}
export function jinjaProblem(_text: string): JinjaProblem | undefined {
  return undefined;
}
