import { json } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { handleSendEmail, verifyHook } from '$lib/server/email/send-email-hook';
import type { RequestHandler } from './$types';

/**
 * Supabase Auth's Send Email hook endpoint. Only Auth can call it: the body must carry a valid
 * Standard Webhooks signature made with SEND_EMAIL_HOOK_SECRET. Answers in the hook contract:
 * 200 `{}` when sent; `{ error: { http_code, message } }` otherwise (Auth fails the request).
 */
export const POST: RequestHandler = async ({ request }) => {
	const secret = env.SEND_EMAIL_HOOK_SECRET;
	if (!secret) {
		return json(
			{ error: { http_code: 500, message: 'The e-mail hook is not configured.' } },
			{ status: 500 }
		);
	}
	const body = await request.text();
	let payload;
	try {
		payload = verifyHook(secret, body, request.headers);
	} catch {
		return json({ error: { http_code: 401, message: 'Invalid signature' } }, { status: 401 });
	}
	try {
		await handleSendEmail(payload);
	} catch (err) {
		console.error('[send-email hook]', err);
		return json(
			{ error: { http_code: 500, message: 'The e-mail could not be sent. Try again later.' } },
			{ status: 200 }
		);
	}
	return json({});
};
