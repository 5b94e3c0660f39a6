/**
 * A library result as the JSON the HTTP APIs answer: dates as ISO-8601 text (`toISOString`), bytes as
 * standard base64, everything else as it is. One rule for every endpoint of the relying parties.
 */
export function toJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return value;
}
