/**
 * The local runtime's HTTP gateway: one server on the API port routing `/auth/v1`, `/rest/v1`
 * and `/storage/v1` after the Kong/CLI gateway step (SUPABASE_CONTRACTS.md 1.2), plus the
 * mailbox on its own port. Knows only Supabase's contracts, never the app.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_PORT, HOST, loadKeys, MAIL_PORT } from '../config.ts';
import { closePools } from './db.ts';
import { sendJson, type GatewayContext } from './http.ts';
import { handleAuth } from './auth.ts';
import { handleRest } from './rest.ts';
import { handleStorage } from './storage.ts';
import { handleMailbox } from './mail.ts';

const keys = loadKeys();

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

function keyRole(apikey: string | null): 'anon' | 'service_role' | null {
	if (!apikey) return null;
	if (apikey === keys.publishableKey || apikey === keys.anonJwt) return 'anon';
	if (apikey === keys.secretKey || apikey === keys.serviceRoleJwt) return 'service_role';
	return null;
}

/** Authorization := incoming (unless `Bearer sb_…`) else internal JWT for an opaque key else the key. */
function effectiveBearer(req: IncomingMessage, apikey: string | null): string | null {
	const auth = req.headers.authorization;
	if (auth && /^bearer\s+/i.test(auth) && !/^bearer\s+sb_/i.test(auth)) {
		return auth.replace(/^bearer\s+/i, '').trim();
	}
	if (apikey === keys.secretKey) return keys.serviceRoleJwt;
	if (apikey === keys.publishableKey) return keys.anonJwt;
	if (apikey && !apikey.startsWith('sb_')) return apikey;
	return null;
}

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
	const role = keyRole(apikey);
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
	if (service === 'auth') await handleAuth(ctx);
	else if (service === 'rest') await handleRest(ctx);
	else await handleStorage(ctx);
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

async function shutdown() {
	api.close();
	mailbox.close();
	api.closeAllConnections();
	mailbox.closeAllConnections();
	await closePools().catch(() => {});
	process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
