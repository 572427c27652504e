/**
 * A filter's scalar key as prefix and tag (Guild's `index.py`): `target/.guild#loss` names the
 * tag under that prefix; a key without `#` names the tag under any prefix ('').
 */
export function scalarKeyParts(key: string): [prefix: string, tag: string] {
  const hash = key.indexOf('#');
  return hash < 0 ? ['', key] : [key.slice(0, hash), key.slice(hash + 1)];
}
