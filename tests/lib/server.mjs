// server.mjs: the one launcher of the real refdesk binary, for the integration and browser tests.
//
// startServer() picks a free port on 127.0.0.1, makes a temporary data directory, fills it with
// the standard fixtures made through the admin command line (two accounts, their queues and
// operators; made once per build and copied), starts `refdesk serve` (over HTTPS when given a
// certificate) and resolves once `GET /api/health` answers. startDemoServer() is the same with
// the demo library instead of the fixtures, as the browser tests want it.
//
// The way out is checked here, once, for every test file: stop() sends SIGTERM and throws unless
// the exit status is 0 and stderr holds no sanitizer report, and close() (the usual after() hook)
// stops the same way and then removes the data directory. kill() sends any signal without those
// checks (a crash on purpose); restart() starts again on the same data directory. The Server
// also signs operators in and makes HTTP requests with their cookie and CSRF token, so that each
// test reads as the protocol it checks.
//
// Every wait here has a timeout: a server that hangs fails the test instead of the test run.
//
// With REFDESK_TEST_PG set to a PostgreSQL cluster's URL ending in "/" (scripts/run-tests starts
// one for the suite's PostgreSQL pass), every data directory gets a database of its own there,
// named after the directory, and the server and `refdesk admin` are given it with --store; the
// files stay in the directory. sql() reads or changes the database whichever it is.

import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const refdeskBin = process.env.REFDESK_BIN
	? path.resolve(process.env.REFDESK_BIN)
	: path.join(repoRoot, 'build/refdesk');

// What a sanitizer build prints when it finds something; any of these on stderr fails a test.
const SANITIZER_REPORT = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer|MemorySanitizer|runtime error:/;

/** The PostgreSQL cluster of this run ("" on SQLite), and whether there is one. */
const pgBase = process.env.REFDESK_TEST_PG ?? '';
export const onPostgres = pgBase !== '';

/** The database name of a data directory on the cluster. */
function pgName(dataDir) {
	return 'rd_' + crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 20);
}

/** Run SQL in database `db` of the cluster with psql; rows as lines, columns joined by '|'. */
function psql(db, sql) {
	return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', pgBase + db, '-c', sql],
		{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: CLI_TIMEOUT_MS });
}

const pgMade = new Set();

/** Make the database of `dataDir` unless it exists (a copy of `template`'s if given). */
function pgCreate(dataDir, template) {
	const name = pgName(dataDir);
	if (pgMade.has(name))
		return name;
	try {
		psql('postgres', `CREATE DATABASE ${name}${template ? ` TEMPLATE ${pgName(template)}` : ''}`);
	} catch (err) {
		if (!/already exists/.test(String(err.stderr)))
			throw new Error(`cannot create database ${name}: ${err.stderr ?? err.message}`);
	}
	pgMade.add(name);
	return name;
}

/** The arguments that give refdesk the store of `dataDir`: none on SQLite. */
export function storeArgs(dataDir) {
	return onPostgres ? ['--store', pgBase + pgCreate(dataDir)] : [];
}

/**
 * Run SQL on the database of `dataDir` (sqlite3's CLI, or psql on the cluster): stdout, each row
 * a line with columns joined by '|'. Only SQL both understand, or what the caller picked by onPostgres.
 */
export function sql(dataDir, text) {
	if (onPostgres)
		return psql(pgCreate(dataDir), text);
	return execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dataDir, 'refdesk.db'), text],
		{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: CLI_TIMEOUT_MS });
}

/**
 * Whether `needle` is anywhere in what the database of `dataDir` keeps: on SQLite the file's
 * bytes after a checkpoint (deleted text must be overwritten, not only unlisted), on PostgreSQL
 * every row as pg_dump writes it (the bytes of its files are VACUUM's business: docs/OPERATIONS.md).
 */
