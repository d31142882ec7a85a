/**
 * A clinic's time zone, as the onboarding form (platform console) and the clinic admin's settings
 * choose it: an IANA name the runtime's Intl knows (the portal formats with it) or UTC. The database
 * checks it too (`private.is_time_zone`, constraint organizations_time_zone_valid).
 */
import { z } from 'zod';

export const TIME_ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone')];

export const timeZoneSchema = z
	.string({ error: 'Choose a time zone.' })
	.trim()
	.refine((v) => TIME_ZONES.includes(v), { error: 'Choose a time zone from the list.' });

/** The zones as select options ("America/New York"). */
export function timeZoneOptions(): { value: string; label: string }[] {
	return TIME_ZONES.map((zone) => ({ value: zone, label: zone.replace(/_/g, ' ') }));
}

/** The clinic admin's settings form. */
export const clinicSettingsSchema = z.object({ time_zone: timeZoneSchema });
