import { redirect } from '@sveltejs/kit';
import { listPatients } from '$lib/server/patients';
import { patientListQuerySchema, searchProblem } from '$lib/schemas/patient';
import type { PageServerLoad } from './$types';

/**
 * The clinic's patients: a GET search form, so every result page has a shareable URL. A search the
 * database cannot run (too long, unreadable characters) is refused next to the box, not ignored; a
 * page past the end goes to the last page.
 */
export const load: PageServerLoad = async ({ locals, url, parent }) => {
	const query = patientListQuerySchema.parse(Object.fromEntries(url.searchParams));
	// parent() first: the layout makes the host's clinic the active one before we query.
	const { role } = await parent();
	const searchError = query.q ? searchProblem(query.q) : null;
	if (searchError) {
		const result = { rows: [], from: 0, to: 0, total: null, hasPrevious: false, hasNext: false };
		return { query, result, role, searchError };
	}
	// one request: the page of patients, each flagged with the required fields it lacks
	const listed = await listPatients({
		supabase: locals.supabase,
		q: query.q,
		page: query.page,
		includeArchived: query.archived
	});
	if (listed.lastPage !== undefined) {
		const target = new URL(url);
		if (listed.lastPage > 1) target.searchParams.set('page', String(listed.lastPage));
		else target.searchParams.delete('page');
		redirect(303, target.pathname + target.search);
	}
	return { query, result: listed, role, searchError: null };
};
