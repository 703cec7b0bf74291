// 01-http: the plain-HTTP surface (PROTOCOL §2.1, §2.3, §2.4): security headers on pages and
// API, the framing rule of /box/QUEUE, static files with their types and ETags, path traversal,
// the public queue route, error shapes, and `refdesk --help`.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { everyCase, operator, setAvailable, stillServes } from './lib/flows.mjs';
import { ALPHA_ORIGIN, BETA_ORIGIN, repoRoot, runBinary, startServer } from '../lib/server.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(() => srv?.close()); // stop() fails the file unless the exit is clean

/** Parse a Content-Security-Policy into {directive: [tokens]}. */
function csp(header) {
	const out = {};
	for (const part of (header ?? '').split(';')) {
		const [name, ...values] = part.trim().split(/\s+/);
		if (name)
			out[name.toLowerCase()] = values;
	}
	return out;
}

/** The headers every response must carry (§2.1); returns the parsed CSP. */
function commonHeaders(res, what) {
	const h = res.headers;
	assert.equal(h.get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
	assert.equal(h.get('referrer-policy'), 'same-origin', `${what}: Referrer-Policy`);
	assert.ok(h.get('cache-control'), `${what}: no Cache-Control`);
	const raw = h.get('content-security-policy');
	assert.ok(raw, `${what}: no Content-Security-Policy`);
	const policy = csp(raw);
	const scripts = policy['script-src'] ?? policy['default-src'];
	assert.ok(scripts, `${what}: CSP has neither script-src nor default-src: ${raw}`);
	assert.ok(!scripts.includes("'unsafe-inline'"), `${what}: CSP allows inline script: ${raw}`);
	assert.ok(!scripts.includes("'unsafe-eval'"), `${what}: CSP allows eval: ${raw}`);
	assert.ok(!scripts.includes('*'), `${what}: CSP allows scripts from anywhere: ${raw}`);
	return policy;
}

/*
 * The headers of a file a page loads and no browser opens as a document (§2.1): nosniff and
 * Referrer-Policy, none of a document's.
 */
function assetHeaders(res, what) {
	const h = res.headers;
	assert.equal(h.get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
	assert.equal(h.get('referrer-policy'), 'same-origin', `${what}: Referrer-Policy`);
	assert.ok(h.get('cache-control'), `${what}: no Cache-Control`);
	for (const name of ['content-security-policy', 'x-frame-options', 'cross-origin-opener-policy'])
		assert.equal(h.get(name), null, `${what}: ${name} on a file that is not a document`);
}

test('API responses carry the security headers and Cache-Control: no-store', async () => {
	for (const p of ['/api/health', '/api/queues/alpha', '/api/queues/no-such-queue', '/api/session', '/api/nothing-here']) {
		const res = await srv.request('GET', p);
		const policy = commonHeaders(res, `GET ${p}`);
		assert.deepEqual(policy['frame-ancestors'], ["'none'"], `GET ${p}: frame-ancestors`);
		assert.match(res.headers.get('cache-control'), /no-store/, `GET ${p}: Cache-Control`);
		assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `GET ${p}: Content-Type`);
	}
});

test('GET /api/health answers {"ok": true}', async () => {
	const res = await srv.request('GET', '/api/health');
	assert.equal(res.status, 200);
	assert.deepEqual(res.json, { ok: true });
});

test('pages carry the security headers and may not be framed', async () => {
	for (const p of ['/staff', '/staff/signin', '/staff/admin']) {
		const res = await srv.request('GET', p);
		assert.equal(res.status, 200, `GET ${p}`);
		const policy = commonHeaders(res, `GET ${p}`);
		assert.deepEqual(policy['frame-ancestors'], ["'none'"], `GET ${p}: frame-ancestors`);
		assert.equal(res.headers.get('x-frame-options'), 'DENY', `GET ${p}: X-Frame-Options`);
	}
	// The loader is a script, never a document.
	const res = await srv.request('GET', '/embed.js');
	assert.equal(res.status, 200);
	assetHeaders(res, 'GET /embed.js');
});

test("/box/QUEUE may be framed by the account's origins only", async () => {
	const res = await srv.request('GET', '/box/alpha');
	assert.equal(res.status, 200);
	assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
	const policy = commonHeaders(res, 'GET /box/alpha');
	const fa = policy['frame-ancestors'];
	assert.ok(fa, 'GET /box/alpha: no frame-ancestors');
	assert.ok(fa.includes("'self'"), `frame-ancestors of /box/alpha: ${fa.join(' ')}`);
	assert.ok(fa.includes(ALPHA_ORIGIN), `frame-ancestors of /box/alpha lacks ${ALPHA_ORIGIN}: ${fa.join(' ')}`);
	assert.ok(!fa.includes(BETA_ORIGIN), `frame-ancestors of /box/alpha allows Beta's origin: ${fa.join(' ')}`);
	assert.ok(!fa.includes("'none'") && !fa.includes('*'), `frame-ancestors of /box/alpha: ${fa.join(' ')}`);

	const beta = csp((await srv.request('GET', '/box/beta?mode=popup')).headers.get('content-security-policy'));
	assert.ok(beta['frame-ancestors']?.includes(BETA_ORIGIN), `frame-ancestors of /box/beta: ${beta['frame-ancestors']}`);
	assert.ok(!beta['frame-ancestors'].includes(ALPHA_ORIGIN), `frame-ancestors of /box/beta: ${beta['frame-ancestors']}`);
});

test('/ redirects to /staff without --demo', async () => {
	const res = await srv.request('GET', '/');
	assert.ok(res.status >= 300 && res.status < 400, `GET / answered ${res.status}`);
	assert.match(res.headers.get('location') ?? '', /\/staff$/);
});

/** Every file under web/, as paths relative to it. */
async function webFiles() {
	const root = path.join(repoRoot, 'web');
	const out = [];
	async function walk(dir) {
		for (const e of await fs.readdir(dir, { withFileTypes: true })) {
			const full = path.join(dir, e.name);
			if (e.isDirectory())
				await walk(full);
			else if (e.isFile())
				out.push(path.relative(root, full).split(path.sep).join('/'));
		}
	}
	await walk(root).catch(() => {});
	return out;
}

const TYPES = {
	'.html': /^text\/html/,
	'.js': /^(text|application)\/javascript/,
	'.mjs': /^(text|application)\/javascript/,
	'.css': /^text\/css/,
	'.svg': /^image\/svg\+xml/,
	'.png': /^image\/png/,
	'.ico': /^image\/(x-icon|vnd\.microsoft\.icon)/,
	'.json': /^application\/json/,
	'.woff2': /^font\/woff2/,
	'.webp': /^image\/webp/,
};

/**
 * What the server should send for web/`f`: its minified copy under build/web-min (`make`)
 * when that is there and no older than the file, else the file.
 */
async function servedCopy(f) {
	const src = path.join(repoRoot, 'web', f);
	const min = path.join(repoRoot, 'build/web-min', f);
	const [s, m] = await Promise.all([fs.stat(src), fs.stat(min).catch(() => null)]);
	let fresh = /\.(js|css)$/.test(f) && m && m.mtimeMs >= s.mtimeMs;
	// A bundle is fresh while every file it was made from is no newer (scripts/web-min).
	const inputs = fresh ? await fs.readFile(`${min}.inputs`, 'utf8').catch(() => '') : '';
	for (const rel of inputs.split('\n').filter(Boolean))
		fresh &&= (await fs.stat(path.join(repoRoot, 'web', rel))).mtimeMs <= m.mtimeMs;
	return fs.readFile(fresh ? min : src, 'utf8');
}

test('static files under web/ are served with their content type, an ETag and no-cache', async () => {
	const files = (await webFiles()).filter((f) => TYPES[path.extname(f)]);
	assert.ok(files.length > 0, 'no files under web/ to check');
	// A few of each type keep this quick.
	const perType = new Map();
	for (const f of files) {
		const ext = path.extname(f);
		const list = perType.get(ext) ?? [];
		if (list.length < 4)
			perType.set(ext, [...list, f]);
	}
	for (const f of [...perType.values()].flat()) {
		const res = await srv.request('GET', '/' + f);
		assert.equal(res.status, 200, `GET /${f}`);
		assert.match(res.headers.get('content-type') ?? '', TYPES[path.extname(f)], `GET /${f}: Content-Type`);
		assert.ok(res.headers.get('etag'), `GET /${f}: no ETag`);
		assert.match(res.headers.get('cache-control') ?? '', /no-cache/, `GET /${f}: Cache-Control`);
		if (/\.(html|svg)$/.test(f))
			commonHeaders(res, `GET /${f}`);
		else
			assetHeaders(res, `GET /${f}`);
		const body = await servedCopy(f);
		if (body.includes('<link rel="stylesheet" data-inline'))
			assert.match(res.text, /<style data-inline="\//, `GET /${f}: its marked stylesheets inline`);
		else if (body.includes('<script data-inline src='))
			assert.match(res.text, /<script data-inline="\//, `GET /${f}: its marked scripts inline`);
		else if (!/\.(png|ico|woff2|webp)$/.test(f))
			assert.equal(res.text, body, `GET /${f}: body differs from the file`);
	}
});

test('a matching If-None-Match gets 304, a stale one the file again', async () => {
	const first = await srv.request('GET', '/embed.js');
	assert.equal(first.status, 200);
	assert.match(first.headers.get('content-type') ?? '', /javascript/);
	const etag = first.headers.get('etag');
	assert.ok(etag, 'GET /embed.js: no ETag');
	const again = await srv.request('GET', '/embed.js', { headers: { 'if-none-match': etag } });
	assert.equal(again.status, 304, 'If-None-Match with the current ETag');
	assert.equal(again.text, '');
	const stale = await srv.request('GET', '/embed.js', { headers: { 'if-none-match': '"not-the-etag"' } });
	assert.equal(stale.status, 200, 'If-None-Match with another ETag');
	assert.equal(stale.text, first.text);
});

test('text files go out gzipped to clients that accept it, with their own ETag', async () => {
	const zlib = await import('node:zlib');
	const get = (headers) => new Promise((resolve, reject) => {
		http.get(`${srv.url}/widget/box.js`, { headers }, (res) => {
			const parts = [];
			res.on('data', (d) => parts.push(d));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
		}).on('error', reject);
	});
	const plain = await get({});
	const gz = await get({ 'accept-encoding': 'gzip, deflate' });
	assert.equal(plain.status, 200);
	assert.equal(plain.headers['content-encoding'], undefined);
	assert.equal(gz.headers['content-encoding'], 'gzip');
	assert.equal(gz.headers.vary, 'Accept-Encoding');
	assert.ok(gz.body.length < plain.body.length / 2, `${gz.body.length} gzipped of ${plain.body.length}`);
	assert.ok(zlib.gunzipSync(gz.body).equals(plain.body), 'the gzipped body is not the file');
	assert.notEqual(gz.headers.etag, plain.headers.etag);
	const again = await get({ 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag });
	assert.equal(again.status, 304);
});

test('/box/QUEUE comes with its first view: the away notice, or the ask form while staffed', async () => {
	const zlib = await import('node:zlib');
	const get = (urlPath, headers = {}) => new Promise((resolve, reject) => {
		http.get(`${srv.url}${urlPath}`, { headers }, (res) => {
			const parts = [];
			res.on('data', (d) => parts.push(d));
			res.on('end', () => {
				const body = Buffer.concat(parts);
				const text = (res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body).toString();
				resolve({ status: res.statusCode, etag: res.headers.etag, text });
			});
		}).on('error', reject);
	});
	const view = (text) => text.match(/id="box" (data-view="[a-z]+"(?: data-presence="[a-z]+")?)/)?.[1];
	const file = await get('/widget/box.html');
	assert.equal(view(file.text), 'data-view="loading"', 'the file itself');

	const away = await get('/box/alpha?mode=embedded');
	assert.equal(away.status, 200);
	assert.equal(view(away.text), 'data-view="offline" data-presence="offline"');
	// The consent pop-up's page is the file in the patron's language, with no first view.
	const consent = await get('/box/alpha?mode=consent&chat=x&share=y');
	assert.equal(view(consent.text), 'data-view="loading"');
	assert.equal(away.text.length, consent.text.length - 'data-view="loading"'.length + 'data-view="offline" data-presence="offline"'.length,
		'only the view changed');
	assert.notEqual(away.etag, file.etag);
	const awayGz = await get('/box/alpha?mode=embedded', { 'accept-encoding': 'gzip' });
	assert.equal(view(awayGz.text), 'data-view="offline" data-presence="offline"');

	const op = await operator(srv, 'ann');
	try {
		await setAvailable(op, 'alpha', true);
		const staffed = await get('/box/alpha?mode=popup');
		assert.equal(view(staffed.text), 'data-view="start" data-presence="online"');
		assert.notEqual(staffed.etag, away.etag, 'each first view has its own ETag');
		const gz = await get('/box/alpha?mode=popup', { 'accept-encoding': 'gzip' });
		assert.equal(view(gz.text), 'data-view="start" data-presence="online"', 'the gzipped copy is the staffed one');
		// A revalidation with the away page's ETag gets the new page, not a 304.
		assert.equal((await get('/box/alpha', { 'if-none-match': away.etag })).status, 200);
		assert.equal((await get('/box/alpha', { 'if-none-match': staffed.etag })).status, 304);
		await setAvailable(op, 'alpha', false);
		assert.equal(view((await get('/box/alpha?mode=popup', { 'accept-encoding': 'gzip' })).text),
			'data-view="offline" data-presence="offline"');
	} finally {
		await op.close();
	}
});

test('a doubled slash reads as one, and an encoded NUL is hung up on', async () => {
	// libwebsockets collapses "//" while it parses the request line, so this is the same file.
	const doubled = await srv.rawGet('/shared//base.css');
	const plain = await srv.rawGet('/shared/base.css');
	assert.equal(doubled.status, plain.status);
	assert.equal(doubled.text, plain.text);
	// It refuses a %00 outright: the connection ends with no answer, and nothing leaks.
	await assert.rejects(srv.rawGet('/shared/base.css%00.js'));
	await stillServes(srv);
});

test('missing files and traversal attempts answer 404 and leak nothing', async () => {
	const makefile = await fs.readFile(path.join(repoRoot, 'Makefile'), 'utf8').catch(() => null);
	const paths = [
		'/no-such-file.js',
		'/../Makefile',
		'/../../../../etc/passwd',
		'/shared/../../Makefile',
		'/%2e%2e/Makefile',
		'/%2E%2E/%2E%2E/etc/passwd',
		'/%2e%2e%2fMakefile',
		'/shared/%2e%2e/%2e%2e/Makefile',
		'/..%2fMakefile',
		'/..%5cMakefile',
		'/shared%5c..%5c..%5cMakefile',
		'//etc/passwd',
		'/box/..%2f..%2fMakefile',
		'/shared/%00base.css',
	];
	await everyCase(paths, async (p) => {
		const res = await srv.rawGet(p);
		assert.ok(!res.text.includes('root:x:0:0'), `GET ${p} leaked /etc/passwd`);
		if (makefile)
			assert.ok(!res.text.includes(makefile.slice(0, 60)), `GET ${p} leaked the Makefile`);
		assert.equal(res.status, 404, `GET ${p} answered ${res.status}`);
	});
	// A literal backslash and a control character, which Node's HTTP client refuses to send.
	await everyCase(['/shared\\..\\..\\Makefile', '/shared/\x01base.css'], async (p) => {
		const res = await srv.rawHttp(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
		if (makefile)
			assert.ok(!res.text.includes(makefile.slice(0, 60)), `GET ${JSON.stringify(p)} leaked the Makefile`);
		assert.ok(res.status === 404 || res.status === 400, `GET ${JSON.stringify(p)} answered ${res.status}`);
	});
	assert.ok(await srv.healthy());
});

test('GET /api/queues/QUEUE: public, CORS open, 404 for an unknown queue', async () => {
	const res = await srv.request('GET', '/api/queues/alpha', { headers: { origin: 'https://elsewhere.example' } });
	assert.equal(res.status, 200);
	assert.deepEqual(res.json, { queue: 'alpha', title: 'Alpha Ask', account: 'Alpha Library', online: false,
		mail: false, mail_keep_days: 30, limits: { image_bytes: 15 << 20, file_bytes: 25 << 20, text_chars: 4000 } });
	assert.equal(res.headers.get('access-control-allow-origin'), '*');
	const missing = await srv.request('GET', '/api/queues/nope');
	assert.equal(missing.status, 404);
	assert.equal(missing.json?.error?.code, 'not_found', missing.text);
});

test('errors have the documented shape: unknown route 404 not_found, wrong method 405 method', async () => {
	const unknown = await srv.request('GET', '/api/no-such-route');
	assert.equal(unknown.status, 404);
	assert.equal(unknown.json?.error?.code, 'not_found', unknown.text);
	assert.equal(typeof unknown.json.error.message, 'string');
	for (const [method, p] of [['POST', '/api/health'], ['DELETE', '/api/session'], ['PUT', '/api/queues/alpha'], ['GET', '/api/session/end']]) {
		const res = await srv.request(method, p, method === 'POST' ? { body: {} } : {});
		assert.equal(res.status, 405, `${method} ${p} answered ${res.status} ${res.text}`);
		assert.equal(res.json?.error?.code, 'method', `${method} ${p}: ${res.text}`);
	}
	const anon = await srv.request('GET', '/api/session');
	assert.equal(anon.status, 401);
	assert.equal(anon.json?.error?.code, 'not_signed_in', anon.text);
});

test('a path other than /ws does not upgrade to a WebSocket', async () => {
	for (const p of ['/wsx', '/api/health', '/ws/extra']) {
		const res = await srv.rawHttp(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\n`
			+ 'Connection: Upgrade, close\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
		assert.notEqual(res.status, 101, `GET ${p} upgraded`);
	}
});

test('refdesk --help exits 0 and describes its commands and options', async () => {
	const r = await runBinary(['--help']);
	assert.equal(r.code, 0, `--help exited ${r.code}: ${r.stderr}`);
	const text = r.stdout + r.stderr;
	for (const word of ['serve', 'admin', '--listen', '--data'])
		assert.ok(text.includes(word), `--help does not mention ${word}:\n${text}`);
});

test('--help and --version at every level print to standard output and exit 0; a mistake exits 2', async () => {
	for (const args of [['--help'], ['help'], ['serve', '--help'], ['admin', '--help'], ['admin', 'queue', '--help'],
		['admin', '--data', '/nonexistent', 'operator', 'add', '--help'], ['routes', '--help'], ['limits', '--help'],
		['limits', '--max-image-mb', '5', '--help']]) {
		const r = await runBinary(args);
		assert.equal(r.code, 0, `${args.join(' ')} exited ${r.code}: ${r.stderr}`);
		assert.match(r.stdout, /^usage: refdesk/, `${args.join(' ')} printed no usage on standard output`);
		assert.equal(r.stderr, '', args.join(' '));
	}
	for (const args of [['--version'], ['serve', '--version'], ['admin', '--version'], ['admin', 'list', '--version'],
		['routes', '--version'], ['limits', '--version']]) {
		const r = await runBinary(args);
		assert.equal(r.code, 0, args.join(' '));
		assert.match(r.stdout, /^refdesk \d+\.\d+\.\d+\n$/, args.join(' '));
	}
	for (const args of [['admin'], ['admin', 'list'], ['admin', '--data'], ['bogus'], ['serve', '--bogus'],
		['routes', '--bogus'], ['limits', '--bogus'], ['limits', 'extra']]) {
		const r = await runBinary(args);
		assert.equal(r.code, 2, `${args.join(' ')} exited ${r.code}`);
		assert.equal(r.stdout, '', args.join(' '));
		assert.match(r.stderr, /usage: refdesk/, args.join(' '));
	}
});

test('scripts and stylesheets go out minified from --web-min, unless the file is newer; --web alone has none', async () => {
	const os = await import('node:os');
	const web = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-web-'));
	const min = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-min-'));
	const put = async (dir, file, text, secs) => {
		await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
		await fs.writeFile(path.join(dir, file), text);
		await fs.utimes(path.join(dir, file), secs, secs);
	};
	const now = Math.floor(Date.now() / 1000);
	await put(web, 'widget/box.js', '// the source\nexport const a = 1;\n', now - 100);
	await put(min, 'widget/box.js', 'export const a=1;\n', now - 50);
	await put(web, 'a.css', '/* the source */\np { color: red }\n', now - 100);
	await put(min, 'a.css', 'p{color:red}\n', now - 50);
	await put(web, 'page.html', '<!doctype html><title>t</title><link rel="stylesheet" data-inline href="/a.css"><p>hi</p>\n', now - 100);
	await put(web, 'edited.js', '// edited since\n', now);
	await put(min, 'edited.js', 'stale\n', now - 50);
	await put(min, 'only-min.js', 'x\n', now);
	await put(web, 'same.html', '<!doctype html><title>min</title>\n', now - 100);
	await put(min, 'same.html', 'not a page to take\n', now);
	// A copy that will not open (here a link, which the server never follows; or one being
	// rewritten by make): the file itself goes out, never a 404 or no stylesheet.
	await put(web, 'b.css', '/* b */\nb { color: blue }\n', now - 100);
	await put(web, 'stuck.js', '// stuck\n', now - 100);
	await put(min, 'real-b.css', 'b{color:blue}\n', now - 50);
	await fs.symlink(path.join(min, 'real-b.css'), path.join(min, 'b.css'));
	await fs.symlink(path.join(min, 'real-b.css'), path.join(min, 'stuck.js'));
	await put(web, 'page-b.html', '<!doctype html><title>t</title><link rel="stylesheet" data-inline href="/b.css"><p>hi</p>\n', now - 100);
	const other = await startServer({ fixtures: false, args: ['--web', web, '--web-min', min] });
	try {
		assert.equal((await other.request('GET', '/widget/box.js')).text, 'export const a=1;\n');
		assert.equal((await other.request('GET', '/a.css')).text, 'p{color:red}\n');
		assert.match((await other.request('GET', '/page.html')).text, /<style data-inline="\/a.css">p\{color:red\}\n<\/style>/);
		assert.equal((await other.request('GET', '/edited.js')).text, '// edited since\n', 'a newer source wins');
		assert.equal((await other.request('GET', '/only-min.js')).status, 404, 'a copy without its file is nothing');
		assert.equal((await other.request('GET', '/same.html')).text, '<!doctype html><title>min</title>\n', 'pages are never swapped');
		assert.equal((await other.request('GET', '/stuck.js')).text, '// stuck\n', 'a copy that will not open');
		assert.match((await other.request('GET', '/page-b.html')).text, /<style data-inline="\/b.css">\/\* b \*\/\nb \{ color: blue \}\n<\/style>/,
			'a stylesheet whose copy will not open is inlined from its file');
	} finally {
		await other.close();
	}
	// A bundle (an entry script with its modules, scripts/web-min) goes out while no file it
	// was made from is newer than it; else the entry's own file, which imports the rest.
	await put(web, 'page/main.js', "import { b } from './b.js';\nconsole.log(b);\n", now - 100);
	await put(web, 'page/b.js', 'export const b = 1;\n', now - 100);
	await put(min, 'page/main.js', 'console.log(1);\n', now - 50);
	await put(min, 'page/main.js.inputs', 'page/b.js\npage/main.js\n', now - 50);
	for (const [name, inputs] of [['gone.js', 'page/b.js\npage/missing.js\n'], ['outside.js', '../secret.js\n'],
		['nul.js', 'page/b.js\0\n'], ['empty.js', '\n\n']]) {
		await put(web, `page/${name}`, `// ${name} itself\n`, now - 100);
		await put(min, `page/${name}`, 'bundled\n', now - 50);
		await put(min, `page/${name}.inputs`, inputs, now - 50);
	}
	const again = await startServer({ fixtures: false, args: ['--web', web, '--web-min', min] });
	try {
		assert.equal((await again.request('GET', '/page/main.js')).text, 'console.log(1);\n');
		assert.equal((await again.request('GET', '/page/b.js')).text, 'export const b = 1;\n',
			'a module served alone (its own copy is older)');
		assert.equal((await again.request('GET', '/page/gone.js')).text, '// gone.js itself\n', 'an input that is gone');
		assert.equal((await again.request('GET', '/page/outside.js')).text, '// outside.js itself\n', 'an input outside web/');
		assert.equal((await again.request('GET', '/page/nul.js')).text, '// nul.js itself\n', 'a list that is not text');
		assert.equal((await again.request('GET', '/page/empty.js')).text, '// empty.js itself\n', 'a list of nothing');
		await fs.utimes(path.join(web, 'page/b.js'), now, now); // a module edited since
		assert.equal((await again.request('GET', '/page/main.js')).text, "import { b } from './b.js';\nconsole.log(b);\n",
			'an imported module newer than the bundle');
	} finally {
		await again.close();
	}
	// --web without --web-min: this checkout's build/web-min is not another directory's copy.
	const alone = await startServer({ fixtures: false, args: ['--web', web] });
	try {
		assert.equal((await alone.request('GET', '/widget/box.js')).text, '// the source\nexport const a = 1;\n');
	} finally {
		await alone.close();
		await fs.rm(web, { recursive: true, force: true });
		await fs.rm(min, { recursive: true, force: true });
	}
});

/** The catalogue a page carries in its data block, parsed. */
function carried(text) {
	const m = text.match(/<script type="application\/json" id="rd-i18n">([^<]*)<\/script>/);
	assert.ok(m, 'no catalogue block in the page');
	return JSON.parse(m[1]);
}

test('each staff page comes in the browser\'s language, English or French, with both catalogues inside', async () => {
	const read = async (rel) => JSON.parse(await fs.readFile(path.join(repoRoot, 'web/shared/i18n', rel), 'utf8'));
	const fr = { ...await read('fr.json'), ...await read('staff/fr.json') };
	const en = { ...await read('en.json'), ...await read('staff/en.json') };
	for (const page of ['/staff', '/staff/signin', '/staff/admin', '/staff/board', '/staff/history', '/staff/reports']) {
		const res = await srv.request('GET', page, { headers: { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' } });
		assert.equal(res.status, 200, page);
		assert.match(res.text.match(/<html[^>]*>/)[0], /^<html lang="fr" [^>]*data-i18n-extra="staff"[^>]*dir="ltr">$/, page);
		const block = carried(res.text);
		assert.deepEqual([block.lang, block.extra, block.offered], ['fr', 'staff', ['en', 'fr']], page);
		assert.deepEqual(block.messages, fr, `${page}: the patron's and the staff catalogue, staff words over`);
		const title = res.text.match(/<title data-i18n="([^"]+)">([^<]*)</);
		assert.equal(title[2], fr[title[1]], `${page}: the title filled in French`);
		assert.match(res.headers.get('vary') ?? '', /Accept-Language/);
	}
	// German is the patron's only: the staff pages are English for it, as for no wish at all.
	for (const headers of [{ 'accept-language': 'de' }, {}]) {
		const block = carried((await srv.request('GET', '/staff/board', { headers })).text);
		assert.equal(block.lang, 'en');
		assert.deepEqual(block.messages, en);
	}
	assert.equal(carried((await srv.request('GET', '/staff/signin?lang=fr', { headers: { 'accept-language': 'en' } })).text).lang, 'fr');
	// The webclient's Language setting (the refdesk_lang cookie) goes before the browser's
	// languages, after ?lang=; one the staff pages do not offer, or junk, is no wish.
	const staffLang = async (cookie, query = '') => {
		const res = await srv.request('GET', `/staff/history${query}`, { headers: { 'accept-language': 'fr', cookie } });
		assert.match(res.headers.get('vary') ?? '', /Cookie/);
		return carried(res.text).lang;
	};
	assert.equal(await staffLang('refdesk_lang=en'), 'en');
	assert.equal(await staffLang('other=1; refdesk_lang=en; x=y'), 'en');
	assert.equal(await staffLang('refdesk_lang=en', '?lang=fr'), 'fr');
	for (const junk of ['refdesk_lang=de', 'refdesk_lang=', `refdesk_lang=${'e'.repeat(300)}`, 'refdesk_lang=en%00', 'refdesk_lang="><b>'])
		assert.equal(await staffLang(junk), 'fr', junk);
	// The box follows the library's page, not a librarian's setting.
	const box = await srv.request('GET', '/box/alpha?mode=embedded', { headers: { 'accept-language': 'fr', cookie: 'refdesk_lang=en' } });
	assert.equal(carried(box.text).lang, 'fr');
});

test('/box/QUEUE comes in the language it asks for, with its catalogue, else English', async () => {
	const catalogue = async (lang) => JSON.parse(await fs.readFile(path.join(repoRoot, 'web/shared/i18n', `${lang}.json`), 'utf8'));
	const title = (text) => text.match(/<h2[^>]* id="start-title"[^>]*>([^<]*)</)?.[1];
	const htmlTag = (text) => text.match(/<html[^>]*>/)[0];
	const fr = await catalogue('fr');

	const res = await srv.request('GET', '/box/alpha?mode=embedded&lang=fr');
	assert.equal(res.status, 200);
	assert.match(htmlTag(res.text), /^<html lang="fr" [^>]*dir="ltr">$/);
	assert.equal(title(res.text), fr['box.start.title']);
	assert.match(res.text, new RegExp(`<title data-i18n="box.title">${fr['box.title']}</title>`));
	assert.match(res.text, new RegExp(`aria-label="${fr['box.minimise']}" data-i18n-attr="aria-label:box.minimise"`));
	const block = carried(res.text);
	assert.equal(block.lang, 'fr');
	assert.equal(block.dir, 'ltr');
	assert.deepEqual(block.offered, ['en', 'fr', 'es', 'de', 'ar']);
	assert.deepEqual(block.messages, fr, 'the whole catalogue, as the file has it');
	assert.doesNotMatch(res.text, /shared\/i18n\/index.json/, 'nothing left to preload');
	assert.match(res.headers.get('vary') ?? '', /Accept-Language/);

	// "fr-CA" is French; Arabic is right to left; the consent pop-up too.
	assert.equal(carried((await srv.request('GET', '/box/alpha?lang=fr-CA')).text).lang, 'fr');
	const ar = await srv.request('GET', '/box/alpha?lang=ar');
	assert.match(htmlTag(ar.text), /^<html lang="ar" [^>]*dir="rtl">$/);
	assert.equal(title(ar.text), (await catalogue('ar'))['box.start.title']);
	assert.match(htmlTag((await srv.request('GET', '/box/alpha?mode=consent&lang=ar')).text), /dir="rtl"/);
	// Without ?lang=, the browser's languages (in their order); ?lang= first.
	const de = await srv.request('GET', '/box/alpha', { headers: { 'accept-language': 'xx, de-AT;q=0.9, fr;q=0.8' } });
	assert.equal(carried(de.text).lang, 'de');
	const es = await srv.request('GET', '/box/alpha?lang=es', { headers: { 'accept-language': 'de' } });
	assert.equal(carried(es.text).lang, 'es');

	// Each language is its own representation: its own ETag, no 304 across languages.
	assert.notEqual(ar.headers.get('etag'), res.headers.get('etag'));
	const again = await srv.request('GET', '/box/alpha?mode=embedded&lang=fr', { headers: { 'if-none-match': res.headers.get('etag') } });
	assert.equal(again.status, 304);
	assert.equal((await srv.request('GET', '/box/alpha?mode=embedded&lang=ar', { headers: { 'if-none-match': res.headers.get('etag') } })).status, 200);

	// Hostile or unknown wishes: English, and nothing of them in the page.
	const en = await catalogue('en');
	// (5 KB fits in a request's 8 KB of headers; 10 KB does not, and is hung up on before any page.)
	for (const bad of ['"><script>alert(1)</script>', 'x'.repeat(5 * 1024), '../../etc/passwd', 'xx', 'fr_FR!', '']) {
		for (const [query, headers] of [[`?lang=${encodeURIComponent(bad)}`, {}], ['', { 'accept-language': bad.replace(/[^\x20-\x7e]/g, '') }]]) {
			const r = await srv.request('GET', `/box/alpha${query}`, { headers });
			assert.equal(r.status, 200, `${bad.slice(0, 40)}`);
			assert.match(htmlTag(r.text), /^<html lang="en" [^>]*dir="ltr">$/, `${bad.slice(0, 40)}`);
			assert.equal(title(r.text), en['box.start.title']);
			if (bad.length > 2)
				assert.ok(!r.text.includes(bad) && !r.text.includes(bad.slice(0, 12)), `${bad.slice(0, 40)} reflected`);
		}
	}
	await assert.rejects(srv.request('GET', `/box/alpha?lang=${'x'.repeat(10 * 1024)}`));
	await stillServes(srv);
});

test('a catalogue cannot close its block or add markup, and a changed one shows without a restart', async () => {
	const dir = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'refdesk-web-'));
	await fs.mkdir(path.join(dir, 'widget'));
	await fs.mkdir(path.join(dir, 'shared/i18n'), { recursive: true });
	await fs.copyFile(path.join(repoRoot, 'web/widget/box.html'), path.join(dir, 'widget/box.html'));
	await fs.writeFile(path.join(dir, 'shared/i18n/index.json'),
		JSON.stringify({ languages: [{ code: 'en', dir: 'ltr' }, { code: 'xx', dir: 'rtl' }, { code: '../en', dir: 'ltr' }] }));
	await fs.writeFile(path.join(dir, 'shared/i18n/en.json'), JSON.stringify({ 'box.start.title': 'Ask' }));
	const evil = '</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)>';
	await fs.writeFile(path.join(dir, 'shared/i18n/xx.json'), JSON.stringify({ 'box.start.title': evil, 'box.minimise': '" onclick="alert(3)' }));
	const other = await startServer({ args: ['--web', dir] });
	try {
		const res = await other.request('GET', '/box/alpha?lang=xx');
		assert.equal(res.status, 200);
		assert.doesNotMatch(res.text, /<script>|<img|onclick="alert/);
		assert.ok(res.text.includes('&lt;/script&gt;&lt;script&gt;alert(1)'), 'the text is escaped in the page');
		assert.ok(res.text.includes('aria-label="&quot; onclick=&quot;alert(3)"'), 'and in attributes');
		assert.equal(carried(res.text).messages['box.start.title'], evil, 'the block carries the text as it is');
		assert.match(res.text, /<html lang="xx" [^>]*dir="rtl">/);
		assert.deepEqual(carried(res.text).offered, ['en', 'xx'], 'a code that is not a tag is not offered');
		assert.doesNotMatch((await other.request('GET', '/box/alpha?lang=../en')).text, /lang="\.\.\/en"/);

		// The file changes: the page follows, with a new ETag.
		await new Promise((r) => setTimeout(r, 20));
		await fs.writeFile(path.join(dir, 'shared/i18n/xx.json'), JSON.stringify({ 'box.start.title': 'Xx ask' }));
		const after = await other.request('GET', '/box/alpha?lang=xx', { headers: { 'if-none-match': res.headers.get('etag') } });
		assert.equal(after.status, 200);
		assert.match(after.text, /id="start-title"[^>]*>Xx ask</);
		// A broken catalogue: English, as i18n.js would fall back.
		await new Promise((r) => setTimeout(r, 20));
		await fs.writeFile(path.join(dir, 'shared/i18n/xx.json'), '{"box.start.title": ');
		assert.match((await other.request('GET', '/box/alpha?lang=xx')).text, /<html lang="en"/);
		// No index at all: the page as its file is (i18n.js then does what it can).
		await fs.rm(path.join(dir, 'shared/i18n/index.json'));
		const bare = await other.request('GET', '/box/alpha?lang=xx');
		assert.equal(bare.status, 200);
		assert.match(bare.text, /<html lang="en" data-i18n-languages="all">/);
		assert.doesNotMatch(bare.text, /rd-i18n/);
	} finally {
		await other.close();
		await fs.rm(dir, { recursive: true, force: true });
	}
});

/** The `'sha256-…'` sources of a CSP's style-src. */
const styleHashes = (raw) => (csp(raw)['style-src'] ?? []).filter((s) => s.startsWith("'sha256-"));
const sha256 = async (text) => `'sha256-${Buffer.from(await crypto.subtle.digest('SHA-256', Buffer.from(text))).toString('base64')}'`;

test('the box page carries base.css, box.css and box_chat.css inline, each hash in its style-src, in a 304 too', async () => {
	const res = await srv.request('GET', '/box/alpha');
	const raw = res.headers.get('content-security-policy');
	const styles = [...res.text.matchAll(/<style data-inline="\/([^"]+)">([\s\S]*?)<\/style>/g)];
	assert.deepEqual(styles.map((m) => m[1]), ['shared/base.css', 'widget/box.css', 'widget/box_chat.css']);
	// As the file is served (minified when `make` has written its copy under build/web-min).
	for (const [, file, text] of styles)
		assert.equal(text, (await srv.request('GET', `/${file}`)).text, `${file} inline as it is served`);
	assert.deepEqual(styleHashes(raw), await Promise.all(styles.map((m) => sha256(m[2]))));
	assert.doesNotMatch(res.text, /<link rel="stylesheet"/);
	const again = await srv.request('GET', '/box/alpha', { headers: { 'if-none-match': res.headers.get('etag') } });
	assert.equal(again.status, 304);
	assert.equal(again.headers.get('content-security-policy'), raw, 'a 304 keeps the hashes');
});

/** The `'sha256-…'` sources of a CSP's script-src. */
const scriptHashes = (raw) => (csp(raw)['script-src'] ?? []).filter((s) => s.startsWith("'sha256-"));

test('a staff page carries session_start.js inline, its hash in script-src and nowhere else, in a 304 too', async () => {
	const res = await srv.request('GET', '/staff');
	const raw = res.headers.get('content-security-policy');
	const scripts = [...res.text.matchAll(/<script data-inline="\/([^"]+)">([\s\S]*?)<\/script>/g)];
	assert.deepEqual(scripts.map((m) => m[1]), ['shared/session_start.js']);
	assert.equal(scripts[0][2], (await srv.request('GET', '/shared/session_start.js')).text, 'inline as it is served');
	assert.deepEqual(scriptHashes(raw), [await sha256(scripts[0][2])]);
	assert.deepEqual(styleHashes(raw), []);
	assert.ok(csp(raw)['script-src'].includes("'self'"));
	const again = await srv.request('GET', '/staff', { headers: { 'if-none-match': res.headers.get('etag') } });
	assert.equal(again.status, 304);
	assert.equal(again.headers.get('content-security-policy'), raw, 'a 304 keeps the hash');
	// The box carries stylesheets only: no script hash.
	assert.deepEqual(scriptHashes((await srv.request('GET', '/box/alpha')).headers.get('content-security-policy')), []);
});

test('a script that could end or confuse its element, is too large, not a script or outside web/ stays a src', async () => {
	const dir = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'refdesk-web-'));
	const tag = (src) => `<script data-inline src="${src}"></script>`;
	await fs.writeFile(path.join(dir, 'ok.js'), 'window.x = 1;\n');
	await fs.writeFile(path.join(dir, 'end.js'), 'let s = "</SCRIPT><p>";\n');
	await fs.writeFile(path.join(dir, 'comment.js'), 'let s = "<!--";\n');
	await fs.writeFile(path.join(dir, 'open.js'), 'let s = "<Script>";\n');
	await fs.writeFile(path.join(dir, 'big.js'), `/* ${'x'.repeat(70 * 1024)} */\n`);
	await fs.writeFile(path.join(dir, 'x.css'), 'p {}\n');
	// The parser would drop a CR or a byte-order mark: the hash would not match what the browser hashes.
	await fs.writeFile(path.join(dir, 'crlf.js'), 'window.x = 1;\r\n');
	await fs.writeFile(path.join(dir, 'bom.js'), '\ufeffwindow.x = 1;\n');
	const srcs = ['/ok.js', '/end.js', '/comment.js', '/open.js', '/big.js', '/x.css', '/crlf.js', '/bom.js',
		'/../etc/passwd.js', '/missing.js'];
	await fs.writeFile(path.join(dir, 'page.html'), `<!doctype html><title>t</title>${srcs.map(tag).join('')}<p>hi</p>\n`);
	const other = await startServer({ fixtures: false, args: ['--web', dir] });
	try {
		const res = await other.request('GET', '/page.html');
		assert.equal(res.status, 200);
		assert.ok(res.text.includes('<script data-inline="/ok.js">window.x = 1;\n</script>'), res.text.slice(0, 300));
		for (const s of srcs.slice(1))
			assert.ok(res.text.includes(tag(s)), `${s} left as a src`);
		assert.deepEqual(scriptHashes(res.headers.get('content-security-policy')), [await sha256('window.x = 1;\n')]);
		// The page changes with its script: a new ETag, the new text and hash.
		await new Promise((r) => setTimeout(r, 20));
		await fs.writeFile(path.join(dir, 'ok.js'), 'window.x = 2;\n');
		const after = await other.request('GET', '/page.html', { headers: { 'if-none-match': res.headers.get('etag') } });
		assert.equal(after.status, 200);
		assert.notEqual(after.headers.get('etag'), res.headers.get('etag'));
		assert.deepEqual(scriptHashes(after.headers.get('content-security-policy')), [await sha256('window.x = 2;\n')]);
	} finally {
		await other.close();
		await fs.rm(dir, { recursive: true, force: true });
	}
});

test('a stylesheet that could close its element, is too large, not CSS or outside web/ stays a link', async () => {
	const dir = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'refdesk-web-'));
	const link = (href) => `<link rel="stylesheet" data-inline href="${href}">`;
	await fs.writeFile(path.join(dir, 'ok.css'), 'p { color: red }\n');
	await fs.writeFile(path.join(dir, 'evil.css'), 'p{}</STYLE><script>alert(1)</script>\n');
	await fs.writeFile(path.join(dir, 'big.css'), `/* ${'x'.repeat(70 * 1024)} */\n`);
	await fs.writeFile(path.join(dir, 'x.js'), 'alert(1)\n');
	const hrefs = ['/ok.css', '/evil.css', '/big.css', '/x.js', '/../etc/passwd.css', '/missing.css'];
	await fs.writeFile(path.join(dir, 'page.html'), `<!doctype html><title>t</title>${hrefs.map(link).join('')}<p>hi</p>\n`);
	const other = await startServer({ fixtures: false, args: ['--web', dir] });
	try {
		const res = await other.request('GET', '/page.html');
		assert.equal(res.status, 200);
		assert.match(res.text, /<style data-inline="\/ok.css">p \{ color: red \}\n<\/style>/);
		for (const h of hrefs.slice(1))
			assert.ok(res.text.includes(link(h)), `${h} left as a link`);
		assert.doesNotMatch(res.text, /<script>/);
		assert.deepEqual(styleHashes(res.headers.get('content-security-policy')), [await sha256('p { color: red }\n')]);
		// The page changes with its stylesheet: a new ETag, the new text and hash.
		await new Promise((r) => setTimeout(r, 20));
		await fs.writeFile(path.join(dir, 'ok.css'), 'p { color: blue }\n');
		const after = await other.request('GET', '/page.html', { headers: { 'if-none-match': res.headers.get('etag') } });
		assert.equal(after.status, 200);
		assert.notEqual(after.headers.get('etag'), res.headers.get('etag'));
		assert.match(after.text, /color: blue/);
		assert.deepEqual(styleHashes(after.headers.get('content-security-policy')), [await sha256('p { color: blue }\n')]);
	} finally {
		await other.close();
		await fs.rm(dir, { recursive: true, force: true });
	}
});
