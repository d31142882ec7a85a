import { redirect } from '@sveltejs/kit';
import type { EmailOtpType } from '@supabase/supabase-js';
import { safeRedirectPath } from '$lib/server/addresses';
import type { RequestHandler } from './$types';

const OTP_TYPES = new Set<EmailOtpType>([
	'recovery',
	'invite',
	'signup',
	'email',
	'magiclink',
	'email_change'
]);

/**
 * Where e-mail links land: a PKCE `code` (links sent by this server, e.g. password recovery) or a
 * `token_hash` (links from the e-mail templates, e.g. invitations). Either becomes a session in
 * this clinic's cookie, then the person continues to `next`.
 */
export const GET: RequestHandler = async ({ url, locals }) => {
	const next = safeRedirectPath(url.searchParams.get('next'), '/dashboard');
	const code = url.searchParams.get('code');
	const tokenHash = url.searchParams.get('token_hash');
	const type = url.searchParams.get('type') as EmailOtpType | null;

	let failed = true;
	if (code) {
		const { error } = await locals.supabase.auth.exchangeCodeForSession(code);
		failed = Boolean(error);
	} else if (tokenHash && type && OTP_TYPES.has(type)) {
		const { error } = await locals.supabase.auth.verifyOtp({ token_hash: tokenHash, type });
		failed = Boolean(error);
	}
	redirect(303, failed ? '/sign-in?notice=link-expired' : next);
};
