import { clinicSearchSchema } from '$lib/schemas/platform';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { listClinics, PAGE_SIZE } from '$lib/server/platform/clinics';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	await requirePlatformAdmin({ locals, url });
	const parsed = clinicSearchSchema.safeParse(Object.fromEntries(url.searchParams));
	const { q, page } = parsed.success ? parsed.data : { q: '', page: 1 };
	const { clinics, total } = await listClinics({ supabase: locals.supabase, search: q, page });
	return { clinics, total, q, page, pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
};
