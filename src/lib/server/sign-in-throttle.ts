/**
 * The portal's own sign-in throttle. The portal signs people in from its server, so Auth's own
 * per-address limits see one address for everyone; this asks the database first, with the address
 * the request came from and the e-mail typed (public.sign_in_attempt: 5 attempts per address and
 * account, 20 per account, 50 per address in 15 minutes), and forgets an account's attempts once
 * it signs in (public.sign_in_succeeded). State is in Postgres, so every portal instance counts
 * the same attempts. The answers never depend on whether the account exists.
 */
import type { Db } from './db';
import { setError, type SuperValidated } from 'sveltekit-superforms';
import { readOrThrow } from './reads';

export type ThrottleAnswer =
	{ allowed: true } | { allowed: false; retryAfterSeconds: number; message: string };

/** "Try again in 15 minutes" / "in 40 seconds": the wait, rounded up, in words. */
export function waitMessage(seconds: number): string {
	const wait =
		seconds < 60
			? `${seconds} second${seconds === 1 ? '' : 's'}`
			: `${Math.ceil(seconds / 60)} minute${Math.ceil(seconds / 60) === 1 ? '' : 's'}`;
	return `Too many sign-in attempts. For your clinic's safety, try again in ${wait}.`;
}

/** Asks before a password sign-in; records the attempt when it may go ahead. */
export async function signInAllowed(
	supabase: Db,
	{ clientAddress, email }: { clientAddress: string; email: string }
): Promise<ThrottleAnswer> {
	const data = await readOrThrow(
		'sign_in_attempt failed',
		supabase.rpc('sign_in_attempt', { client_address: clientAddress, email }).single()
	);
	if (data.allowed) return { allowed: true };
	const retryAfterSeconds = Math.max(1, data.retry_after_seconds);
	return { allowed: false, retryAfterSeconds, message: waitMessage(retryAfterSeconds) };
}

/** Right after a successful sign-in, as that person: their failed attempts no longer count. */
export async function signInSucceeded(supabase: Db): Promise<void> {
	const { error } = await supabase.rpc('sign_in_succeeded');
	if (error) throw new Error(`sign_in_succeeded failed: ${error.message}`);
}

/**
 * A throttled password sign-in from a sign-in form (a clinic's or the platform console's): asks
 * the throttle, signs in with Auth and forgets the failed attempts. Nothing when signed in;
 * otherwise the failure to return, next to the password. `blocked` answers a banned account.
 */
export async function passwordSignIn(
	{
		locals,
		getClientAddress,
		setHeaders
	}: {
		locals: App.Locals;
		getClientAddress: () => string;
		setHeaders: (headers: Record<string, string>) => void;
	},
	form: SuperValidated<{ email: string; password: string }>,
	blocked: string
) {
	// One person guessing is slowed; colleagues at other addresses or accounts are not.
	const throttle = await signInAllowed(locals.supabase, {
		clientAddress: getClientAddress(),
		email: form.data.email
	});
	if (!throttle.allowed) {
		setHeaders({ 'retry-after': String(throttle.retryAfterSeconds) });
		return setError(form, 'password', throttle.message, { status: 429 });
	}
	const { error } = await locals.supabase.auth.signInWithPassword(form.data);
	if (error) {
		const message =
			error.code === 'invalid_credentials'
				? 'That email and password do not match an account.'
				: error.code === 'email_not_confirmed'
					? 'Confirm your email address before signing in.'
					: error.code === 'user_banned'
						? blocked
						: error.status === 429
							? 'Too many sign-in attempts from this network. Try again in a few minutes.'
							: 'Sign-in is unavailable right now. Try again in a moment.';
		return setError(form, 'password', message, { status: error.status === 429 ? 429 : 400 });
	}
	await signInSucceeded(locals.supabase);
}
