import { z } from 'zod';
import { text } from '$lib/schemas/text';
import { ROLES } from '$lib/roles';
import { emailSchema } from './email';

/** Clinic admin console forms: shared by the actions, the pages and tests. */

export const inviteSchema = z.object({
	email: emailSchema,
	role: z.enum(ROLES, { error: 'Choose a role.' }),
	/** Optional: the invitee confirms (or corrects) it when accepting. */
	fullName: text().trim().max(200, { error: 'Use at most 200 characters.' }).default('')
});

export const changeRoleSchema = z.object({
	membershipId: z.uuid(),
	role: z.enum(ROLES, { error: 'Choose a role.' })
});

export const membershipIdSchema = z.object({
	membershipId: z.uuid()
});

export const invitationIdSchema = z.object({
	invitationId: z.uuid()
});

/** Forms that are only a button (nothing to fill in): their refusals still come back as a form. */
export const buttonSchema = z.object({});

export const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

export const brandingSchema = z.object({
	name: text()
		.trim()
		.min(1, { error: 'Enter the clinic name.' })
		.max(120, { error: 'Use at most 120 characters.' }),
	themeColor: text().trim().regex(HEX_COLOR, { error: 'Use a colour like #0f766e.' }),
	signInMessage: text().trim().max(280, { error: 'Use at most 280 characters.' })
});

/** What the branding bucket accepts (also enforced by Storage itself). */
export const LOGO_MAX_BYTES = 2 * 1024 * 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];
export const LOGO_EXTENSIONS: Record<LogoType, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif'
};

/** A logo already uploaded to `<clinic slug>/logo-<timestamp>.<ext>` by the browser. */
export const logoPathSchema = z.object({
	logoPath: text().regex(/^[a-z0-9-]{3,63}\/logo-[0-9]{10,16}\.(png|jpg|webp|gif)$/, {
		error: 'Invalid file.'
	})
});

export const FIELD_TYPES = ['text', 'number', 'boolean', 'date', 'select'] as const;

/** Formats of a text field (`custom_field_format`), as the admin form offers them. */
export const FIELD_FORMATS = ['any', 'digits', 'letters', 'mask'] as const;
export const FIELD_FORMAT_LABELS: Record<(typeof FIELD_FORMATS)[number], string> = {
	any: 'Any text',
	digits: 'Digits only',
	letters: 'Letters only (A–Z, a–z)',
	mask: 'Mask (below)'
};

/**
 * What `patient_field_definitions_format_mask_check` accepts: 1–40 printable ASCII characters, no
 * space at either end, with at least one placeholder (A = a capital letter, 9 = a digit, * = either).
 */
const MASK_CHARACTERS = /^[!-~]([ -~]{0,38}[!-~])?$/;
const MASK_PLACEHOLDER = /[A9*]/;

export const fieldDefinitionSchema = z
	.object({
		id: z.uuid().optional(),
		key: text()
			.trim()
			.regex(/^[a-z][a-z0-9_]{0,62}$/, {
				error: 'Start with a letter; use lower-case letters, digits and _.'
			}),
		label: text()
			.trim()
			.min(1, { error: 'Enter a label.' })
			.max(120, { error: 'Use at most 120 characters.' }),
		fieldType: z.enum(FIELD_TYPES),
		options: text().trim().max(4000).default(''),
		required: z.boolean().default(false),
		formatKind: z
			.enum(FIELD_FORMATS, { error: 'Choose one of the listed formats.' })
			.default('any'),
		formatMask: text().trim().default(''),
		uniqueWithinClinic: z.boolean().default(false)
	})
	.superRefine((v, ctx) => {
		if (v.fieldType === 'select' && optionList(v.options).length === 0) {
			ctx.addIssue({ code: 'custom', path: ['options'], message: 'List at least one option.' });
		}
		if (v.formatKind !== 'any' && v.fieldType !== 'text') {
			ctx.addIssue({
				code: 'custom',
				path: ['formatKind'],
				message: 'A format applies to text fields only: choose “Any text”.'
			});
		}
		if (v.formatKind === 'mask') {
			const problem = maskProblem(v.formatMask);
			if (problem) ctx.addIssue({ code: 'custom', path: ['formatMask'], message: problem });
		} else if (v.formatMask) {
			ctx.addIssue({
				code: 'custom',
				path: ['formatMask'],
				message: 'A mask is used only with the format “Mask”: choose it above, or clear the mask.'
			});
		}
	});

/** Why a mask cannot be used (the database's rules, in the same words), or null. */
export function maskProblem(mask: string): string | null {
	if (!mask) return 'Enter a mask such as AAA9999.';
	if (!MASK_CHARACTERS.test(mask))
		return 'A mask has at most 40 characters: letters A–Z and a–z, digits, punctuation and inner spaces (no accented letters).';
	if (!MASK_PLACEHOLDER.test(mask))
		return 'A mask needs at least one A (a capital letter), 9 (a digit) or * (either).';
	return null;
}

/** Options typed one per line. */
export function optionList(text: string): string[] {
	return [
		...new Set(
			text
				.split('\n')
				.map((s) => s.trim())
				.filter(Boolean)
		)
	];
}

export const fieldMoveSchema = z.object({
	id: z.uuid(),
	direction: z.enum(['up', 'down'])
});

export const fieldIdSchema = z.object({ id: z.uuid() });
