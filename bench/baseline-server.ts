import http from 'node:http';

/** The baseline: a bare node:http server that reads the body and answers 202 "ok", nothing else. */
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(202, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 2 });
    res.end('ok');
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stderr.write(JSON.stringify({ msg: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