export function storeContains(dataDir, needle) {
	if (onPostgres) {
		const dump = execFileSync('/usr/lib/postgresql/15/bin/pg_dump', ['--data-only', '-d', pgBase + pgCreate(dataDir)],
			{ encoding: 'utf8', maxBuffer: 1 << 28, timeout: CLI_TIMEOUT_MS });
		return dump.includes(needle);
	}
	sql(dataDir, 'PRAGMA wal_checkpoint(TRUNCATE)');
	const out = execFileSync('sh', ['-c', `cat "${dataDir}"/refdesk.db* | grep -c -a -F -e "$1" || true`, 'sh', needle],
		{ encoding: 'utf8' });
	return Number(out.trim()) > 0;
}

/** The column names of `table` in the database of a server, in their order. */
export function columns(srv, table) {
	if (!/^[a-z_]+$/.test(table))
		throw new Error(`not a table name: ${table}`);
	const text = onPostgres
		? srv.sql(`SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`)
		: srv.sql(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`);
	return text.trim().split('\n');
}

const START_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 15000;
const CLI_TIMEOUT_MS = 20000;

// The standard fixtures. Passwords are long enough for the 8-character minimum.
export const ALPHA_ORIGIN = 'https://alpha.example';
export const BETA_ORIGIN = 'https://beta.example';
export const OPERATORS = {
	ann: { username: 'ann', name: 'Ann Alpha', password: 'ann-password-1', account: 'Alpha Library', admin: false },
	bob: { username: 'bob', name: 'Bob Alpha', password: 'bob-password-2', account: 'Alpha Library', admin: true },
	cat: { username: 'cat', name: 'Cat Beta', password: 'cat-password-3', account: 'Beta Library', admin: true },
};
export const QUEUES = {
	alpha: { name: 'alpha', title: 'Alpha Ask', account: 'Alpha Library' },
	beta: { name: 'beta', title: 'Beta Ask', account: 'Beta Library' },
};

/**
 * Run `refdesk admin --data DIR ARGS…`, writing `input` (if any) to its stdin.
 * Resolves with {code, signal, stdout, stderr}; never rejects on a non-zero exit, so tests can
 * check refusals. Rejects only if the command cannot start or runs past the timeout.
 */
export function runAdmin(dataDir, args, input) {
	return runBinary(['admin', '--data', dataDir, ...storeArgs(dataDir), ...args], input);
}

/** Run the binary with `args` and optional stdin text; see runAdmin(). */
export function runBinary(args, input) {
	return new Promise((resolve, reject) => {
		const child = spawn(refdeskBin, args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`refdesk ${args.join(' ')}: no exit after ${CLI_TIMEOUT_MS} ms\n${stderr}`));
		}, CLI_TIMEOUT_MS);
		child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
		child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
		child.on('error', (err) => {
			clearTimeout(timer);
			reject(new Error(`cannot run ${refdeskBin} (${err.message}); build it with make, or set REFDESK_BIN`));
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			if (SANITIZER_REPORT.test(stderr))
				reject(new Error(`sanitizer report from refdesk ${args.join(' ')}:\n${stderr}`));
			else
				resolve({ code, signal, stdout, stderr });
		});
		child.stdin.on('error', () => {}); // the command may exit without reading stdin
		child.stdin.end(input ?? '');
	});
}

/** Like runAdmin() but throws when the command fails: for fixtures that must exist. */
export async function admin(dataDir, args, input) {
	const r = await runAdmin(dataDir, args, input);
	if (r.code !== 0)
		throw new Error(`refdesk admin ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr}${r.stdout}`);
	return r;
}

/** Create the standard fixtures in `dataDir` (the server must not be running yet). */
export async function makeFixtures(dataDir) {
	await admin(dataDir, ['account', 'add', 'Alpha Library', '--origin', ALPHA_ORIGIN]);
	await admin(dataDir, ['account', 'add', 'Beta Library', '--origin', BETA_ORIGIN]);
	for (const q of Object.values(QUEUES))
		await admin(dataDir, ['queue', 'add', '--account', q.account, q.name, '--title', q.title]);
	for (const op of Object.values(OPERATORS)) {
		const args = ['operator', 'add', '--account', op.account, op.username, '--name', op.name];
		if (op.admin)
			args.push('--admin');
		await admin(dataDir, args, op.password + '\n');
	}
	await admin(dataDir, ['member', 'add', 'alpha', 'ann']);
	await admin(dataDir, ['member', 'add', 'alpha', 'bob']);
	await admin(dataDir, ['member', 'add', 'beta', 'cat']);
}

/**
 * Put the standard fixtures into `dataDir` by copying a template made once per build of the
 * binary: making them takes seconds under the sanitizers (each operator's password is hashed),
 * and the suite starts over a dozen servers. The template lives in the temporary directory,
 * named after the binary's path, size and modification time, so a rebuild makes a new one.
 */
export async function copyFixtures(dataDir) {
	const st = await fs.stat(refdeskBin).catch(() => null);
	if (!st)
		throw new Error(`cannot run ${refdeskBin} (it does not exist); build it with make, or set REFDESK_BIN`);
	const key = crypto.createHash('sha256').update(`${refdeskBin}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 16);
	// On PostgreSQL the template's database is in this run's cluster, named by its initdb.
	const pgKey = onPostgres ? '-pg-' + psql('postgres', 'SELECT system_identifier FROM pg_control_system()').trim() : '';
	const template = path.join(os.tmpdir(), `refdesk-it-fixtures-${key}${pgKey}`);
	if (!await fs.stat(path.join(template, '.complete')).catch(() => null)) {
		const fresh = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-it-template-'));
		try {
			await makeFixtures(fresh);
			if (onPostgres) {
				// The database goes by the directory's name: it is renamed with it.
				pgMade.delete(pgName(fresh));
				psql('postgres', `ALTER DATABASE ${pgName(fresh)} RENAME TO ${pgName(template)}`);
			}
			await fs.writeFile(path.join(fresh, '.complete'), '');
			await fs.rename(fresh, template);
		} catch (err) {
			await fs.rm(fresh, { recursive: true, force: true });
			// Another test file may have won the race to make the template; any other error is real.
			if (!await fs.stat(path.join(template, '.complete')).catch(() => null))
				throw err;
		}
	}
	await fs.cp(template, dataDir, { recursive: true, filter: (src) => path.basename(src) !== '.complete' });
	if (onPostgres)
		pgCreate(dataDir, template);
}

