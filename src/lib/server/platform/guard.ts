/**
 * Who may use the platform console: verified claims saying is_platform_admin AND a live row in
 * platform_admins (read with the person's own client, so RLS decides). Claims alone go stale.
 */
import { error, redirect } from '@sveltejs/kit';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { secondFactorStep } from '../two-factor';

export type PlatformCaller = { userId: string; email: string };

/**
 * True when `userId` is in platform_admins right now: only an aal2 session of a platform admin sees
 * the row (RLS: is_platform_admin()), so this is false for every aal1 session.
 */
export async function isPlatformAdmin(opts: {
	supabase: SupabaseClient<Database>;
	userId: string;
}): Promise<boolean> {
	const { data, error: dbError } = await opts.supabase
		.from('platform_admins')
		.select('user_id')
		.eq('user_id', opts.userId)
		.maybeSingle();
	if (dbError) throw new Error(`platform_admins lookup failed: ${dbError.message}`);
	return data !== null;
}

/**
 * Every console load and action calls this first. 404 on a clinic host (the console does not
 * exist there), sign-in for nobody, 403 for anyone who is not a live platform admin, and the
 * two-factor step for a platform admin whose session has no second factor yet. The check is made
 * ONCE per request (the hook's platformGuard asks first) and its outcome, caller or refusal, kept
 * on `locals`: the layout, page loads and actions of the same request reuse it.
 */
export function requirePlatformAdmin(opts: {
	locals: App.Locals;
	url?: URL;
}): Promise<PlatformCaller> {
	opts.locals.platformAdmin ??= checkPlatformAdmin(opts);
	return opts.locals.platformAdmin;
}

async function checkPlatformAdmin(opts: {
	locals: App.Locals;
	url?: URL;
}): Promise<PlatformCaller> {
	const { locals } = opts;
	if (locals.tenant.kind !== 'platform') error(404, { message: 'Not found' });
	const claims = await locals.safeGetClaims();
	if (!claims) {
		const back = opts.url
			? `?redirectTo=${encodeURIComponent(opts.url.pathname + opts.url.search)}`
			: '';
		redirect(303, `/platform/sign-in${back}`);
	}
	const denied = () =>
		error(403, { message: 'The platform console is only for platform administrators.' });
	if (claims.is_platform_admin !== true) denied();
	// Platform admins always sign in with a second factor: below aal2 Postgres does not confirm
	// them (is_platform_admin() is false, platform_admins shows nothing), so the claim (the hook's,
	// read live at the token's issue) sends them to the code step, and the live row is checked after.
	if (claims.aal !== 'aal2')
		redirect(303, secondFactorStep(opts.url ?? new URL('/platform/clinics', 'http://platform')));
	if (!(await isPlatformAdmin({ supabase: locals.supabase, userId: claims.sub }))) denied();
	return { userId: claims.sub, email: claims.email ?? '' };
}
