/**
 * Who may use the platform console: verified claims saying is_platform_admin AND a live row in
 * platform_admins (read with the person's own client, so RLS decides). Claims alone go stale.
 */
import { error, redirect } from '@sveltejs/kit';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';

export type PlatformCaller = { userId: string; email: string };

/** True when `userId` is in platform_admins right now (the row is visible to its own user). */
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
 * exist there), sign-in for nobody, 403 for anyone who is not a live platform admin. The check is
 * made ONCE per request (the hook's platformGuard asks first) and its outcome, caller or refusal,
 * kept on `locals`: the layout, page loads and actions of the same request reuse it.
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
	if (
		claims.is_platform_admin !== true ||
		!(await isPlatformAdmin({ supabase: locals.supabase, userId: claims.sub }))
	) {
		error(403, { message: 'The platform console is only for platform administrators.' });
	}
	return { userId: claims.sub, email: claims.email ?? '' };
}