/** A free TCP port on 127.0.0.1 (free when asked; the server may still lose a race for it). */
export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A throwaway certificate for 127.0.0.1 (and localhost) in `dir`: {cert, key, ca}, where cert
 * and key are the files' paths and ca the certificate's bytes (what a client must trust).
 */
export function makeCertificate(dir) {
	const cert = path.join(dir, 'cert.pem');
	const key = path.join(dir, 'key.pem');
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
		'-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
	return { cert, key, ca: fsSync.readFileSync(cert) };
}

/**
 * Start a server. Options:
 *   fixtures  (default true) create the standard accounts, queues and operators first
 *   demo      (default false) serve with --demo: the demo library and its pages
 *   args      extra arguments for `serve`
 *   tls       {cert, key, ca} from makeCertificate(): HTTPS and WSS on the one port
 *   env       extra environment variables for the server process
 *   dataDir   use this data directory instead of a new one
 *   bin       run this program instead of refdesk (00-helpers checks the checks with it)
 *   stopTimeoutMs  how long stop() and kill() wait for the exit before SIGKILL (default 15 s)
 * Rejects (after removing what it made) when the server does not come up.
 */
export async function startServer({ fixtures = true, demo = false, args = [], tls = null, env = {}, dataDir, bin, stopTimeoutMs } = {}) {
	const dir = dataDir ?? await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-it-'));
	const srv = new Server(dir, { args: demo ? ['--demo', ...args] : args, tls, env, bin, stopTimeoutMs });
	try {
		if (fixtures)
			await copyFixtures(dir);
		await srv.start();
	} catch (err) {
		await srv.cleanup();
		throw err;
	}
	return srv;
}

/** startServer() as the browser tests want it: the demo library instead of the fixtures. */
export function startDemoServer(opts = {}) {
	return startServer({ fixtures: false, demo: true, ...opts });
}

