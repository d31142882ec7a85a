/** Display helpers for the chart and the dashboard (same output on server and browser). */

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
const timeOnly = new Intl.DateTimeFormat('en-GB', { timeStyle: 'short' });

export function formatDateTime(value: string | null | undefined): string {
	return value ? dateTime.format(new Date(value)) : '';
}

/** A calendar date (`YYYY-MM-DD`), shown without any zone shift. */
export function formatDate(value: string | null | undefined): string {
	return value ? dateOnly.format(new Date(`${value}T00:00:00Z`)) : '';
}

export function formatTime(value: string | null | undefined): string {
	return value ? timeOnly.format(new Date(value)) : '';
}

export function ageOn(dateOfBirth: string | null, today = new Date()): number | null {
	if (!dateOfBirth) return null;
	const [y, m, d] = dateOfBirth.split('-').map(Number);
	let age = today.getFullYear() - y;
	if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age--;
	return age;
}

export function titleCase(value: string): string {
	const text = value.replace(/_/g, ' ');
	return text.charAt(0).toUpperCase() + text.slice(1);
}
