/** Addresses of clinics on this platform, for links between them (keeps the current port). */
import { rootDomain } from './env';

export function clinicOrigin(slug: string, current: URL): string {
	const port = current.port ? `:${current.port}` : '';
	return `${current.protocol}//${slug}.${rootDomain()}${port}`;
}

/** A same-origin path from a `redirectTo` query value, or the fallback (no open redirects). */
export function safeRedirectPath(value: string | null, fallback = '/dashboard'): string {
	if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
		return fallback;
	}
	return value;
}
