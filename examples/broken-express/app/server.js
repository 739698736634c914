'use strict';
// A small Express app. It reads PORT from .env (no dependency needed for that).
const fs = require('fs');
const path = require('path');
try {
  for (const line of fs.readFileSync(path.join(__dirname, '.env'), 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m && !(m[1] in process.env)) process.env[m[1]] = m[2];
  }
} catch {
  // no .env: the environment alone configures the app
}

const express = require('express');
const app = express();
app.get('/', (req, res) => res.send('Hello from broken-express: healed and serving.\n'));
app.get('/health', (req, res) => res.json({ ok: true }));
app.listen(Number(process.env.PORT || 3000), '127.0.0.1', () => console.log(`listening on ${process.env.PORT || 3000}`));
