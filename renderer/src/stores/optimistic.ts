// One optimistic change, as every settings switch makes it: shown at once with its fields marked
// pending, sent, then kept as the gateway answered, or on refusal the fields it touched put back with
// the reason kept for the page. The stores using it differ only in where the value and its bookkeeping
// live, so each says that through the steps it is handed.

/** A refused change: the fields it touched and why. */
export interface Refusal<K> {
  fields: K[];
  message: string;
}

export interface OptimisticSteps<T extends object, A> {
  /** The value now; null when none is loaded yet, and then nothing is changed or sent. */
  read: () => T | null;
  /** The fields with a change in flight now, this one's and any other's. */
  pending: () => ReadonlySet<keyof T>;
  send: () => Promise<A>;
  /** Show the change: the changed value with its fields pending and any earlier refusal cleared. */
  apply: (value: T, tracking: { pending: ReadonlySet<keyof T>; failure: null }) => void;
  /** Keep what the gateway answered; `pending` no longer holds this change's fields. */
  accept: (answer: A, fields: (keyof T)[], tracking: { pending: ReadonlySet<keyof T> }) => void;
  /** The value now (or, gone, the one before) with the touched fields back, and the refusal to show. */
  refuse: (value: T, tracking: { pending: ReadonlySet<keyof T>; failure: Refusal<keyof T> }) => void;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const pick = <T extends object>(value: T, fields: (keyof T)[]): Partial<T> =>
  Object.fromEntries(fields.map((field) => [field, value[field]])) as Partial<T>;

/**
 * The value now with only this change's fields taken from the gateway's answer: another change may be
 * in flight for the rest.
 */
export const answered = <T extends object>(now: T | null, answer: T, fields: (keyof T)[]): T => ({
  ...(now ?? answer),
  ...pick(answer, fields),
});

/** Applies `change` now and sends it. Resolves to whether it was kept. */
export async function optimistic<T extends object, A>(
  change: Partial<T>,
  steps: OptimisticSteps<T, A>,
): Promise<boolean> {
  const before = steps.read();
  if (!before) return false;
  const fields = Object.keys(change) as (keyof T)[];
  const previous = pick(before, fields);
  steps.apply({ ...before, ...change }, { pending: new Set([...steps.pending(), ...fields]), failure: null });
  const settled = (): ReadonlySet<keyof T> => new Set([...steps.pending()].filter((field) => !fields.includes(field)));
  try {
    steps.accept(await steps.send(), fields, { pending: settled() });
    return true;
  } catch (error) {
    steps.refuse(
      { ...(steps.read() ?? before), ...previous },
      { pending: settled(), failure: { fields, message: message(error) } },
    );
    return false;
  }
}
