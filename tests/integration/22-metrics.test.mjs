// 22-metrics: GET /metrics and --log-format json (docs/OPERATIONS.md "Watching it").
// Every scrape is parsed line by line with a small parser of Prometheus' text format (0.0.4):
// HELP and TYPE lines, metric and label names, values, one series once, histogram buckets
// cumulative with +Inf equal to _count. Then the figures must move as a chat happens, and
// must never name a chat or a patron. Who may read it: loopback without a proxy; with
// --trusted-proxy only the bearer token of --metrics-token-file; anyone else gets exactly the
// 404 of a path that does not exist. The JSON log: every line one object with time, level and
// message, even for a message holding quotes, line breaks and control characters.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { guest, isError, openChat, operator, say, setAvailable } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { freePort, repoRoot, runBinary, startServer } from '../lib/server.mjs';
import { uploadOk } from '../lib/upload.mjs';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parse `{a="x",b="y"}` (the text inside the braces); throws on anything malformed. */
function parseLabels(text, line) {
	const labels = {};
	let rest = text;
	while (rest.length) {
		const m = /^([^=]+)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/.exec(rest);
		assert.ok(m, `bad labels in: ${line}`);
		assert.match(m[1], LABEL, `label name in: ${line}`);
		assert.ok(!(m[1] in labels), `label ${m[1]} twice in: ${line}`);
		labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
		rest = rest.slice(m[0].length);
	}
	return labels;
}

/**
 * Parse a whole exposition. Returns {families: name -> {type, help, samples: [{name, labels,
 * value}]}, value(name, labels)}. Asserts the format's rules as it goes.
 */
