import { redirect } from '@sveltejs/kit';
import type { EmailOtpType, User } from '@supabase/supabase-js';
import { safeRedirectPath } from '$lib/server/addresses';
import { unguessablePassword } from '$lib/server/passwords';
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
 * This link is what proved the address: Auth confirmed it in this very request (an account made by a
 * sign-in link, an invitation or a sign-up, until now unconfirmed). Both times come from Auth.
 */
function confirmedByThisLink(user: User | null): boolean {
	if (!user?.email_confirmed_at || !user.last_sign_in_at) return false;
	return Math.abs(Date.parse(user.last_sign_in_at) - Date.parse(user.email_confirmed_at)) < 10_000;
}

/**
 * Whoever set a password on an account before its address was proven (a stranger who signed up
 * with an invited address) must not keep it: the person who opened the link gets a random password
 * they then replace (set-password), and every other session of the account ends.
 */
async function forgetPassword(locals: App.Locals) {
	const { error } = await locals.supabase.auth.updateUser({ password: unguessablePassword() });
	if (error) throw new Error(`replacing the unproven password failed: ${error.message}`);
	const { error: others } = await locals.supabase.auth.signOut({ scope: 'others' });
	if (others) throw new Error(`ending other sessions failed: ${others.message}`);
}

/**
 * Where every e-mail link lands (Supabase's SSR pattern): `token_hash` + `type` from the templates
 * in supabase/templates/ (invitations, first admin, password reset, e-mail change, sign-up
 * confirmation), verified on this server, so the link works in any browser or device; a PKCE
 * `code` still works for links a browser asked for itself. Either becomes a session in this host's
 * cookie, then the person continues to `next` (a same-origin path). The first of the two e-mail
 * change links (double confirmation) gives no session: the person is told to open the other one.
 *
 * On a clinic's address the outcome shows on its sign-in page (or `next`, by default the
 * dashboard); on the platform's address (links Auth built on its site URL: a sign-up or an e-mail
 * change requested without a clinic address) it shows on the landing page.
 */
export const GET: RequestHandler = async ({ url, locals }) => {
	const clinic = locals.tenant.kind === 'clinic';
	const asked = safeRedirectPath(url.searchParams.get('next'), '');
	const code = url.searchParams.get('code');
	const tokenHash = url.searchParams.get('token_hash');
	const type = url.searchParams.get('type') as EmailOtpType | null;
	const notice = (name: string) => (clinic ? `/sign-in?notice=${name}` : `/?notice=${name}`);
	const next = () =>
		asked && asked !== '/'
			? asked
			: clinic
				? '/dashboard'
				: notice(type === 'email_change' ? 'email-changed' : 'email-confirmed');

	if (code) {
		const { error } = await locals.supabase.auth.exchangeCodeForSession(code);
		redirect(303, error ? notice('link-expired') : next());
	}
	if (tokenHash && type && OTP_TYPES.has(type)) {
		const { data, error } = await locals.supabase.auth.verifyOtp({ token_hash: tokenHash, type });
		if (error) redirect(303, notice('link-expired'));
		if (!data.session && type === 'email_change') redirect(303, notice('email-change-half'));
		if (data.session) {
			if (type !== 'email_change' && confirmedByThisLink(data.user)) await forgetPassword(locals);
			redirect(303, next());
		}
	}
	redirect(303, notice('link-expired'));
};
