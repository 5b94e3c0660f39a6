/**
 * @peculiar/x509 (used in tests only, to cross-check certificates) pulls in tsyringe, which refuses to
 * load without the Reflect metadata API, and no polyfill package is installed. This is the small subset
 * tsyringe calls. Import it before `@peculiar/x509`.
 */
type Key = string | symbol | undefined;
type Table = Map<Key, Map<unknown, unknown>>;

const store = new WeakMap<object, Table>();

function table(target: object, key: Key): Map<unknown, unknown> {
  let byKey = store.get(target);
  if (byKey === undefined) store.set(target, (byKey = new Map()));
  let byMeta = byKey.get(key);
  if (byMeta === undefined) byKey.set(key, (byMeta = new Map()));
  return byMeta;
}

const R = Reflect as unknown as Record<string, unknown>;

function hasOwn(meta: unknown, target: object, key?: Key): boolean {
  return store.get(target)?.get(key)?.has(meta) ?? false;
}

function getMetadata(meta: unknown, target: object, key?: Key): unknown {
  for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
    if (hasOwn(meta, t, key)) return store.get(t)!.get(key)!.get(meta);
  }
  return undefined;
}

R.defineMetadata ??= (meta: unknown, value: unknown, target: object, key?: Key) => void table(target, key).set(meta, value);
R.getOwnMetadata ??= (meta: unknown, target: object, key?: Key) => store.get(target)?.get(key)?.get(meta);
R.hasOwnMetadata ??= hasOwn;
R.getMetadata ??= getMetadata;
R.hasMetadata ??= (meta: unknown, target: object, key?: Key) => getMetadata(meta, target, key) !== undefined;
R.metadata ??= (meta: unknown, value: unknown) => (target: object, key?: Key) => void table(target, key).set(meta, value);

export {};
