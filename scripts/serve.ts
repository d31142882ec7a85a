/**
 * Serves the production build (`build/`) over plain HTTP on loopback for local use and browser
 * tests. adapter-node assumes https unless told otherwise; pinning ORIGIN would break per-clinic
 * subdomains, so the protocol comes from `x-forwarded-proto`, which this launcher fills in with
 * `http` when no proxy set it. Behind a real TLS proxy, run `node build` and let the proxy set it.
 */
import { createServer } from 'node:http';

process.env.PROTOCOL_HEADER ??= 'x-forwarded-proto';
process.env.HOST_HEADER ??= 'host';

const buildDir = process.env.BUILD_DIR ?? 'build';
const { handler } = await import(new URL(`../${buildDir}/handler.js`, import.meta.url).href);
const port = Number(process.env.PORT ?? 4173);
const host = process.env.HOST ?? '127.0.0.1';

createServer((req, res) => {
	req.headers['x-forwarded-proto'] ??= 'http';
	handler(req, res);
}).listen(port, host, () => {
	console.log(`Portal on http://localhost:${port} (clinics at http://<slug>.localhost:${port})`);
});
