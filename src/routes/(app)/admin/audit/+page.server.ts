import { clinicTimeZone } from '$lib/server/clinic-time';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { AUDIT_PAGE_SIZE, loadAuditTrail, parseAuditFilter } from '$lib/server/admin/audit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const admin = await requireClinicAdmin({ locals, url });
	const filter = parseAuditFilter(url.searchParams);
	const timeZone = clinicTimeZone(locals, admin.slug);
	const trail = await loadAuditTrail({
		supabase: locals.supabase,
		filter,
		timeZone,
		offset: (filter.page - 1) * AUDIT_PAGE_SIZE,
		limit: AUDIT_PAGE_SIZE,
		// the chain check reads every entry of the clinic: on request, not on every page view
		withChain: url.searchParams.get('verify') === 'chain'
	});
	const query = new URLSearchParams(url.searchParams);
	query.delete('page');
	query.delete('verify');
	return {
		filter,
		...trail,
		// the CSV carries the changed values; the page needs only the sentences
		rows: trail.rows.map(({ changes: _changes, ...row }) => row),
		timeZone,
		pageSize: AUDIT_PAGE_SIZE,
		query: query.toString()
	};
};
