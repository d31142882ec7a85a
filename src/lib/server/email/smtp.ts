/**
 * Outgoing e-mail over SMTP (nodemailer): the only way the portal sends mail, used by the Send
 * Email hook. Locally the runtime's mailbox listens on SMTP_PORT; in production any SMTP relay.
 * Settings: SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASS, SMTP_FROM (the sender address; the display
 * name is the clinic's).
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { env } from '$env/dynamic/private';

let transport: Transporter | undefined;

function smtp(): Transporter {
	if (!env.SMTP_HOST)
		throw new Error('SMTP_HOST is not set: the Send Email hook cannot send mail.');
	transport ??= nodemailer.createTransport({
		host: env.SMTP_HOST,
		port: Number(env.SMTP_PORT || 587),
		secure: Number(env.SMTP_PORT) === 465,
		auth: env.SMTP_USER ? { user: env.SMTP_USER, pass: env.SMTP_PASS ?? '' } : undefined,
		// a local mailbox on loopback offers no TLS
		ignoreTLS: ['127.0.0.1', 'localhost'].includes(env.SMTP_HOST)
	});
	return transport;
}

export async function sendMail(m: {
	to: string;
	subject: string;
	html: string;
	text: string;
	fromName: string | null;
}): Promise<void> {
	const address = env.SMTP_FROM || 'no-reply@localhost';
	await smtp().sendMail({
		from: m.fromName ? { name: m.fromName, address } : address,
		to: m.to,
		subject: m.subject,
		html: m.html,
		text: m.text
	});
}
