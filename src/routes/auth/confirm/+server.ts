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
 * Where every e-mail link lands (Supabase's SSR pattern): `token_hash` + `type` from the templates
 * in supabase/templates/ (invitations, first admin, password reset, e-mail change), verified on
 * this server, so the link works in any browser or device; a PKCE `code` still works for links
 * a browser asked for itself. Either becomes a session in this clinic's cookie, then the person
 * continues to `next` (a same-origin path). The first of the two e-mail change links (with double
 * confirmation) gives no session: the person is told to open the other one.
 */
export const GET: RequestHandler = async ({ url, locals }) => {
	const next = safeRedirectPath(url.searchParams.get('next'), '/dashboard');
	const code = url.searchParams.get('code');
	const tokenHash = url.searchParams.get('token_hash');
	const type = url.searchParams.get('type') as EmailOtpType | null;

	if (code) {
		const { error } = await locals.supabase.auth.exchangeCodeForSession(code);
		redirect(303, error ? '/sign-in?notice=link-expired' : next);
	}
	if (tokenHash && type && OTP_TYPES.has(type)) {
		const { data, error } = await locals.supabase.auth.verifyOtp({ token_hash: tokenHash, type });
		if (error) redirect(303, '/sign-in?notice=link-expired');
		if (!data.session && type === 'email_change')
			redirect(303, '/sign-in?notice=email-change-half');
		if (data.session) redirect(303, next);
	}
	redirect(303, '/sign-in?notice=link-expired');
};
