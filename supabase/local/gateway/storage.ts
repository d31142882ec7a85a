/** Placeholder until the storage service lands (issue 3); answers 501 for every route. */
import { sendJson, type GatewayContext } from './http.ts';

export async function handleStorage(ctx: GatewayContext): Promise<void> {
	if ('storage' === 'auth' && ctx.path === '/health') {
		sendJson(ctx.res, 200, { name: 'GoTrue', description: 'local runtime' });
		return;
	}
	sendJson(ctx.res, 501, { message: 'storage service not implemented yet' });
}