export class Server {
	/** `opts`: args (extra `serve` arguments), tls, env, bin, stopTimeoutMs; see startServer(). */
	constructor(dataDir, { args = [], tls = null, env = {}, bin = refdeskBin, stopTimeoutMs = STOP_TIMEOUT_MS } = {}) {
		this.dataDir = dataDir;
		this.bin = bin;
		this.stopTimeoutMs = stopTimeoutMs;
		this.args = args;
		this.tls = tls;
		this.env = env;
		this.proc = null;
		this.port = 0;
		this.logs = [];          // stderr of every run, newest last
		this.stdout = '';        // stdout of every run
		this.exit = null;        // {code, signal} of the last run once it ended
		this.sessions = new Map(); // username -> signed-in session, see session()
	}

	get url() { return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`; }
	get origin() { return this.url; }
	get wsUrl() { return `${this.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}/ws`; }
	get dbPath() { return path.join(this.dataDir, 'refdesk.db'); }
	get stderr() { return this.logs.join(''); }
	get running() { return this.proc !== null && this.exit === null; }
	/** The process id of the current run (benchmarks read its CPU time from /proc). */
	get pid() { return this.proc?.pid; }

	/** Start the binary and wait until it answers /api/health. Retries once on a lost port race. */
	async start({ port } = {}) {
		for (let attempt = 0; ; attempt++) {
			try {
				await this.startOnce(port ?? await freePort());
				return;
			} catch (err) {
				if (attempt >= 2 || port !== undefined || this.running)
					throw err;
			}
		}
	}

	async startOnce(port) {
		this.port = port;
		this.exit = null;
		this.killed = false;
		this.stopped = false;
		this.sessions.clear();
		const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data', this.dataDir, ...storeArgs(this.dataDir)];
		if (this.tls)
			args.push('--tls-cert', this.tls.cert, '--tls-key', this.tls.key);
		const proc = spawn(this.bin, [...args, ...this.args],
			{ cwd: repoRoot, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
		this.proc = proc;
		const index = this.logs.push('') - 1;
		proc.stderr.setEncoding('utf8').on('data', (d) => { this.logs[index] += d; });
		proc.stdout.setEncoding('utf8').on('data', (d) => { this.stdout += d; });
		this.exited = new Promise((resolve) => {
			proc.on('exit', (code, signal) => {
				this.exit = { code, signal };
				resolve(this.exit);
			});
			proc.on('error', (err) => {
				this.logs[index] += `\n[spawn error: ${err.message}]`;
				this.exit = { code: null, signal: null, error: err };
				resolve(this.exit);
			});
		});
		const deadline = Date.now() + START_TIMEOUT_MS;
		while (Date.now() < deadline) {
			if (this.exit) {
				const why = this.exit.error
					? `cannot run ${this.bin} (${this.exit.error.message}); build it with make, or set REFDESK_BIN`
					: `refdesk serve exited (${this.exit.code ?? this.exit.signal}) before answering /api/health`;
				throw new Error(`${why}\n${this.logs[index]}`);
			}
			if (await this.healthy())
				return;
			await sleep(50);
		}
		proc.kill('SIGKILL');
		await this.exited;
		throw new Error(`refdesk serve did not answer /api/health within ${START_TIMEOUT_MS} ms\n${this.logs[index]}`);
	}

	/** True when GET /api/health answers 200 {"ok": true} within a second (over TLS trusting tls.ca). */
	async healthy() {
		if (this.tls)
			return this.healthyTls();
		try {
			const res = await fetch(this.url + '/api/health', { signal: AbortSignal.timeout(1000) });
			const body = await res.json();
			return res.status === 200 && body.ok === true;
		} catch {
			return false;
		}
	}

	healthyTls() {
		return new Promise((resolve) => {
			const req = https.get(this.url + '/api/health', { ca: this.tls.ca, agent: false }, (res) => {
				let text = '';
				res.setEncoding('utf8').on('data', (d) => { text += d; });
				res.on('end', () => {
					try {
						resolve(res.statusCode === 200 && JSON.parse(text).ok === true);
					} catch {
						resolve(false);
					}
				});
				res.on('error', () => resolve(false));
			});
			req.on('error', () => resolve(false));
			req.setTimeout(1000, () => req.destroy());
		});
	}

	/**
	 * Stop with SIGTERM and check the way out: exit status 0, no sanitizer report on stderr.
	 * Throws (failing the calling test) otherwise, and also when the server ended on its own
	 * before (a crash nobody asked for). Stopping a stopped or killed server checks stderr only.
	 */
	async stop() {
		if (!this.running && this.exit && !this.killed && !this.stopped)
			throw new Error(`refdesk died before the end of the tests (${this.exit.code ?? this.exit.signal})\n${this.stderr}`);
		if (this.running) {
			this.proc.kill('SIGTERM');
			const timer = setTimeout(() => this.proc.kill('SIGKILL'), this.stopTimeoutMs);
			await this.exited;
			clearTimeout(timer);
			if (this.exit.signal === 'SIGKILL')
				throw new Error(`refdesk did not exit within ${this.stopTimeoutMs} ms of SIGTERM\n${this.stderr}`);
			if (this.exit.code !== 0)
				throw new Error(`refdesk exited ${this.exit.code ?? this.exit.signal} after SIGTERM, not 0\n${this.stderr}`);
			this.stopped = true;
		}
		this.checkStderr();
	}

	/**
	 * stop(), then remove the data directory even when stop() threw: the usual after() hook, so
	 * that every test file checks the server's clean exit without a test of its own for it.
	 */
	async close() {
		try {
			await this.stop();
		} finally {
			await this.cleanup();
		}
	}

	/** Throw if any run so far printed a sanitizer report. */
	checkStderr() {
		const text = this.stderr;
		if (SANITIZER_REPORT.test(text))
			throw new Error(`sanitizer report on refdesk's stderr:\n${text}`);
	}

