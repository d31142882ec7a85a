/**
 * The local mailbox: nothing leaves the machine. Every message is appended as one JSON line to
 * `<DATA_DIR>/mail.jsonl` and served on the mailbox port, for people (HTML page) and tests (JSON).
 * Messages arrive from Auth itself (its templates, when no Send Email hook is configured) or over
 * SMTP (`startSmtp`, what the portal's hook sends through).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DATA_DIR, HOST, MAIL_PORT } from '../config.ts';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { sendJson } from './core/http.ts';

export const MAIL_FILE = join(DATA_DIR, 'mail.jsonl');

export type MailType = 'signup' | 'invite' | 'recovery' | 'magiclink' | 'email_change';

export interface MailMessage {
	id: string;
	to: string;
	subject: string;
	/** The flow (Auth's action type, or the `type` of the link a hook-rendered message carries). */
	type: MailType | string | null;
	action_link: string;
	email_otp: string;
	/** The token hash the link carries (what `verifyOtp({ token_hash })` takes). */
	token_hash: string;
	redirect_to: string;
	created_at: string;
	html: string;
	text: string;
}

function escapeHtml(s: string): string {
	return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface DeliverInput {
	to: string;
	type: MailType | null;
	subject: string;
	html: string;
	text?: string;
	actionLink: string;
	emailOtp: string;
	tokenHash: string;
	redirectTo: string;
}

/** A plain-text rendering of an HTML body, for messages that carry no text part (Auth's own). */
function textOf(html: string): string {
	return html
		.replace(/<(style|title)[^>]*>[\s\S]*?<\/\1>/gi, '')
		.replace(/<a [^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '$2 ($1)')
		.replace(/<(br|\/p|\/h[1-6]|\/tr)[^>]*>/gi, '\n')
		.replace(/<[^>]+>/g, '')
		.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
		.replace(/&amp;/g, '&')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&quot;/g, '"')
		.replace(/[ \t]+\n/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

/** Stores one e-mail and returns the stored message. */
export function deliver(input: DeliverInput): MailMessage {
	const message: MailMessage = {
		id: randomUUID(),
		to: input.to,
		subject: input.subject,
		type: input.type,
		action_link: input.actionLink,
		email_otp: input.emailOtp,
		token_hash: input.tokenHash,
		redirect_to: input.redirectTo,
		created_at: new Date().toISOString(),
		html: input.html,
		text: input.text ?? textOf(input.html)
	};
	mkdirSync(DATA_DIR, { recursive: true });
	appendFileSync(MAIL_FILE, `${JSON.stringify(message)}\n`);
	return message;
}

/**
 * What a message sent over SMTP (by the portal's Send Email hook) carries, read from its body the
 * way a person reads it: the first link that is an e-mail confirmation (`token_hash` in its query,
 * or Auth's /verify) and what that link names. Messages without such a link store empty fields.
 */
export function linkFields(html: string, text: string) {
	const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) =>
		m[1].replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&')
	);
	const candidates = [...hrefs, ...(text.match(/https?:\/\/\S+/g) ?? [])];
	for (const href of candidates) {
		let u: URL;
		try {
			u = new URL(href);
		} catch {
			continue;
		}
		const tokenHash = u.searchParams.get('token_hash') ?? u.searchParams.get('token');
		if (!tokenHash) continue;
		const type = u.searchParams.get('type') ?? '';
		return {
			actionLink: href,
			tokenHash,
			type,
			redirectTo: u.searchParams.get('redirect_to') ?? `${u.origin}${u.pathname}`
		};
	}
	return { actionLink: '', tokenHash: '', type: '', redirectTo: '' };
}

/**
 * The mailbox's SMTP side (the Supabase CLI's Inbucket/Mailpit `smtp_port`): accepts any message
 * on loopback without authentication and stores it, one entry per recipient.
 */
export function startSmtp(port: number): SMTPServer {
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		banner: 'clinic-portal local mailbox',
		size: 10 * 1024 * 1024,
		onData(stream, session, callback) {
			simpleParser(stream)
				.then((mail) => {
					const html = typeof mail.html === 'string' ? mail.html : '';
					const text = mail.text ?? '';
					const link = linkFields(html, text);
					const otp = /\b(\d{6})\b/.exec(text)?.[1] ?? '';
					for (const rcpt of session.envelope.rcptTo) {
						deliver({
							to: rcpt.address,
							type: (link.type || null) as MailType | null,
							subject: mail.subject ?? '',
							html,
							text,
							actionLink: link.actionLink,
							emailOtp: otp,
							tokenHash: link.tokenHash,
							redirectTo: link.redirectTo
						});
					}
					callback();
				})
				.catch((err: Error) => callback(err));
		}
	});
	// a second gateway on the same machine (tests start private ones) keeps running without SMTP
	server.on('error', (err) => console.error(`[mailbox] SMTP on port ${port}: ${err.message}`));
	server.listen(port, HOST);
	return server;
}

/** All stored messages, newest first, optionally only those to one address (case-insensitive). */
export function readMessages(to?: string | null): MailMessage[] {
	if (!existsSync(MAIL_FILE)) return [];
	const wanted = to?.trim().toLowerCase();
	const out: MailMessage[] = [];
	for (const line of readFileSync(MAIL_FILE, 'utf8').split('\n')) {
		if (!line.trim()) continue;
		try {
			const m = JSON.parse(line) as MailMessage;
			if (!wanted || m.to.toLowerCase() === wanted) out.push(m);
		} catch {
			/* a torn line from a concurrent writer is skipped */
		}
	}
	return out.reverse();
}

