/**
 * Who a request is: the gateway step (apikey → role, `Authorization` rewrite for `sb_` keys, as
 * Kong and the Supabase CLI do) and the one verification of the resulting bearer JWT that Auth,
 * the Data API and Storage share. Each service turns a missing or bad bearer into its own error
 * shape (docs/local-runtime.md, "Gateway" and "Tokens and keys").
 */
import type { IncomingMessage } from 'node:http';
import { loadKeys } from '../../config.ts';
import type { GatewayContext } from './http.ts';
import { verifyJwt, type Claims } from './jwt.ts';

const keys = loadKeys();

/** The Postgres roles a request may act as through the Data API and Storage. */
export const API_ROLES = ['anon', 'authenticated', 'service_role'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export function isApiRole(role: string): role is ApiRole {
	return (API_ROLES as readonly string[]).includes(role);
}

/** The role an apikey stands for: publishable/anon → `anon`, secret/service_role → `service_role`. */
export function apikeyRole(apikey: string | null): 'anon' | 'service_role' | null {
	if (!apikey) return null;
	if (apikey === keys.publishableKey || apikey === keys.anonJwt) return 'anon';
	if (apikey === keys.secretKey || apikey === keys.serviceRoleJwt) return 'service_role';
	return null;
}

/** Authorization := incoming (unless `Bearer sb_…`) else internal JWT for an opaque key else the key. */
export function effectiveBearer(req: IncomingMessage, apikey: string | null): string | null {
	const auth = req.headers.authorization;
	if (auth && /^bearer\s+/i.test(auth) && !/^bearer\s+sb_/i.test(auth)) {
		return auth.replace(/^bearer\s+/i, '').trim();
	}
	if (apikey === keys.secretKey) return keys.serviceRoleJwt;
	if (apikey === keys.publishableKey) return keys.anonJwt;
	if (apikey && !apikey.startsWith('sb_')) return apikey;
	return null;
}

export interface Bearer {
	/** The raw token. */
	token: string;
	claims: Claims;
	/** The `role` claim, `''` when absent or not a string. */
	role: string;
}

/**
 * Verified tokens, as PostgREST's JWT cache keeps them (jwt-cache-max-entries, 1000): a token
 * whose signature was checked is not checked again until it expires; time claims are re-checked
 * on every use, failures are never cached. Insertion order evicts the oldest first.
 */
const verified = new Map<string, Claims>();
const CACHE_MAX = 1000;

function verifyCached(token: string): Claims {
	const hit = verified.get(token);
	const now = Math.floor(Date.now() / 1000);
	if (hit) {
		if (typeof hit.exp !== 'number' || hit.exp > now) return hit;
		verified.delete(token);
	}
	const claims = verifyJwt(token);
	if (verified.size >= CACHE_MAX) verified.delete(verified.keys().next().value!);
	verified.set(token, claims);
	return claims;
}

/**
 * Verifies the request's bearer (signature, `exp`, `iat`/`nbf`): null when the request carries
 * none; throws JwtError when it does not verify.
 */
export function readBearer(ctx: GatewayContext): Bearer | null {
	if (!ctx.bearer) return null;
	const claims = verifyCached(ctx.bearer);
	return {
		token: ctx.bearer,
		claims,
		role: typeof claims.role === 'string' ? claims.role : ''
	};
}
