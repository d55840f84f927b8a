import type { ServerResponse } from 'node:http';

/** Writes an async sequence of text chunks to a response, honouring backpressure. */
export async function streamNdjson(res: ServerResponse, chunks: AsyncIterable<string>, headers: Record<string, string> = {}): Promise<void> {
  let started = false;
  try {
    for await (const chunk of chunks) {
      if (!started) {
        res.writeHead(200, { ...headers, 'content-type': 'application/x-ndjson; charset=utf-8' });
        started = true;
      }
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise<void>((r) => { res.once('drain', r); res.once('close', r); });
    }
  } catch (err) {
    if (!started) throw err;
    res.destroy(err instanceof Error ? err : new Error(String(err))); // a truncated export must not look complete
    return;
  }
  if (!started) res.writeHead(200, { ...headers, 'content-type': 'application/x-ndjson; charset=utf-8' });
  res.end();
}
