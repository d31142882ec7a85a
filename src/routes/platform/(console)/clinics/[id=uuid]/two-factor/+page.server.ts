import { clinicDetail } from '$lib/server/platform/clinics';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { clinicAdmins } from '$lib/server/platform/two-factor';
import type { PageServerLoad } from './$types';

/** A clinic's administrators and their two-factor sign-in, with the way to reset it (recovery). */
export const load: PageServerLoad = async ({ locals, url, params }) => {
	await requirePlatformAdmin({ locals, url });
	const [detail, admins] = await Promise.all([
		clinicDetail({ supabase: locals.supabase, organizationId: params.id }),
		clinicAdmins({ supabase: locals.supabase, organizationId: params.id })
	]);
	return { clinic: detail.clinic, admins, notice: url.searchParams.get('notice') };
};
