import { sequence } from '@sveltejs/kit/hooks';
import { redirect, type Handle, type HandleServerError } from '@sveltejs/kit';
import type { VerifiedClaims } from './app';
import { createRequestClient } from '$lib/server/supabase';
import { rootDomain } from '$lib/server/env';
import { resolveTenant } from '$lib/server/tenant';
import { loadBranding } from '$lib/server/branding';

/** Supabase server client from cookies, and claims verified against the JWKS (never getSession). */
const supabase: Handle = async ({ event, resolve }) => {
	event.locals.tenant = resolveTenant(event.request.headers.get('host'), rootDomain());
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

/** The clinic this host serves, with its public branding (null on the platform domain). */
const tenant: Handle = async ({ event, resolve }) => {
	event.locals.branding =
		event.locals.tenant.kind === 'clinic'
			? await loadBranding(event.locals.supabase, event.locals.tenant.host)
			: null;
	return resolve(event);
};

/**
 * Guarded route groups: the clinic portal `(app)` needs a signed-in person. Each `+layout.server.ts`
 * and every action still checks for itself; this only sends people to sign in.
 */
const authGuard: Handle = async ({ event, resolve }) => {
	const id = event.route.id ?? '';
	if (id.startsWith('/(app)')) {
		const claims = await event.locals.safeGetClaims();
		if (!claims) {
			const back = event.url.pathname + event.url.search;
			redirect(303, `/sign-in?redirectTo=${encodeURIComponent(back)}`);
		}
	}
	return resolve(event);
};

export const handle = sequence(supabase, tenant, authGuard);

export const handleError: HandleServerError = ({ error, status }) => {
	const errorId = crypto.randomUUID();
	if (status !== 404) console.error(`[${errorId}]`, error);
	return { message: status === 404 ? 'Not found' : 'Something went wrong on our side.', errorId };
};
