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
	const q = (url.searchParams.get('q') ?? '').slice(0, 100);
	const patients = await findPatients({ supabase: locals.supabase, q });
	return json({ patients }, { headers: { 'cache-control': 'no-store' } });
};
