// smtp.mjs: a real SMTP server for the tests (npm smtp-server) on 127.0.0.1 that insists on
// STARTTLS and then AUTH before it takes a mail, and keeps every mail it took.

import fs from 'node:fs';
import { SMTPServer } from 'smtp-server';

export const SMTP_USER = 'refdesk-mailer';
export const SMTP_PASSWORD = 'smtp-secret-7';

/**
 * Start it on `port` with the certificate {cert, key} (makeCertificate()). Resolves with
 * {port, mails, close()}; each mail is {from, to, raw, secure, user, headers, body}: headers by
 * lower-case name (RFC 2047 words decoded), body the base64 part decoded.
 */
export async function startSmtp({ port, cert, key }) {
	const mails = [];
	const refuse = (cb, text) => {
		const err = new Error(text);
		err.responseCode = 530;
		cb(err);
	};
	const server = new SMTPServer({
		secure: false, key: fs.readFileSync(key), cert: fs.readFileSync(cert),
		authMethods: ['PLAIN', 'LOGIN'], authOptional: false, allowInsecureAuth: false,
		logger: false, disableReverseLookup: true, size: 1 << 20,
		onAuth(auth, session, cb) {
			if (!session.secure)
				return refuse(cb, 'Must issue a STARTTLS command first');
			if (auth.username !== SMTP_USER || auth.password !== SMTP_PASSWORD)
				return cb(new Error('Invalid username or password'));
			cb(null, { user: auth.username });
		},
		onMailFrom(address, session, cb) {
			if (!session.secure || !session.user)
				return refuse(cb, 'TLS and authentication first');
			cb();
		},
		onData(stream, session, cb) {
			const chunks = [];
			stream.on('data', (c) => chunks.push(c));
			stream.on('end', () => {
				const raw = Buffer.concat(chunks).toString('latin1');
				mails.push({ from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address),
					raw, secure: session.secure, user: session.user, ...parse(raw) });
				cb();
			});
		},
	});
	server.on('error', () => {});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	return { port, mails, close: () => new Promise((resolve) => server.close(resolve)) };
}

function decodeWords(value) {
	return value.replace(/\s*=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g, (_, b) => Buffer.from(b, 'base64').toString('latin1'))
		.trim();
}

/** Headers (unfolded, by lower-case name) and the decoded body of a raw message. */
export function parse(raw) {
	const split = raw.indexOf('\r\n\r\n');
	const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
	const headers = {};
	for (const line of head.split('\r\n')) {
		const i = line.indexOf(':');
		const name = line.slice(0, i).toLowerCase();
		headers[name] = Buffer.from(decodeWords(line.slice(i + 1)), 'latin1').toString('utf8');
	}
	const text = raw.slice(split + 4);
	const body = headers['content-transfer-encoding'] === 'base64'
		? Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8') : text;
	return { headers, headerLines: head.split('\r\n'), body };
}
