/**
 * Mail sending: the e-mail link of each flow (signup, invite, recovery, magic link, e-mail
 * change) built on a fresh one-time token, and its delivery to the local mailbox (../mailbox.ts).
 */
import type pg from 'pg';
import { deliver, type MailType } from '../mailbox.ts';
import { AUTH_URL, redirectTarget } from './config.ts';
import { createOneTimeToken } from './one-time-tokens.ts';
import type { OttType } from './one-time-tokens.ts';
import type { UserRow } from './users.ts';

const LINK_TOKEN: Record<MailType, OttType> = {
	signup: 'confirmation_token',
	invite: 'confirmation_token',
	magiclink: 'recovery_token',
	recovery: 'recovery_token',
	email_change: 'email_change_token_new'
};

export interface Link {
	actionLink: string;
	emailOtp: string;
	hashedToken: string;
	redirectTo: string;
	type: MailType;
}

export async function makeLink(
	db: pg.ClientBase,
	user: UserRow,
	type: MailType,
	email: string,
	redirect: string | null | undefined,
	pkce = false
): Promise<Link> {
	const { otp, tokenHash } = await createOneTimeToken(db, user.id, LINK_TOKEN[type], email, pkce);
	const redirectTo = redirectTarget(redirect);
	const q = new URLSearchParams({ token: tokenHash, type, redirect_to: redirectTo });
	return {
		actionLink: `${AUTH_URL}/verify?${q}`,
		emailOtp: otp,
		hashedToken: tokenHash,
		redirectTo,
		type
	};
}

/** Hands the message to the mailbox (after the transaction that created its token committed). */
export function sendLink(to: string, link: Link) {
	deliver({
		to,
		type: link.type,
		actionLink: link.actionLink,
		emailOtp: link.emailOtp,
		tokenHash: link.hashedToken,
		redirectTo: link.redirectTo
	});
}
