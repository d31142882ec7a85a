import { listPatients } from '$lib/server/patients';
import { patientListQuerySchema } from '$lib/schemas/patient';
import type { PageServerLoad } from './$types';

/** The clinic's patients: a GET search form, so every result page has a shareable URL. */
export const load: PageServerLoad = async ({ locals, url, parent }) => {
	const query = patientListQuerySchema.parse(Object.fromEntries(url.searchParams));
	// parent() first: the layout makes the host's clinic the active one before we query.
	const { role } = await parent();
	const result = await listPatients({
		supabase: locals.supabase,
		q: query.q,
		page: query.page,
		includeArchived: query.archived
	});
	return { query, result, role };
};
