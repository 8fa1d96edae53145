// Timestamps are integer epoch milliseconds in the database and ISO 8601 strings in the API.
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
