import { z } from 'zod';

/** Two-factor sign-in forms (account pages, the sign-in step, admin settings): shared by actions, pages and tests. */

/** A code from an authenticator app: six digits; spaces people type or paste are ignored. */
export const totpCode = z.preprocess(
	(v) => (typeof v === 'string' ? v.replace(/\s+/g, '') : v),
	z.string().regex(/^\d{6}$/, { error: 'Enter the 6-digit code from your authenticator app.' })
);

/** Answering the sign-in step, or proving possession before removing a factor. */
export const codeSchema = z.object({
	factorId: z.uuid({ error: 'Choose an authenticator.' }),
	code: totpCode
});

/** The name people give an authenticator ("Work phone"), unique per person. */
export const enrolStartSchema = z.object({
	friendlyName: z
		.string()
		.trim()
		.min(1, { error: 'Name this authenticator, for example “Work phone”.' })
		.max(60, { error: 'Use at most 60 characters.' })
});

/**
 * The first code of a new authenticator. `uri` (the otpauth:// URI Auth returned) only lets the page
 * show the same QR code again after a wrong code; what is verified is the factor's own secret in Auth.
 */
export const enrolConfirmSchema = z.object({
	factorId: z.uuid(),
	uri: z.string().startsWith('otpauth://totp/').max(1000),
	code: totpCode
});

/** The clinic's setting "require two-factor sign-in for all staff" (a checkbox). */
export const requirementSchema = z.object({
	required: z.boolean()
});

/** A platform admin resets a clinic administrator's two-factor sign-in. */
export const adminUserSchema = z.object({
	userId: z.uuid()
});

/** What the enrolment page shows: the QR code, the same secret as text, and what to post back. */
export interface EnrolmentSetup {
	factorId: string;
	uri: string;
	/** The base32 secret in groups of four, for typing into an app. */
	secret: string;
	/** An SVG data URI of the QR code (rendered on the server with `qrcode` from the otpauth URI). */
	qrCode: string;
}
