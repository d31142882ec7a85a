import { z } from 'zod';
import { text } from '$lib/schemas/text';

/** RFC 5321 limits: the local part (before @) at most 64 characters, the whole address 254. */
export const EMAIL_LOCAL_MAX = 64;
export const EMAIL_MAX = 254;

/**
 * An e-mail address as the portal accepts it everywhere (forms, servers; the database's
 * invitations_email_valid check holds the same limits): trimmed, lower-case, well-formed, within
 * RFC 5321's lengths.
 */
export const emailSchema = text({ error: 'Enter an email address.' })
	.trim()
	.toLowerCase()
	.max(EMAIL_MAX, { error: `Use an address of at most ${EMAIL_MAX} characters.` })
	.refine((v) => v.split('@')[0].length <= EMAIL_LOCAL_MAX, {
		error: `The part before @ can have at most ${EMAIL_LOCAL_MAX} characters.`
	})
	.pipe(z.email({ error: 'Enter a valid email address.' }));

/** A person's name as staff lists and the audit trail show it. */
export const fullNameSchema = text()
	.trim()
	.min(1, { error: 'Enter your name.' })
	.max(200, { error: 'Use at most 200 characters.' });
