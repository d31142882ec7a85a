import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { platformAuditLog } from '$lib/server/platform/settings';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	await requirePlatformAdmin({ locals, url });
	return { entries: await platformAuditLog({ supabase: locals.supabase, limit: 100 }) };
};
