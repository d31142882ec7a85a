import { sequence } from '@sveltejs/kit/hooks';
import type { Handle, HandleServerError } from '@sveltejs/kit';
import type { VerifiedClaims } from './app';
import { createRequestClient } from '$lib/server/supabase';
import { rootDomain } from '$lib/server/env';
import { resolveTenant } from '$lib/server/tenant';

/** Supabase server client from cookies, and claims verified against the JWKS (never getSession). */
const supabase: Handle = async ({ event, resolve }) => {
	event.locals.supabase = createRequestClient(event);
	let cached: Promise<VerifiedClaims | null> | undefined;
	event.locals.safeGetClaims = () => {
		cached ??= event.locals.supabase.auth.getClaims().then(({ data, error }) => {
			if (error || !data) return null;
			return data.claims as VerifiedClaims;
		});
		return cached;
	};
	return resolve(event, {
		filterSerializedResponseHeaders: (name) =>
			name === 'content-range' || name === 'x-supabase-api-version'
	});
};

/** The clinic (or the platform) this request is for, from its host. */
const tenant: Handle = async ({ event, resolve }) => {
	event.locals.tenant = resolveTenant(event.request.headers.get('host'), rootDomain());
	return resolve(event);
};

export const handle = sequence(supabase, tenant);

export const handleError: HandleServerError = ({ error, status }) => {
	const errorId = crypto.randomUUID();
	if (status !== 404) console.error(`[${errorId}]`, error);
	return { message: status === 404 ? 'Not found' : 'Something went wrong on our side.', errorId };
};
