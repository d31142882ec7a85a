/**
 * PostgreSQL out of reach (docs/local-runtime.md, "When the database is unreachable"): which
 * errors mean the database is down or restarting, and the 503 each service answers then, in its
 * own error shape. The pools reconnect by themselves once PostgreSQL is back.
 */
import type { GatewayContext } from './http.ts';
import { sendJson } from './http.ts';

const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);
const MESSAGES = [
	/Connection terminated/i,
	/timeout exceeded when trying to connect/i,
	/Client has encountered a connection error/i,
	/Client was closed and is not queryable/i,
	/Connection terminated unexpectedly/i,
	/the database system is (starting up|shutting down|in recovery mode)/i
];

/** True for errors that say PostgreSQL cannot be reached (not for errors a statement raised). */
export function isDatabaseUnavailable(err: unknown): boolean {
	if (!(err instanceof Error)) return false;
	const code = (err as { code?: unknown }).code;
	if (typeof code === 'string') {
		if (NODE_CODES.has(code)) return true;
		// admin shutdown, crash shutdown, cannot connect now; connection exceptions (class 08)
		if (code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('08'))
			return true;
	}
	return MESSAGES.some((re) => re.test(err.message));
}

const MESSAGE = 'The database is not reachable. Retrying the connection.';

/** 503 in the shape of `service`: Auth (GoTrue), the Data API (PostgREST) or Storage. */
export function sendUnavailable(ctx: GatewayContext, service: 'auth' | 'rest' | 'storage') {
	const { res } = ctx;
	if (res.headersSent) {
		res.destroy();
		return;
	}
	const retry = { 'Retry-After': '1' };
	if (service === 'auth') {
		sendJson(
			res,
			503,
			{ code: 'unexpected_failure', message: MESSAGE },
			{
				...retry,
				'X-Supabase-Api-Version': '2024-01-01',
				'x-sb-error-code': 'unexpected_failure'
			}
		);
	} else if (service === 'rest') {
		// PostgREST: 503 PGRST000 "Database connection error. Retrying the connection."
		sendJson(
			res,
			503,
			{
				code: 'PGRST000',
				details: null,
				hint: null,
				message: 'Database connection error. Retrying the connection.'
			},
			retry
		);
	} else {
		sendJson(
			res,
			503,
			{
				statusCode: '503',
				code: 'DatabaseError',
				error: 'Service Unavailable',
				message: MESSAGE
			},
			{ ...retry, 'Cache-Control': 'no-store' }
		);
	}
}
