/**
 * The clinic's time zone (`organizations.time_zone`): every date and time the portal shows or reads
 * for a clinic is in it, and its "today" is the clinic's (see `$lib/format`). Read as the signed-in
 * person: members read their active clinic's row, platform admins every clinic's.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';

/** The time zone of the clinic with this slug, or null when the caller may not read the clinic. */
export async function clinicTimeZone(
	supabase: SupabaseClient<Database>,
	slug: string
): Promise<string | null> {
	const { data, error } = await supabase
		.from('organizations')
		.select('time_zone')
		.eq('slug', slug)
		.maybeSingle();
	if (error) throw new Error(`clinic time zone: ${error.message}`);
	return data?.time_zone ?? null;
}
