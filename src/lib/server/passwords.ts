/**
 * A password nobody knows, for an account whose unproven password must go (auth/confirm): 256
 * random bits, base64url, plus one character of every class Auth can require (lowercase, uppercase,
 * digit, symbol), so it meets any `password_requirements` setting every time. Plain base64 of
 * random bytes lacks a digit about once in 1,500 draws, and Auth then refuses it.
 */
export function unguessablePassword(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return `${Buffer.from(bytes).toString('base64url')}aA1!`;
}