export function parseMetrics(text) {
	assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
	const families = new Map();
	const series = new Set();
	const familyOf = (name) => {
		if (families.has(name))
			return families.get(name);
		const base = name.replace(/_(bucket|sum|count)$/, '');
		const f = families.get(base);
		return f && (f.type === 'histogram' || f.type === 'summary') ? f : undefined;
	};
	for (const line of text.slice(0, -1).split('\n')) {
		let m;
		if ((m = /^# HELP (\S+) (.+)$/.exec(line))) {
			assert.match(m[1], NAME, line);
			const f = families.get(m[1]) ?? { samples: [] };
			assert.equal(f.help, undefined, `HELP twice for ${m[1]}`);
			assert.equal(f.samples.length, 0, `HELP after samples of ${m[1]}`);
			f.help = m[2];
			families.set(m[1], f);
		} else if ((m = /^# TYPE (\S+) (\S+)$/.exec(line))) {
			assert.match(m[1], NAME, line);
			assert.ok(TYPES.has(m[2]), `unknown type: ${line}`);
			const f = families.get(m[1]) ?? { samples: [] };
			assert.equal(f.type, undefined, `TYPE twice for ${m[1]}`);
			assert.equal(f.samples.length, 0, `TYPE after samples of ${m[1]}`);
			f.type = m[2];
			families.set(m[1], f);
		} else if ((m = /^([^{\s]+)(?:\{(.*)\})? (\S+)$/.exec(line))) {
			const [, name, labelText, valueText] = m;
			assert.match(name, NAME, line);
			assert.match(valueText, /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/, `value in: ${line}`);
			const labels = labelText === undefined ? {} : parseLabels(labelText, line);
			const f = familyOf(name);
			assert.ok(f?.type, `a sample before (or without) its TYPE line: ${line}`);
			if (f.type === 'counter')
				assert.match(name, /_total$/, `a counter is named *_total: ${line}`);
			const key = name + JSON.stringify(Object.entries(labels).sort());
			assert.ok(!series.has(key), `the same series twice: ${line}`);
			series.add(key);
			f.samples.push({ name, labels, value: Number(valueText.replace('Inf', 'Infinity')) });
		} else {
			assert.fail(`a line that is neither a comment nor a sample: ${JSON.stringify(line)}`);
		}
	}
	for (const [name, f] of families) {
		assert.ok(f.type && f.help, `${name} lacks a HELP or TYPE line`);
		if (f.type === 'histogram')
			checkHistogram(name, f);
		for (const s of f.samples)
			if (f.type === 'counter' || s.name.endsWith('_count') || s.name.endsWith('_bucket'))
				assert.ok(Number.isInteger(s.value) && s.value >= 0, `${s.name} is a whole count: ${s.value}`);
	}
	const value = (name, labels = {}) => {
		const f = familyOf(name);
		const s = f?.samples.find((x) => x.name === name &&
			Object.entries(labels).every(([k, v]) => x.labels[k] === v));
		return s ? s.value : undefined;
	};
	return { families, value };
}

function checkHistogram(name, f) {
	const buckets = f.samples.filter((s) => s.name === `${name}_bucket`);
	assert.ok(buckets.length >= 2, `${name} has buckets`);
	let prevLe = -Infinity;
	let prevCount = 0;
	for (const b of buckets) {
		const le = Number(b.labels.le.replace('Inf', 'Infinity'));
		assert.ok(le > prevLe, `${name}: le ascending (${b.labels.le})`);
		assert.ok(b.value >= prevCount, `${name}: bucket le=${b.labels.le} below the one before`);
		prevLe = le;
		prevCount = b.value;
	}
	assert.equal(buckets.at(-1).labels.le, '+Inf', `${name}: the last bucket is +Inf`);
	const count = f.samples.find((s) => s.name === `${name}_count`);
	const sum = f.samples.find((s) => s.name === `${name}_sum`);
	assert.ok(count && sum, `${name} has _count and _sum`);
	assert.equal(buckets.at(-1).value, count.value, `${name}: +Inf bucket = _count`);
	assert.ok(sum.value >= 0, `${name}_sum >= 0`);
}

/** GET /metrics with `headers`; {status, text, type}. */
async function scrape(srv, headers = {}) {
	const r = await srv.request('GET', '/metrics', { headers });
	return { status: r.status, text: r.text, type: r.headers.get('content-type') };
}

async function scrapeOk(srv, headers) {
	const r = await scrape(srv, headers);
	assert.equal(r.status, 200, r.text.slice(0, 300));
	assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
	return { ...parseMetrics(r.text), text: r.text };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-metrics-'));
const TOKEN = 'm3tr1cs-' + 'a1b2c3d4e5f6a7b8c9d0';
const tokenFile = path.join(tmp, 'token');
fs.writeFileSync(tokenFile, TOKEN + '\n', { mode: 0o600 });

let srv;
before(async () => {
	srv = await startServer();
});
after(async () => {
	await srv?.close();
	fs.rmSync(tmp, { recursive: true, force: true });
});

test('the parser itself refuses what is not the format', () => {
	const good = '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} 3\n';
	parseMetrics(good);
	for (const bad of [
		'x_total 3\n',                                                    // no TYPE
		'# HELP x_total X.\n# TYPE x_total counter\nx_total 3\nx_total 4\n', // the same series twice
		'# HELP x X.\n# TYPE x counter\nx 3\n',                           // a counter not *_total
		'# HELP x X.\n# TYPE x gauge\nx{1a="b"} 3\n',                     // a bad label name
		'# HELP x X.\n# TYPE x gauge\nx three\n',                         // not a number
		'# HELP h X.\n# TYPE h histogram\nh_bucket{le="1"} 5\nh_bucket{le="+Inf"} 4\nh_sum 1\nh_count 4\n', // not cumulative
		'# HELP h X.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 4\nh_sum 1\nh_count 5\n', // +Inf != count
		'# HELP x X.\n# TYPE x gauge\nx 1',                               // no final newline
	])
		assert.throws(() => parseMetrics(bad), undefined, JSON.stringify(bad));
});

test('a scrape parses, and the figures move with a chat, its messages and an upload', { timeout: 60000 }, async () => {
	const before0 = await scrapeOk(srv);
	for (const name of ['refdesk_sockets', 'refdesk_chats', 'refdesk_messages_total', 'refdesk_uploads_total',
		'refdesk_commit_seconds', 'refdesk_fsync_seconds', 'refdesk_writer_queue_depth',
		'refdesk_worker_queue_depth', 'refdesk_errors_total', 'refdesk_chats_started_total'])
		assert.ok(before0.families.has(name), `${name} is reported`);
	// The only process on its database runs the shared duties (on either store).
	assert.equal(before0.value('refdesk_duties'), 1);

	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const chat = await openChat(srv, ann, 'alpha', 'Patron "Quincy" Jones');
	for (const text of ['first question', 'second', 'third'])
		await say(chat.guest, chat.chat, text);
	for (const text of ['an answer', 'another'])
		await say(ann, chat.chat, text);
	await uploadOk(srv, chat, chat.chat, png(16, 12), { headers: { 'content-type': 'image/png' } });
	// A refusal on each transport.
	isError(await chat.guest.request({ type: 'no.such.type' }), 'unknown_type');
	assert.equal((await srv.request('GET', '/api/no-such-route')).status, 404);

	const now = await scrapeOk(srv);
	// A refusal's series appears with its first one; every other series is always there.
	const delta = (name, labels) => now.value(name, labels) -
		(before0.value(name, labels) ?? (name === 'refdesk_errors_total' ? 0 : NaN));
	assert.equal(delta('refdesk_messages_total', { from: 'guest' }), 3);
	assert.equal(delta('refdesk_messages_total', { from: 'operator' }), 2);
	assert.equal(delta('refdesk_uploads_total', { kind: 'image' }), 1);
	assert.equal(delta('refdesk_uploads_total', { kind: 'file' }), 0);
	assert.equal(delta('refdesk_chats_started_total'), 1);
	assert.ok(now.value('refdesk_sockets', { kind: 'guest' }) >= 1, 'a guest socket is open');
	assert.ok(now.value('refdesk_sockets', { kind: 'operator' }) >= 1, 'an operator socket is open');
	assert.equal(now.value('refdesk_chats', { status: 'active' }), 1);
	// Start, accept, five messages and an upload: at least that many commits.
	assert.ok(delta('refdesk_commit_seconds_count') >= 3, `commits counted: ${delta('refdesk_commit_seconds_count')}`);
	assert.ok(delta('refdesk_fsync_seconds_count') >= 3);
	assert.ok(delta('refdesk_commit_seconds_sum') > 0);
	assert.equal(delta('refdesk_errors_total', { transport: 'ws', code: 'unknown_type' }), 1);
	assert.ok(delta('refdesk_errors_total', { transport: 'http', code: 'not_found' }) >= 1);
	assert.equal(now.value('refdesk_writer_queue_depth'), 0, 'nothing waits once every write was answered');
	// Totals only: no chat id, token, name or text.
	for (const secret of [chat.chat, chat.token, 'Quincy', 'first question', 'an answer', 'Ann'])
		assert.ok(!now.text.includes(secret), `the scrape names "${secret}"`);

	// The waiting and active gauges follow the chat's end.
	await chat.guest.request({ type: 'chat.end', chat: chat.chat });
	const ended = await scrapeOk(srv);
	assert.equal(ended.value('refdesk_chats', { status: 'active' }), 0);
	await chat.guest.close();
	await ann.close();
});

/** What a path that does not exist answers, for `method`: the body /metrics must match. */
async function missing(s, method) {
	const r = await s.request(method, '/no-such-path', { body: method === 'POST' ? '' : undefined });
	return { status: r.status, text: r.text };
}

test('each page file is compressed once: asked again, every copy comes from the cache', { timeout: 60000 }, async () => {
	// Every file of web/ a browser gets gzipped, each staff page in English and French,
	// the box's page in each language: 64 copies were once all the cache held.
	const web = path.join(repoRoot, 'web');
	const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
		e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
	const files = walk(web).filter((f) => /\.(html|js|css|json|svg)$/.test(f) && fs.statSync(f).size >= 512)
		.map((f) => `/${path.relative(web, f)}`);
	const asks = [...files.map((p) => [p, 'en']),
		...['/staff', '/staff/signin', '/staff/admin', '/staff/history', '/staff/reports', '/staff/board']
			.flatMap((p) => [[p, 'en'], [p, 'fr']]),
		...['en', 'fr', 'es', 'de', 'ar'].map((l) => [`/box/alpha?mode=embedded&lang=${l}`, l])];
	assert.ok(asks.length > 100, `${asks.length} copies`);
	const round = async () => {
		for (const [p, lang] of asks) {
			const r = await srv.request('GET', p, { headers: { 'accept-encoding': 'gzip', 'accept-language': lang } });
			assert.ok(r.status === 200 || r.status === 302, `${p}: ${r.status}`);
		}
		return (await scrapeOk(srv)).value('refdesk_static_gzip_total');
	};
	const first = await round();
	assert.ok(first > 64, `${first} compressed, no more than the old cache held`);
	assert.equal(await round(), first, 'copies compressed again');
});

test('with --metrics-token-file only the bearer token reads it; others get the 404 of a missing path', { timeout: 60000 }, async () => {
	const s = await startServer({ args: ['--metrics-token-file', tokenFile] });
	try {
		const notFound = await missing(s, 'GET');
		assert.equal(notFound.status, 404);
		for (const auth of [undefined, 'Bearer wrong-token-of-some-length', `Bearer ${TOKEN}x`,
			`Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN, `bearer ${TOKEN}`, 'Bearer ']) {
			const r = await scrape(s, auth === undefined ? {} : { authorization: auth });
			assert.deepEqual({ status: r.status, text: r.text }, notFound, `Authorization: ${auth}`);
		}
		await scrapeOk(s, { authorization: `Bearer ${TOKEN}` });
		// Other methods: as for a path that does not exist (not 405, which would tell).
		const post = await s.request('POST', '/metrics', { body: '', headers: { authorization: `Bearer ${TOKEN}` } });
		assert.deepEqual({ status: post.status, text: post.text }, await missing(s, 'POST'));
		await s.stop();
	} finally {
		await s.cleanup();
	}
});

test('behind a --trusted-proxy, loopback alone is not enough: the token is needed', { timeout: 60000 }, async () => {
	const open = await startServer({ args: ['--trusted-proxy', '127.0.0.1'] });
	try {
		const r = await scrape(open);
		assert.deepEqual({ status: r.status, text: r.text }, await missing(open, 'GET'));
		// Nor does a forwarded loopback address help.
		const fwd = await scrape(open, { 'x-forwarded-for': '127.0.0.1' });
		assert.equal(fwd.status, 404);
		await open.stop();
	} finally {
		await open.cleanup();
	}
	const tok = await startServer({ args: ['--trusted-proxy', '127.0.0.1', '--metrics-token-file', tokenFile] });
	try {
		assert.equal((await scrape(tok)).status, 404);
		await scrapeOk(tok, { authorization: `Bearer ${TOKEN}` });
		await tok.stop();
	} finally {
		await tok.cleanup();
	}
});

test('a token file that is missing, empty or too short stops the start', async () => {
	const short = path.join(tmp, 'short');
	fs.writeFileSync(short, 'abc\n');
	const empty = path.join(tmp, 'empty');
	fs.writeFileSync(empty, '\n');
	for (const file of [path.join(tmp, 'absent'), short, empty]) {
		const port = await freePort();
		const r = await runBinary(['serve', '--listen', `127.0.0.1:${port}`, '--data', path.join(tmp, 'data-bad'),
			'--metrics-token-file', file]);
		assert.notEqual(r.code, 0, `started with token file ${file}`);
		assert.match(r.stderr, /metrics: .*token file/, r.stderr);
	}
});

/** Every non-empty line of `text` as a parsed JSON log object with its fields checked. */
function jsonLines(text) {
	const lines = text.split('\n').filter((l) => l !== '');
	assert.ok(lines.length > 0, 'the log has lines');
	return lines.map((line) => {
		let o;
		assert.doesNotThrow(() => { o = JSON.parse(line); }, `not JSON: ${line}`);
		assert.equal(typeof o, 'object', line);
		assert.match(o.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
		assert.ok(['error', 'warn', 'info', 'debug'].includes(o.level), line);
		assert.equal(typeof o.message, 'string', line);
		return o;
	});
}

test('--log-format json: one JSON object per line, from the command line or the config file', { timeout: 60000 }, async () => {
	const config = path.join(tmp, 'refdesk.conf');
	fs.writeFileSync(config, 'log-format = json\n');
	for (const args of [['--log-format', 'json'], ['--config', config]]) {
		const s = await startServer({ args });
		try {
			await s.stop();
			const lines = jsonLines(s.stderr);
			assert.ok(lines.some((o) => o.message === 'stopping: finishing pending work and commits'), s.stderr);
			assert.ok(lines.some((o) => o.message === 'stopped'), s.stderr);
		} finally {
			await s.cleanup();
		}
	}
	// The default stays readable text.
	const plain = await startServer();
	try {
		await plain.stop();
		assert.match(plain.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z info {2}stopped$/m);
		assert.ok(!plain.stderr.trimStart().startsWith('{'));
	} finally {
		await plain.cleanup();
	}
	const r = await runBinary(['serve', '--log-format', 'xml']);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /--log-format wants text or json/);
});

test('--log-format json escapes quotes, line breaks and control characters', async () => {
	// A data directory that cannot be made, whose name the error repeats.
	const weird = '/proc/refdesk "quoted" \\back\\\nsecond line\ttab\x01\x1f end';
	const port = await freePort();
	const r = await runBinary(['serve', '--listen', `127.0.0.1:${port}`, '--data', weird, '--log-format', 'json']);
	assert.notEqual(r.code, 0);
	const lines = jsonLines(r.stderr.split('\n').filter((l) => !/LeakSanitizer|^\s*$/.test(l)).join('\n'));
	const hit = lines.find((o) => o.message.includes('cannot create'));
	assert.ok(hit, r.stderr);
	assert.equal(hit.level, 'error');
	assert.equal(hit.module, 'store');
	assert.ok(hit.message.includes(weird), `the message keeps the name exactly: ${JSON.stringify(hit.message)}`);
});
