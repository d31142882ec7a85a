/**
 * The clinic's time zone (`organizations.time_zone`): every date and time the portal shows or reads
 * for a clinic is in it, and its "today" is the clinic's (see `$lib/format`). It comes with this
 * request's context (`request_context`: the caller's clinics and live support access, each with
 * its time zone), so it costs no Data API request of its own.
 */

/** The time zone of the clinic with this slug as the caller sees it; UTC when it is not theirs. */
export function clinicTimeZone(locals: App.Locals, slug: string): string {
	const context = locals.context;
	const clinic = context?.clinics.find((c) => c.slug === slug);
	if (clinic?.time_zone) return clinic.time_zone;
	if (context?.support?.slug === slug && context.support.time_zone)
		return context.support.time_zone;
	return 'UTC';
}
