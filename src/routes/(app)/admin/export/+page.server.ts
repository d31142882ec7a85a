import { EXPORT_TABLES } from '$lib/server/admin/export';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async () => ({
	tables: Object.entries(EXPORT_TABLES).map(([value, spec]) => ({ value, label: spec.label }))
});
