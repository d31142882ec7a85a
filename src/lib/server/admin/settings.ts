/**
 * The clinic's settings for its admins at /admin/settings: its time zone. The admin's own client
 * writes it: the organizations column grant and RLS (organizations_update_admin) allow exactly this
 * column of their own clinic, the database checks the zone (organizations_time_zone_valid) and
 * records the change in the clinic's audit trail (organizations_time_zone_audit).
 */
import type { WithDb } from '../db';
import { updateById, refuse, type Result } from '../refusals';

export function saveTimeZone({
	supabase,
	organizationId,
	timeZone
}: WithDb<{ organizationId: string; timeZone: string }>): Promise<Result> {
	return updateById(
		supabase,
		'organizations',
		organizationId,
		{ time_zone: timeZone },
		{
			otherwise: 'time_zone',
			none: refuse('Only this clinic’s admins can change its time zone.', {
				field: 'time_zone',
				status: 403
			})
		}
	);
}
