/**
 * The e-mail templates of supabase/templates/ (issue 12): every purpose links to the portal's
 * `/auth/confirm?…&token_hash=…&type=…`, whether Auth returns to the address the portal asked for
 * or falls back to its site URL; the portal's Send Email hook and the local runtime render the same
 * files alike; the hook turns any redirect Auth hands over into a working link.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
	renderEmail,
	parseTemplate,
	type TemplateName
} from '../../src/lib/server/email/template.ts';
import { confirmAddress } from '../../src/lib/server/email/send-email-hook.ts';
import {
	parseTemplate as runtimeParse,
	renderTemplate as runtimeRender
} from '../../supabase/templates/go-template.ts';
import { linkInMail, linkInText } from '../support/people.ts';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'supabase', 'templates');
const TYPE_OF: Record<TemplateName, string> = {
	invite: 'email',
	confirmation: 'email',
	magic_link: 'email',
	recovery: 'recovery',
	email_change: 'email_change'
};
const NAMES = Object.keys(TYPE_OF) as TemplateName[];

function data(redirectTo: string, siteUrl: string) {
	return {
		SiteURL: siteUrl,
		ConfirmationURL: 'http://127.0.0.1:54321/auth/v1/verify?token=abc&type=signup',
		Email: 'ida@example.test',
		Token: '123456',
		TokenHash: 'f00d',
		Data: {},
		RedirectTo: redirectTo,
		NewEmail: 'new@example.test',
		SendingTo: 'ida@example.test'
	};
}

describe('e-mail templates', () => {
	const asked = 'http://clinic-a.localhost:5173/auth/confirm?next=%2Faccept-invite%3Fkey%3Dabc';

	it.each(NAMES)('%s: the link returns to the address the portal asked for', (name) => {
		const mail = renderEmail(name, data(asked, 'http://localhost:5173'));
		const want = `${asked}&token_hash=f00d&type=${TYPE_OF[name]}`;
		expect(linkInMail(mail)).toBe(want);
		expect(linkInText(mail)).toBe(want);
		expect(new URL(want).searchParams.get('next')).toBe('/accept-invite?key=abc');
	});

	it.each(NAMES)(
		'%s: when Auth falls back to the site URL the link is <site>/auth/confirm',
		(name) => {
			const mail = renderEmail(name, data('http://localhost:5173', 'http://localhost:5173'));
			const want = `http://localhost:5173/auth/confirm?token_hash=f00d&type=${TYPE_OF[name]}`;
			expect(linkInMail(mail)).toBe(want);
			expect(linkInText(mail)).toBe(want);
		}
	);

	it.each(NAMES)(
		'%s: the file the local runtime reads from disk renders exactly as the hook’s bundled copy',
		(name) => {
			const src = readFileSync(join(TEMPLATES, `${name}.html`), 'utf8');
			for (const d of [
				data(asked, 'http://localhost:5173'),
				data('http://x.test', 'http://x.test')
			]) {
				expect(runtimeRender(runtimeParse(src), d, true).trim()).toBe(renderEmail(name, d).html);
			}
		}
	);

	it('names the clinic, the inviter and the role in the invitation subject and body', () => {
		const mail = renderEmail('invite', {
			...data(asked, 'http://localhost:5173'),
			Clinic: {
				Name: 'Riverside Family Clinic',
				URL: 'http://clinic-a.localhost:5173',
				Color: '#0f766e',
				TextColor: '#ffffff',
				LogoURL: '',
				Role: 'Nurse',
				InviterName: 'Admin Person',
				InviteeName: 'Ida Invitee'
			}
		});
		expect(mail.subject).toBe('Admin Person invites you to join Riverside Family Clinic as Nurse');
		expect(mail.text).toContain('Hello Ida Invitee,');
		expect(mail.html).toContain(
			'<strong>Riverside Family Clinic</strong> as <strong>Nurse</strong>'
		);
	});

	it('escapes values in HTML and refuses template syntax it does not implement', () => {
		const html = renderEmail('confirmation', {
			...data(asked, 'http://localhost:5173'),
			Email: '<b>x</b>@example.test'
		}).html;
		expect(html).toContain('&#60;b&#62;x&#60;/b&#62;@example.test');
		expect(() => parseTemplate('{{ printf "%s" .Email }}')).toThrow(/unsupported/);
		expect(() => runtimeParse('{{ range .Data }}x{{ end }}')).toThrow(/unsupported/);
		expect(() => runtimeParse('{{ if .A }}x')).toThrow(/missing/);
	});
});

describe("the Send Email hook's link address", () => {
	it("keeps the portal's own /auth/confirm address", () => {
		expect(
			confirmAddress(new URL('http://a.localhost:5173/auth/confirm?next=%2Fset-password'))
		).toBe('http://a.localhost:5173/auth/confirm?next=%2Fset-password');
	});

	it("turns Auth's site-URL fallback and other allowed addresses into /auth/confirm?next=", () => {
		expect(confirmAddress(new URL('http://localhost:5173'))).toBe(
			'http://localhost:5173/auth/confirm?next=%2F'
		);
		expect(confirmAddress(new URL('http://a.localhost:5173/patients?q=1#x'))).toBe(
			'http://a.localhost:5173/auth/confirm?next=%2Fpatients%3Fq%3D1'
		);
		expect(confirmAddress(new URL('http://a.localhost:5173/auth/confirm'))).toBe(
			'http://a.localhost:5173/auth/confirm?next=%2F'
		);
	});
});
