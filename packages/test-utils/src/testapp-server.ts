/**
 * A real HTTP app for end-to-end tests. It reads `testapp.json` on every
 * request: `"status": "ok"` answers 200 with a marker; anything else 500.
 * Run as a separate process: `node dist/testapp-server.js <appRoot> <port>`;
 * prints `listening <port>` once ready.
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const [root, portArg] = process.argv.slice(2);
if (!root) {
  process.stderr.write('usage: testapp-server <appRoot> [port]\n');
  process.exit(64);
}
const server = createServer(async (_req, res) => {
  try {
    const config = JSON.parse(await readFile(join(root, 'testapp.json'), 'utf8')) as { status?: string };
    if (config.status === 'ok') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('testapp: all good\n');
    } else {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`testapp: broken (status ${String(config.status)})\n`);
    }
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`testapp: cannot read config: ${(e as Error).message}\n`);
  }
});
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