/** Deletes messages (all, or those to one address); returns how many were removed. */
export function deleteMessages(to?: string | null): number {
	if (!existsSync(MAIL_FILE)) return 0;
	const wanted = to?.trim().toLowerCase();
	const lines = readFileSync(MAIL_FILE, 'utf8')
		.split('\n')
		.filter((l) => l.trim());
	const keep: string[] = [];
	let removed = 0;
	for (const line of lines) {
		let match: boolean;
		try {
			match = !wanted || (JSON.parse(line) as MailMessage).to.toLowerCase() === wanted;
		} catch {
			match = !wanted;
		}
		if (match) removed++;
		else keep.push(line);
	}
	writeFileSync(MAIL_FILE, keep.length ? `${keep.join('\n')}\n` : '');
	return removed;
}

function page(title: string, body: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #111; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.5rem; border-bottom: 1px solid #ccc; vertical-align: top; }
a { color: #0645ad; }
a:focus-visible, button:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
code { font-size: 1.1em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function listPage(to: string | null): string {
	const messages = readMessages(to);
	const filter = `<form method="get" action="/" role="search">
<label for="to">Recipient</label>
<input id="to" name="to" type="email" value="${escapeHtml(to ?? '')}">
<button type="submit">Filter</button>
</form>`;
	const rows = messages
		.map(
			(m) => `<tr>
<td>${escapeHtml(m.created_at)}</td>
<td>${escapeHtml(m.to)}</td>
<td><a href="/messages/${encodeURIComponent(m.id)}">${escapeHtml(m.subject)}</a></td>
<td><a href="${escapeHtml(m.action_link)}">Open link<span class="visually-hidden"> for ${escapeHtml(m.to)}</span></a></td>
<td><code>${escapeHtml(m.email_otp)}</code></td>
</tr>`
		)
		.join('\n');
	const table = messages.length
		? `<table>
<caption>${messages.length} message${messages.length === 1 ? '' : 's'}, newest first</caption>
<thead><tr><th scope="col">Received</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Link</th><th scope="col">Code</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
		: '<p>No messages yet.</p>';
	return page(
		'Local mailbox',
		`<h1>Local mailbox</h1>\n<p>E-mails the local Auth server would have sent.</p>\n${filter}\n${table}`
	);
}

/** One message; its body in a sandboxed frame (no scripts), its links opening a new tab. */
function messagePage(m: MailMessage): string {
	return page(
		m.subject,
		`<p><a href="/">Back to the mailbox</a></p>
<h1>${escapeHtml(m.subject)}</h1>
<dl><dt>To</dt><dd>${escapeHtml(m.to)}</dd><dt>Received</dt><dd>${escapeHtml(m.created_at)}</dd></dl>
<iframe title="Message body" sandbox="allow-popups allow-popups-to-escape-sandbox" style="width:100%;min-height:40rem;border:1px solid #ccc" srcdoc="${escapeHtml(`<base target="_blank">${m.html}`)}"></iframe>`
	);
}

function sendHtml(res: ServerResponse, status: number, html: string) {
	res.writeHead(status, {
		'Content-Type': 'text/html; charset=utf-8',
		'Cache-Control': 'no-store'
	});
	res.end(html);
}

export async function handleMailbox(req: IncomingMessage, res: ServerResponse): Promise<void> {
	const url = new URL(req.url ?? '/', `http://${HOST}:${MAIL_PORT}`);
	const to = url.searchParams.get('to');
	res.setHeader('Access-Control-Allow-Origin', '*');
	const path = url.pathname.replace(/\/+$/, '') || '/';
	if (req.method === 'OPTIONS') {
		res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, DELETE, OPTIONS' });
		res.end();
		return;
	}
	if (path === '/api/messages') {
		if (req.method === 'GET') return sendJson(res, 200, readMessages(to));
		if (req.method === 'DELETE') return sendJson(res, 200, { deleted: deleteMessages(to) });
		return sendJson(res, 405, { message: 'Method not allowed' }, { Allow: 'GET, DELETE' });
	}
	if (path === '/api/messages/latest' && req.method === 'GET') {
		const [latest] = readMessages(to);
		if (!latest) return sendJson(res, 404, { message: 'No message found' });
		return sendJson(res, 200, latest);
	}
	const one = /^\/(?:api\/)?messages\/([^/]+)$/.exec(path);
	if (one && req.method === 'GET') {
		const m = readMessages().find((x) => x.id === decodeURIComponent(one[1]));
		if (path.startsWith('/api/'))
			return m ? sendJson(res, 200, m) : sendJson(res, 404, { message: 'No message found' });
		return m
			? sendHtml(res, 200, messagePage(m))
			: sendHtml(
					res,
					404,
					page('Not found', '<h1>Message not found</h1><p><a href="/">Back to the mailbox</a></p>')
				);
	}
	if (path === '/' && req.method === 'GET') return sendHtml(res, 200, listPage(to));
	sendJson(res, 404, { message: 'Not found' });
}
