// PGlite (PostgreSQL compiled to WASM) behind @electric-sql/pglite-socket, run in its own process
// (it needs ~0.8 GB and its WASM init would otherwise block the jest worker). Forked by
// test/harness/database.ts; talks over IPC: sends { type: 'ready', port } once listening.
//
// A fresh PGlite runs initdb in WASM (~10 s on 2 cores). The initialised data directory is cached
// as a tarball in the OS temp dir, keyed by PGlite version, which brings later starts to ~2 s.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');

async function createDb() {
  // The package's "exports" hide package.json: find it next to the resolved entry point.
  let dir = path.dirname(require.resolve('@electric-sql/pglite'));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const cache = path.join(os.tmpdir(), `slp-pglite-${version}-datadir.tar`);
  if (fs.existsSync(cache)) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([fs.readFileSync(cache)]) });
    } catch {
      fs.rmSync(cache, { force: true });
    }
  }
  const db = await PGlite.create();
  try {
    const dump = await db.dumpDataDir('none');
    const tmp = `${cache}.${process.pid}`;
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, cache);
  } catch {
    // caching is an optimisation only
  }
  return db;
}

(async () => {
  const db = await createDb();
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  process.send({ type: 'ready', port });
  process.on('disconnect', async () => {
    await server.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    process.exit(0);
  });
})().catch((err) => {
  process.send?.({ type: 'error', message: String(err && err.message) });
  process.exit(1);
});
