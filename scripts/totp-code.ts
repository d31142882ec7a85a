/**
 * Prints the current code for an authenticator key, as an authenticator app would (RFC 6238 with
 * `otpauth`): `npm run totp -- "JBSW Y3DP EHPK 3PXP"`. For trying the demo without a phone; a real
 * account belongs in a real authenticator app.
 */
import { Secret, TOTP } from 'otpauth';

const key = process.argv.slice(2).join('').replace(/\s+/g, '').toUpperCase();
if (!/^[A-Z2-7]+=*$/.test(key)) {
	console.error('usage: npm run totp -- <the key the enrolment page shows>');
	process.exit(2);
}
const totp = new TOTP({ secret: Secret.fromBase32(key), algorithm: 'SHA1', digits: 6, period: 30 });
const left = 30 - (Math.floor(Date.now() / 1000) % 30);
console.log(`${totp.generate()}  (valid for ${left} more seconds)`);
