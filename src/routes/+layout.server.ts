import { error } from '@sveltejs/kit';
import { publicSettings } from '$lib/server/platform/settings';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => {
	if (locals.tenant.kind === 'clinic' && !locals.branding) {
		error(404, {
			message: `No clinic uses the address ${locals.tenant.host}. Check the address your clinic gave you.`
		});
	}
	const settings = await publicSettings(locals);
	return {
		claims: await locals.safeGetClaims(),
		branding: locals.branding,
		maintenanceBanner: settings.maintenanceBanner
	};
};
