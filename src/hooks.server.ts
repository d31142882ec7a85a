import { sequence } from '@sveltejs/kit/hooks';
import { error, redirect, type Handle, type HandleServerError } from '@sveltejs/kit';
import type { VerifiedClaims } from './app';
import { createRequestClient } from '$lib/server/supabase';
import { rootDomain, supabaseUrl } from '$lib/server/env';
import { secure } from '$lib/server/security-headers';
import { resolveTenant } from '$lib/server/tenant';
import { loadRequestContext } from '$lib/server/request-context';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { publicSettings } from '$lib/server/platform/settings';
import { needsSecondFactor, secondFactorStep } from '$lib/server/two-factor';
import { INVALID_TEXT_MESSAGE, invalidTextField } from '$lib/schemas/text';

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

/**
 * The clinic this host serves: its public branding, the public settings and the signed-in person's
 * clinics and support access, in ONE Data API call per request (request-context.ts); layouts and
 * actions read `locals.context`. Null on the platform domain.
 */
const tenant: Handle = async ({ event, resolve }) => {
	const { tenant } = event.locals;
	event.locals.context =
		tenant.kind === 'clinic' ? await loadRequestContext(event.locals.supabase, tenant) : null;
	event.locals.branding = event.locals.context?.branding ?? null;
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

/**
 * The platform console exists only on the platform domain (404 on clinic hosts); everything but
 * its sign-in page needs a live platform admin (claims AND platform_admins in the database). Its
 * layout and every action check again.
 */
const platformGuard: Handle = async ({ event, resolve }) => {
	const id = event.route.id ?? '';
	if (id === '/platform' || id.startsWith('/platform/')) {
		if (event.locals.tenant.kind !== 'platform') error(404, { message: 'Not found' });
		if (id !== '/platform/sign-in')
			await requirePlatformAdmin({ locals: event.locals, url: event.url });
	}
	return resolve(event);
};

/**
 * Two-factor sign-in: a person who must present a second factor (the hook's `two_factor_required`
 * claim) and whose session is still aal1 answers the code step, or enrols, before any clinic page
 * or account page (the platform console's guard does the same). From the verified claims: no
 * round trip. Postgres refuses such a session every clinic row anyway (docs/security.md); the
 * clinic layout and the console guard also check live what a stale claim may not say yet.
 */
const twoFactor: Handle = async ({ event, resolve }) => {
	const id = event.route.id ?? '';
	const enrolling = id === '/account/two-factor/new';
	if (id.startsWith('/(app)') || (id.startsWith('/account') && !enrolling)) {
		const claims = await event.locals.safeGetClaims();
		if (claims && needsSecondFactor(claims)) redirect(303, secondFactorStep(event.url));
	}
	return resolve(event);
};

/**
 * Security headers on every response the portal renders or serves: the page's CSP (kit.csp) with
 * the Supabase origin added, nosniff, a same-origin referrer, no framing, HSTS over https, and
 * `no-store` for anyone signed in (patient data never stays in a cache or the Back button).
 * Redirects and errors thrown by the guards below are answered by SvelteKit itself (a redirect has
 * no body; an error page still carries kit.csp).
 */
const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	return secure(response, {
		https: event.url.protocol === 'https:',
		signedIn: (await event.locals.safeGetClaims()) !== null,
		supabaseOrigin: new URL(supabaseUrl()).origin
	});
};

const LAST_ACTIVITY_COOKIE = 'last_activity';

/**
 * Signs out sessions idle for longer than the platform's setting (minutes). Last activity is the
 * time of the previous request, kept in an httpOnly cookie per host.
 */
const idleTimeout: Handle = async ({ event, resolve }) => {
	if (await event.locals.safeGetClaims()) {
		const { idleTimeoutMinutes } = await publicSettings(event.locals);
		const last = Number(event.cookies.get(LAST_ACTIVITY_COOKIE));
		const now = Date.now();
		if (last > 0 && now - last > idleTimeoutMinutes * 60_000) {
			await event.locals.supabase.auth.signOut({ scope: 'local' });
			event.cookies.delete(LAST_ACTIVITY_COOKIE, { path: '/' });
			const signIn = event.locals.tenant.kind === 'platform' ? '/platform/sign-in' : '/sign-in';
			redirect(303, `${signIn}?notice=idle`);
		}
		event.cookies.set(LAST_ACTIVITY_COOKIE, String(now), {
			path: '/',
			httpOnly: true,
			sameSite: 'lax',
			secure: event.url.protocol === 'https:'
		});
	}
	return resolve(event);
};

/**
 * Last line of defence for invalid text (`$lib/schemas/text`): the form schemas refuse it next to
 * the field; a form post that still carries it and would end in a server error (a field no schema
 * checks reached PostgreSQL) is answered 400 naming the field, never 500.
 */
const invalidText: Handle = async ({ event, resolve }) => {
	const type = event.request.headers.get('content-type') ?? '';
	if (
		event.request.method !== 'POST' ||
		!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)
	)
		return resolve(event);
	const form = await event.request
		.clone()
		.formData()
		.catch(() => null);
	// a body that does not parse as the form it claims to be (a broken multipart boundary …)
	if (!form) error(400, { message: 'The form could not be read. Reload the page and try again.' });
	const field = invalidTextField(form);
	const response = await resolve(event);
	if (field === null || response.status < 500) return response;
	error(400, { message: `The field “${field}”: ${INVALID_TEXT_MESSAGE}` });
};

export const handle = sequence(
	supabase,
	securityHeaders,
	tenant,
	idleTimeout,
	authGuard,
	platformGuard,
	twoFactor,
	invalidText
);

export const handleError: HandleServerError = ({ error, status }) => {
	const errorId = crypto.randomUUID();
	if (status !== 404) console.error(`[${errorId}]`, error);
	return { message: status === 404 ? 'Not found' : 'Something went wrong on our side.', errorId };
};
