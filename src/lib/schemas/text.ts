/**
 * Text a person can type and PostgreSQL can store. Every form schema builds its strings with
 * `text()` (instead of `z.string()`), so a NUL byte, another control character (tab, line feed and
 * carriage return excepted), a lone UTF-16 surrogate, a noncharacter or the replacement character
 * (what a broken encoding decodes to) is refused with a message next to the field, before anything
 * reaches the database (which refuses NUL with an error, and would store the rest). `hooks.server.ts`
 * checks every form post against the same rule as a last line of defence (`invalidTextField`).
 */
import { z } from 'zod';

export const INVALID_TEXT_MESSAGE =
	'Remove the invisible or unreadable characters (such as a NUL byte or a control character) from this field.';

// C0 controls except \t \n \r, DEL and the C1 controls, U+FFFD (replacement), U+FFFE and U+FFFF.
/* eslint-disable no-control-regex -- matching control characters is the point */
const FORBIDDEN = new RegExp(
	'[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uFFFD\\uFFFE\\uFFFF]'
);
/* eslint-enable no-control-regex */

/** True when the string holds only characters a person can type and PostgreSQL can store. */
export function isStorableText(value: string): boolean {
	return value.isWellFormed() && !FORBIDDEN.test(value);
}

/** `z.string()` that refuses unstorable text (see above); chain `.trim()`, `.max()` … as usual. */
export function text(params?: Parameters<typeof z.string>[0]) {
	return z.string(params).refine(isStorableText, { error: INVALID_TEXT_MESSAGE, abort: true });
}

/**
 * The first field of a form post whose value is not storable text (files are skipped), or null.
 */
export function invalidTextField(form: FormData): string | null {
	for (const [name, value] of form) {
		if (!isStorableText(name)) return '(a field name)';
		if (typeof value === 'string' && !isStorableText(value)) return name;
	}
	return null;
}
