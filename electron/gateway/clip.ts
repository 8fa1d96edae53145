// Text a client chose (a model id, a path, a user name) is clipped before it goes into a row, a
// refusal or an audit entry, so that no client can make them large.

/** `value` cut to `max` characters (the last one an ellipsis), or as it is when it fits. */
export function clip(value: string, max: number): string;
export function clip(value: string | null | undefined, max: number): string | null;
export function clip(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  if (value.length <= max) return value;
  let end = max - 1;
  // Never split a surrogate pair: half an emoji is not valid text.
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}