	/** Send `signal` and wait for the process to end; resolves with {code, signal}. */
	async kill(signal = 'SIGKILL') {
		if (!this.running)
			throw new Error('refdesk is not running');
		this.killed = true;
		this.proc.kill(signal);
		const timer = setTimeout(() => this.proc.kill('SIGKILL'), this.stopTimeoutMs);
		const result = await this.exited;
		clearTimeout(timer);
		return result;
	}

	/** Start again on the same data directory (on a new free port unless one is given). */
	async restart(opts) {
		if (this.running)
			throw new Error('refdesk is still running');
		await this.start(opts);
	}

	/** Kill the server hard (SIGKILL): a crash, or a cut network for the browsers. */
	crash() {
		return this.kill('SIGKILL');
	}

	/** Start again after crash() on the same port, so that pages already open reconnect. */
	revive() {
		return this.restart({ port: this.port });
	}

	/**
	 * Add an operator to the demo library (startDemoServer) and make it a member of `queues`,
	 * through `refdesk admin` on the running server's data directory. Synchronous, so a browser
	 * test can use the result in place. Returns {username, password, name}.
	 */
	addOperator({ username, name, password = 'correct horse battery', isAdmin = false, queues = ['ask'] }) {
		const run = (args, input = '') => execFileSync(refdeskBin, ['admin', '--data', this.dataDir, ...storeArgs(this.dataDir), ...args],
			{ cwd: repoRoot, input, encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
		const args = ['operator', 'add', '--account', 'Demo Library', username, '--name', name];
		if (isAdmin)
			args.push('--admin');
		run(args, `${password}\n`);
		for (const q of queues)
			run(['member', 'add', q, username]);
		return { username, password, name };
	}

	/** Kill the process if it still runs and remove the data directory. Never throws. */
	async cleanup() {
		try {
			if (this.running) {
				this.proc.kill('SIGKILL');
				await this.exited;
			}
		} catch { /* cleaning up */ }
		if (process.env.REFDESK_SHOW_LOGS)
			process.stderr.write(`--- refdesk on ${this.dataDir}:\n${this.stderr}\n`);
		if (!process.env.REFDESK_KEEP_DATA) {
			await fs.rm(this.dataDir, { recursive: true, force: true }).catch(() => {});
			if (onPostgres) {
				try {
					psql('postgres', `DROP DATABASE IF EXISTS ${pgName(this.dataDir)} WITH (FORCE)`);
				} catch { /* cleaning up */ }
				pgMade.delete(pgName(this.dataDir));
			}
		}
	}

	/** sql() on this server's database. */
	sql(text) {
		return sql(this.dataDir, text);
	}

	/**
	 * An HTTP request. Options: body (an object is sent as JSON; a string is sent as is),
	 * session (from signIn: adds its cookie and, unless csrf is given, its CSRF token),
	 * csrf (a token, or false for none), cookie, headers, contentType.
	 * Resolves with {status, headers, text, json} (json is undefined unless the body parses).
	 */
	async request(method, urlPath, opts = {}) {
		const headers = { ...(opts.headers ?? {}) };
		let body;
		if (opts.body !== undefined) {
			body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
			headers['content-type'] = opts.contentType ?? 'application/json';
		}
		const cookie = opts.cookie ?? opts.session?.cookie;
		if (cookie)
			headers.cookie = cookie;
		const csrf = opts.csrf === undefined ? opts.session?.csrf : opts.csrf;
		if (csrf)
			headers['x-csrf-token'] = csrf;
		const res = await fetch(this.url + urlPath, {
			method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(10000),
		});
		const text = await res.text();
		let json;
		try { json = JSON.parse(text); } catch { json = undefined; }
		return { status: res.status, headers: res.headers, text, json };
	}

	/**
	 * POST /api/session for `username` (password from the fixtures unless given).
	 * Resolves with {status, json, headers, cookie, csrf, operator}; cookie is
	 * "refdesk_session=VALUE" ready for a Cookie header, or null when none was set.
	 */
	async signIn(username, { password, origin, headers = {} } = {}) {
		const pw = password ?? OPERATORS[username]?.password;
		const h = { ...headers };
		if (origin)
			h.origin = origin;
		const res = await this.request('POST', '/api/session', { body: { username, password: pw }, headers: h });
		let cookie = null;
		for (const line of res.headers.getSetCookie()) {
			const m = /^refdesk_session=([^;]*)/.exec(line);
			if (m && m[1] !== '')
				cookie = `refdesk_session=${m[1]}`;
		}
		return { ...res, cookie, csrf: res.json?.csrf, operator: res.json?.operator };
	}

	/**
	 * The signed-in session of `username`, signing in on first use only: sign-in attempts are
	 * rate limited per address, so each test file signs each operator in once per server.
	 */
	async session(username) {
		let s = this.sessions.get(username);
		if (!s) {
			s = await this.signIn(username);
			if (s.status !== 200 || !s.cookie)
				throw new Error(`sign-in of ${username} failed: ${s.status} ${s.text}`);
			this.sessions.set(username, s);
		}
		return s;
	}

	/**
	 * Send `text` as is on a new TCP connection and collect what comes back until the server
	 * closes it (or 10 s pass). Resolves with {status, text}; status is the number on the
	 * response's status line, or 0 when nothing parseable came back.
	 */
	rawHttp(text) {
		return new Promise((resolve) => {
			const sock = net.connect(this.port, '127.0.0.1');
			let got = '';
			const timer = setTimeout(() => sock.destroy(), 10000);
			sock.setEncoding('latin1');
			sock.on('data', (d) => {
				got += d;
			});
			sock.on('error', () => {});
			sock.on('close', () => {
				clearTimeout(timer);
				const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
				resolve({ status: m ? Number(m[1]) : 0, text: got });
			});
			sock.on('connect', () => sock.write(text, 'latin1'));
		});
	}

	/** A raw HTTP/1.1 request whose path is sent exactly as given (fetch would normalise it). */
	rawGet(rawPath, headers = {}) {
		return new Promise((resolve, reject) => {
			const req = http.request({ host: '127.0.0.1', port: this.port, method: 'GET', path: rawPath, headers, timeout: 10000 }, (res) => {
				let text = '';
				res.setEncoding('utf8').on('data', (d) => { text += d; });
				res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
			});
			req.on('timeout', () => req.destroy(new Error(`GET ${rawPath}: no answer in 10 s`)));
			req.on('error', (err) => reject(new Error(`GET ${rawPath}: ${err.message} (no HTTP answer)`)));
			req.end();
		});
	}
}
