// cluster.mjs: refdesk as several nodes, as docs/OPERATIONS.md ("Running several nodes") sets
// it up: a PostgreSQL cluster (scripts/pg-cluster), a nats-server, refdesk nodes on one database
// and one shared data directory, each with --bus, and an nginx in front of them made from the
// recipe in that section. Everything on 127.0.0.1, in temporary directories; stop() removes it.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { runNginx, waitForPort } from '../../lib/nginx.mjs';
import { freePort, repoRoot, runBinary, sleep, startServer, OPERATORS } from '../../lib/server.mjs';

const pgCluster = path.join(repoRoot, 'scripts/pg-cluster');

/** The fenced block after `<!-- recipe: NAME -->` in docs/OPERATIONS.md. */
export function recipe(name, lang) {
	const doc = fs.readFileSync(path.join(repoRoot, 'docs/OPERATIONS.md'), 'utf8');
	const m = new RegExp(`<!-- recipe: ${name}[^>]*-->\\s*\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
	if (!m)
		throw new Error(`docs/OPERATIONS.md has no "${name}" recipe`);
	return m[1];
}

/** A nats-server on 127.0.0.1:`port`; stop() and start() again on the same port. */
export async function startNats(port) {
	const nats = { port, url: `nats://127.0.0.1:${port}`, child: null, out: '' };
	nats.start = async () => {
		const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
		nats.child = child;
		child.stdout.on('data', (d) => { nats.out += d; });
		child.stderr.on('data', (d) => { nats.out += d; });
		await waitForPort(port, child, () => nats.out, 'nats-server');
	};
	nats.stop = async () => {
		const child = nats.child;
		if (!child || child.exitCode !== null)
			return;
		const done = new Promise((r) => child.once('exit', r));
		child.kill('SIGKILL'); // as a crash: nothing is said to the clients
		await done;
	};
	await nats.start();
	return nats;
}

/**
 * A TCP relay on 127.0.0.1 to `target` (a port): a node's link to NATS through it can be cut
 * (every connection closed, new ones refused) and healed, or what NATS sends the node delayed
 * (`delay` ms), while the other nodes' links stay as they are.
 */
export async function startLinkCutter(target) {
	const socks = new Set();
	let server = null;
	const port = await freePort();
	const relay = {
		url: `nats://127.0.0.1:${port}`,
		delay: 0,
		async cut() {
			await new Promise((resolve) => { server.close(resolve); for (const sock of socks) sock.destroy(); });
		},
		heal: () => listen(),
		async stop() {
			for (const sock of socks)
				sock.destroy();
			await new Promise((resolve) => server.close(() => resolve()));
		},
	};
	const listen = () => new Promise((resolve, reject) => {
		server = net.createServer((client) => {
			const up = net.connect(target, '127.0.0.1');
			const late = [];
			let timer = null;
			const pump = () => {
				timer = null;
				while (late.length && late[0].due <= Date.now())
					client.write(late.shift().data);
				if (late.length)
					timer = setTimeout(pump, late[0].due - Date.now());
			};
			socks.add(client).add(up);
			client.pipe(up);
			up.on('data', (d) => {
				if (!relay.delay && !late.length) {
					client.write(d);
					return;
				}
				late.push({ due: Date.now() + relay.delay, data: d });
				timer ??= setTimeout(pump, relay.delay);
			});
			const drop = () => { clearTimeout(timer); client.destroy(); up.destroy(); socks.delete(client); socks.delete(up); };
			client.on('error', drop).on('close', drop);
			up.on('error', drop).on('close', drop);
		});
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	await listen();
	return relay;
}

/** nginx on 127.0.0.1:`port` in front of `upstreams` (ports), from the recipe. */
export async function startNginx(port, upstreams) {
	let site = recipe('nginx in front of several nodes', 'nginx');
	const servers = /upstream refdesk_nodes \{\n([\s\S]*?)\n\}/.exec(site);
	if (!servers)
		throw new Error('the recipe has no upstream block');
	const line = servers[1].split('\n')[0].replace(/10\.0\.0\.\d+:8080/, 'ADDR');
	site = site.replace(servers[1], upstreams.map((p) => line.replace('ADDR', `127.0.0.1:${p}`)).join('\n'));
	site = site.replace('listen 80;', `listen 127.0.0.1:${port};`).replace('server_name chat.library.example;', 'server_name 127.0.0.1;');
	const nginx = await runNginx(site, port);
	return { ...nginx, port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` };
}

/**
 * PostgreSQL, NATS, `n` nodes (the first seeds the demo library) and nginx. `operators`: usernames
 * of the fixtures added to the demo library, members of its queue `ask`; `cutters`: the indexes
 * of nodes whose link to NATS goes through a startLinkCutter(). Resolves with
 * {nodes, nats, proxy, cutters (by node index), store, psql(sql), metrics(node), stop()}.
 */
export async function startCluster({ n = 3, operators = [], args = [], cutters = [] } = {}) {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-cluster-'));
	fs.chmodSync(tmp, 0o755);
	const pgPort = await freePort();
	const url = execFileSync(pgCluster, ['start', path.join(tmp, 'pg'), String(pgPort)], { encoding: 'utf8' }).trim();
	const psql = (sql) => execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql],
		{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
	const nats = await startNats(await freePort());
	const data = path.join(tmp, 'data');
	fs.mkdirSync(data);
	const metricsToken = 'cluster-metrics-token-0123456789abcdef';
	fs.writeFileSync(path.join(tmp, 'metrics.token'), `${metricsToken}\n`, { mode: 0o600 });
	const c = { tmp, store: url, nats, nodes: [], proxy: null, psql, data, cutters: {} };
	/** GET /metrics of `node` (behind a trusted proxy, only the token reads it). */
	c.metrics = async (node) => (await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
	c.stop = async () => {
		await c.proxy?.stop();
		for (const cut of Object.values(c.cutters))
			await cut.stop().catch(() => {});
		for (const [i, node] of c.nodes.entries()) {
			await (node.running ? node.stop() : Promise.resolve()).catch((err) => { c.stopError ??= err; });
			if (process.env.REFDESK_SHOW_LOGS)
				process.stderr.write(`--- node ${i}:\n${node.stderr}\n`);
		}
		await nats.stop();
		try {
			execFileSync(pgCluster, ['stop', path.join(tmp, 'pg')], { stdio: 'ignore' });
		} catch { /* already stopped */ }
		fs.rmSync(tmp, { recursive: true, force: true });
		if (c.stopError)
			throw c.stopError;
	};
	try {
		const nodeArgs = ['--store', url, '--bus', nats.url, '--trusted-proxy', '127.0.0.1',
			'--metrics-token-file', path.join(tmp, 'metrics.token'), ...args];
		for (let i = 0; i < n; i++) {
			let bus = [];
			if (cutters.includes(i)) {
				c.cutters[i] = await startLinkCutter(nats.port);
				bus = ['--bus', c.cutters[i].url]; // the later --bus wins
			}
			c.nodes.push(await startServer({ fixtures: false, demo: i === 0, dataDir: data, args: [...nodeArgs, ...bus] }));
		}
		for (const who of operators) {
			const base = ['admin', '--data', data, '--store', url];
			let r = await runBinary([...base, 'operator', 'add', '--account', 'Demo Library', who, '--name', who[0].toUpperCase() + who.slice(1)],
				`${OPERATORS[who].password}\n`);
			if (r.code !== 0)
				throw new Error(r.stderr);
			r = await runBinary([...base, 'member', 'add', 'ask', who]);
			if (r.code !== 0)
				throw new Error(r.stderr);
		}
		c.proxy = await startNginx(await freePort(), c.nodes.map((node) => node.port));
		// Each node has heard of the others once every one is on the bus.
		await sleep(300);
	} catch (err) {
		await c.stop().catch(() => {});
		throw err;
	}
	return c;
}
