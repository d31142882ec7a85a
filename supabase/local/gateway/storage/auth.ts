/**
 * Who a Storage request acts as (docs/local-runtime.md, "Storage"): the verified bearer's role
 * (anon, authenticated or service_role; anything else is AccessDenied), or the service itself
 * for signed upload URLs; and the transaction every policy-decided statement runs in: `withRole`
 * plus Storage's own settings (`request.jwt`, the legacy `request.jwt.claim.*`, `storage.operation`,
 * `storage.allow_delete_query`).
 */
import type { PoolClient } from 'pg';
import { isApiRole, readBearer, type ApiRole } from '../core/bearer.ts';
import { isUuid, type GatewayContext } from '../core/http.ts';
import type { Claims } from '../core/jwt.ts';
import { withRole, type RoleTx } from '../core/with-role.ts';
import { ERR } from './errors.ts';

export interface Caller {
	role: ApiRole;
	claims: Claims;
	jwt: string;
}

export function authenticate(ctx: GatewayContext): Caller {
	let bearer;
	try {
		bearer = readBearer(ctx);
	} catch (err) {
		throw ERR.accessDenied(err instanceof Error ? err.message : 'Invalid JWT');
	}
	if (!bearer) throw ERR.accessDenied('Missing authorization header');
	if (!isApiRole(bearer.role)) throw ERR.accessDenied(`role "${bearer.role}" is not allowed`);
	return { role: bearer.role, claims: bearer.claims, jwt: bearer.token };
}

/** The Storage service acting on its own (signed upload URLs): service_role with the token's owner. */
export function serviceCaller(owner: string | null): Caller {
	const claims: Claims = { role: 'service_role' };
	if (owner) claims.sub = owner;
	return { role: 'service_role', claims, jwt: '' };
}

/** Runs `fn` as the caller in one transaction (withRole) with Storage's settings for `operation`. */
export function asCaller<T>(
	ctx: GatewayContext,
	caller: Caller,
	operation: string,
	fn: (db: PoolClient, tx: RoleTx) => Promise<T>
): Promise<T> {
	const sub = typeof caller.claims.sub === 'string' ? caller.claims.sub : '';
	return withRole(
		ctx,
		caller,
		{
			settings: [
				['request.jwt', caller.jwt],
				['request.jwt.claim.role', caller.role],
				['request.jwt.claim.sub', sub],
				['storage.operation', operation],
				// Storage's protect_delete trigger refuses deletes without it; Storage's own request
				// scope sets it for every request (docs/local-runtime.md, "Hosted shape")
				['storage.allow_delete_query', 'true']
			]
		},
		fn
	);
}

export function ownerOf(caller: Caller): { owner: string | null; ownerId: string | null } {
	const sub = typeof caller.claims.sub === 'string' && caller.claims.sub ? caller.claims.sub : null;
	return { owner: sub && isUuid(sub) ? sub : null, ownerId: sub };
}
