/** Placeholder until the mailbox lands (issue 3). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http.ts';

export async function handleMailbox(_req: IncomingMessage, res: ServerResponse): Promise<void> {
	sendJson(res, 501, { message: 'mailbox not implemented yet' });
}
