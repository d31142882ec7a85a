import { error } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

/**
 * The clinic admin console: only admins of this clinic (the live role from my_organizations, not
 * the token's claim). RLS refuses non-admins' writes anyway; this keeps them off the pages.
 */
export const load: LayoutServerLoad = async ({ parent }) => {
	const { role } = await parent();
	if (role !== 'admin') error(403, 'Only clinic administrators can open the admin console.');
	return {};
};
