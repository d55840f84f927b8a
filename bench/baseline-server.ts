import http from 'node:http';

/**
 * The baseline: a bare node:http server that reads the body, parses its JSON and answers 202 "ok" — the ceiling the
 * ingestion issue defines ("a bare node:http server that reads the body, parses the JSON and answers 202"). A body
 * that is not JSON gets 400, so the parse cannot be skipped by the engine.
 */
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let ok = true;
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      ok = false;
    }
    res.writeHead(ok ? 202 : 400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 2 });
    res.end(ok ? 'ok' : 'no');
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stderr.write(JSON.stringify({ msg: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
