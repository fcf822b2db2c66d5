// A real HTTP server on 127.0.0.1 standing in for the ingest service in unit tests: it records
// every request (headers, gunzipped JSON body) and answers what the test's handler says.
import http from 'node:http';
import zlib from 'node:zlib';

export async function startServer(handler) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    let raw = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') raw = zlib.gunzipSync(raw);
    let body;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = raw.toString('utf8');
    }
    const entry = { method: req.method, url: req.url, headers: req.headers, body, at: Date.now() };
    requests.push(entry);
    const reply = handler ? await handler(entry, requests.length, req, res) : undefined;
    if (res.writableEnded || res.destroyed) return;
    const { status = 200, headers = {}, json } = reply ?? {};
    const answer = json ?? { accepted: Array.isArray(body) ? body.length : 0, rejected: [], duplicate: false };
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(answer));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    records: () => requests.flatMap((r) => (Array.isArray(r.body) ? r.body : [])),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(predicate, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await sleep(10);
  }
  throw new Error('condition not met in time');
}

/** A port with nothing listening (connection refused). */
export async function deadPort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
