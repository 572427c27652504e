// A terminal stream as Ink sees it with its `write` replaced; size, TTY-ness and events stay the
// real stream's (Ink reads `columns`, `rows`, `isTTY` and listens for 'resize').

export function withWrite(stream: NodeJS.WriteStream, write: (chunk: unknown, ...rest: unknown[]) => boolean): NodeJS.WriteStream {
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
