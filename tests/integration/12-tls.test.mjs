// 12-tls: with --tls-cert/--tls-key the same port speaks HTTPS and WSS, cookies carry Secure,
// and responses carry HSTS.  The certificate is made here with the openssl command line.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { OPERATORS, copyFixtures, freePort, refdeskBin } from './lib/server.mjs';

function certificate(dir) {
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
		'-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
	return { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
}

function request(port, method, urlPath, body, headers = {}) {
	return new Promise((resolve, reject) => {
		const h = { ...headers };
		if (body !== undefined) {
			h['content-type'] = 'application/json';
			h['content-length'] = Buffer.byteLength(body);
		}
		const req = https.request({ host: '127.0.0.1', port, method, path: urlPath, rejectUnauthorized: false, headers: h }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
		});
		req.on('error', reject);
		req.setTimeout(10000, () => req.destroy(new Error('no answer over TLS')));
		req.end(body);
	});
}

test('HTTPS and WSS on one port, Secure cookies and HSTS', { timeout: 60000 }, async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-tls-'));
	const data = path.join(dir, 'data');
	await copyFixtures(data);
	const { cert, key } = certificate(dir);
	const port = await freePort();
	const proc = spawn(refdeskBin, ['serve', '--listen', `127.0.0.1:${port}`, '--data', data, '--tls-cert', cert, '--tls-key', key],
		{ stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	proc.stderr.on('data', (d) => { stderr += d; });
	const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
	try {
		await new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error(`no start:\n${stderr}`)), 20000);
			proc.stdout.on('data', (d) => { if (String(d).includes(`https://127.0.0.1:${port}`)) { clearTimeout(t); resolve(); } });
		});
		const health = await request(port, 'GET', '/api/health');
		assert.equal(health.status, 200);
		assert.match(health.headers['strict-transport-security'], /max-age=/);

		const ann = OPERATORS.ann;
		const signin = await request(port, 'POST', '/api/session', JSON.stringify({ username: ann.username, password: ann.password }),
			{ origin: `https://127.0.0.1:${port}` });
		assert.equal(signin.status, 200, signin.text);
		const cookie = signin.headers['set-cookie'][0];
		assert.match(cookie, /; Secure/);
		assert.match(cookie, /HttpOnly/);

		const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { rejectUnauthorized: false,
			headers: { cookie: cookie.split(';')[0], origin: `https://127.0.0.1:${port}` } });
		const hello = await new Promise((resolve, reject) => {
			ws.once('message', (m) => resolve(JSON.parse(m)));
			ws.once('error', reject);
			setTimeout(() => reject(new Error('no hello over WSS')), 10000);
		});
		assert.equal(hello.type, 'hello');
		assert.equal(hello.operator.username, 'ann');
		ws.close();
		// A plain-HTTP origin is not this server's origin under TLS.
		const wrong = await request(port, 'POST', '/api/session', JSON.stringify({ username: ann.username, password: ann.password }),
			{ origin: `http://127.0.0.1:${port}` });
		assert.equal(wrong.status, 403);
	} finally {
		proc.kill('SIGTERM');
		assert.equal(await exited, 0, stderr);
		assert.ok(!/AddressSanitizer|runtime error:/.test(stderr), stderr);
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
