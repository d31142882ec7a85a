import { json } from '@sveltejs/kit';
import { findPatients } from '$lib/server/diary';
import { diaryActor } from '$lib/server/diary-actions';
import type { RequestHandler } from './$types';

/**
 * GET /diary/patients?q=…: the booking form's inline patient search while typing (with JavaScript;
 * without it the form's Search button posts to `?/search`). The same `search_patients` RPC as the
 * patients page, as the signed-in member of this host's clinic.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	await diaryActor(locals);
	const found = await findPatients({
		supabase: locals.supabase,
		q: url.searchParams.get('q') ?? ''
	});
	const headers = { 'cache-control': 'no-store' };
	if (!found.ok) return json({ message: found.message, patients: [] }, { status: 400, headers });
	return json({ patients: found.patients }, { headers });
};
