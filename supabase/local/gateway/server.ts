/**
 * The local runtime's HTTP gateway: one server on the API port routing `/auth/v1`, `/rest/v1`
 * and `/storage/v1` after the Kong/CLI gateway step (docs/local-runtime.md, "Gateway"), plus the
 * mailbox on its own port. Knows only Supabase's contracts, never the app.
 *
 * Layout: `core/` (HTTP helpers, bodies, pools, JWTs, the bearer step, `withRole`, the router),
 * `auth/`, `rest/` and `storage/` (one folder per service, each entered through its handler),
 * `mailbox.ts` (the local inbox).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_PORT, HOST, MAIL_PORT, SMTP_PORT } from '../config.ts';
import { apikeyRole, effectiveBearer } from './core/bearer.ts';
import { authPool, closePools } from './core/db.ts';
import { isDatabaseUnavailable, sendUnavailable } from './core/unavailable.ts';
import { sendJson, type GatewayContext } from './core/http.ts';
import { handleAuth } from './auth/router.ts';
import { handleRest } from './rest/handler.ts';
import { handleStorage } from './storage/router.ts';
import { handleMailbox, startSmtp } from './mailbox.ts';

const ALLOW_HEADERS = [
	'apikey',
	'authorization',
	'x-client-info',
	'content-type',
	'accept',
	'accept-profile',
	'content-profile',
	'prefer',
	'range',
	'range-unit',
	'x-supabase-api-version',
	'x-upsert',
	'x-metadata',
	'cache-control',
	'content-encoding',
	'x-retry-count',
	'x-sb-flow-id'
].join(', ');
const EXPOSE_HEADERS =
	'Content-Range, X-Total-Count, Link, X-Supabase-Api-Version, Content-Profile, Content-Location, Preference-Applied, x-sb-error-code';

/** Auth routes reached by e-mail links and discovery carry no apikey (KONG open routes). */
const OPEN_AUTH = new Set([
	'/verify',
	'/callback',
	'/authorize',
	'/.well-known/jwks.json',
	'/health'
]);

function cors(res: ServerResponse, req: IncomingMessage) {
	res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
	res.setHeader('Vary', 'Origin');
	res.setHeader('Access-Control-Allow-Credentials', 'true');
	res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
}

async function route(req: IncomingMessage, res: ServerResponse) {
	cors(res, req);
	if (req.method === 'OPTIONS') {
		res.writeHead(204, {
			'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS',
			'Access-Control-Allow-Headers':
				req.headers['access-control-request-headers'] ?? ALLOW_HEADERS,
			'Access-Control-Max-Age': '3600'
		});
		res.end();
		return;
	}
	const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `${HOST}:${API_PORT}`}`);
	const match = /^\/(auth|rest|storage)\/v1(\/.*)?$/.exec(url.pathname);
	if (!match) {
		sendJson(res, 404, { message: 'no Route matched with those values' });
		return;
	}
	const [, service, rest = '/'] = match;
	const apikey = (req.headers.apikey as string | undefined) ?? url.searchParams.get('apikey');
	const role = apikeyRole(apikey);
	const needsKey = service === 'rest' || (service === 'auth' && !OPEN_AUTH.has(rest));
	if (needsKey && !apikey) {
		sendJson(res, 401, {
			message: 'No API key found in request',
			hint: 'No `apikey` request header or url param was found.'
		});
		return;
	}
	if (needsKey && !role) {
		sendJson(res, 401, {
			message: 'Invalid API key',
			hint: 'Double check your Supabase `anon` or `service_role` API key.'
		});
		return;
	}
	const ctx: GatewayContext = {
		req,
		res,
		url,
		path: rest,
		apikeyRole: role,
		bearer: effectiveBearer(req, apikey)
	};
	if (service === 'auth' && rest === '/health' && !(await databaseReachable())) {
		// The health check says so while PostgreSQL is out of reach.
		sendUnavailable(ctx, 'auth');
		return;
	}
	if (service === 'auth') await handleAuth(ctx);
	else if (service === 'rest') await handleRest(ctx);
	else await handleStorage(ctx);
}

/** One short query: is PostgreSQL answering? */
async function databaseReachable(): Promise<boolean> {
	try {
		await Promise.race([
			authPool.query('select 1'),
			new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))
		]);
		return true;
	} catch {
		return false;
	}
}

function guard(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
	return (req: IncomingMessage, res: ServerResponse) => {
		handler(req, res).catch((err: unknown) => {
			console.error('[gateway] unhandled', err);
			if (!res.headersSent)
				sendJson(res, 500, { code: 'unexpected_failure', message: 'Internal server error' });
			else res.end();
		});
	};
}

const api = createServer(guard(route));
const mailbox = createServer(guard(handleMailbox));
api.keepAliveTimeout = 65_000;

api.listen(API_PORT, HOST, () => console.log(`[gateway] API on http://${HOST}:${API_PORT}`));
mailbox.listen(MAIL_PORT, HOST, () =>
	console.log(`[gateway] mailbox on http://${HOST}:${MAIL_PORT}`)
);
const smtp = startSmtp(SMTP_PORT);

// The gateway never dies of a database error (docs/local-runtime.md, "When the database is
// unreachable"): one that escapes every handler is logged; anything else still ends the process.
process.on('uncaughtException', (err) => {
	if (isDatabaseUnavailable(err)) {
		console.error('[gateway] database error outside a request:', err.message);
		return;
	}
	console.error('[gateway] fatal', err);
	process.exit(1);
});
process.on('unhandledRejection', (err) => {
	if (isDatabaseUnavailable(err)) {
		console.error('[gateway] database error outside a request:', (err as Error).message);
		return;
	}
	console.error('[gateway] unhandled rejection', err);
});

async function shutdown() {
	api.close();
	mailbox.close();
	smtp.close();
	api.closeAllConnections();
	mailbox.closeAllConnections();
	await closePools().catch(() => {});
	process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
