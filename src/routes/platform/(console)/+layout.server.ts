import { requirePlatformAdmin } from '$lib/server/platform/guard';
import type { LayoutServerLoad } from './$types';

// Exists so client-side navigation inside the console always reaches the server's check.
export const load: LayoutServerLoad = async ({ locals, url }) => {
	const caller = await requirePlatformAdmin({ locals, url });
	return { platformAdminEmail: caller.email };
};
