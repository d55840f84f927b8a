const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a request body as a JSON object. Invalid UTF-8, invalid JSON and any JSON that is not an
 * object (array, string, number, null, empty body) give null.
 */
export function decodeJsonObject(body: Uint8Array): Record<string, unknown> | null {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
