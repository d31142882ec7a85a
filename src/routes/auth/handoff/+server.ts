import { error, redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** Redeems a clinic-switch handoff code on the target clinic's address (see /switch). */
export const GET: RequestHandler = async ({ url, locals }) => {
	const code = url.searchParams.get('code') ?? '';
	const branding = locals.branding;
	if (!branding || !code) error(400, { message: 'This switch link is incomplete.' });
	const { data: refreshToken, error: redeemError } = await locals.supabase.rpc(
		'redeem_session_handoff',
		{ code, slug: branding.slug }
	);
	if (redeemError || !refreshToken) {
		redirect(303, '/sign-in?notice=handoff-expired');
	}
	const { error: refreshError } = await locals.supabase.auth.refreshSession({
		refresh_token: refreshToken
	});
	if (refreshError) redirect(303, '/sign-in?notice=handoff-expired');
	redirect(303, '/dashboard');
};
