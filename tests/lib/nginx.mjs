// nginx.mjs: a private nginx (Debian nginx-light) for one test, on 127.0.0.1, with everything it
// writes (pid file, logs, temporary paths) in a temporary directory, around a site the caller
// gives: the wrapper a private instance needs instead of Debian's /etc/nginx/nginx.conf. The
// browser tests' TLS recipe and the integration tests' several-node recipe both run through it.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Resolve once 127.0.0.1:`port` accepts; reject if `child` exits or 10 s pass (`what` and its output say why). */
export function waitForPort(port, child, output, what) {
	const deadline = Date.now() + 10000;
	return new Promise((resolve, reject) => {
		const attempt = () => {
			if (child.exitCode !== null)
				return reject(new Error(`${what} exited (${child.exitCode}):\n${output()}`));
			const sock = net.connect(port, '127.0.0.1');
			sock.once('connect', () => { sock.destroy(); resolve(); });
			sock.once('error', () => {
				if (Date.now() > deadline)
					reject(new Error(`${what} did not listen on ${port}:\n${output()}`));
				else
					setTimeout(attempt, 50);
			});
		};
		attempt();
	});
}

/**
 * nginx serving `site` (server and upstream blocks, which listen on 127.0.0.1:`port`). Resolves
 * with { output(), access(), stop() }; stop() also removes its directory.
 */
export async function runNginx(site, port) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-nginx-'));
	const conf = `# A private nginx for one test: everything under ${dir}.
user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    default_type application/octet-stream;
${site}
}
`;
	fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
	const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'],
		{ stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { out += d; });
	const output = () => out + (fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '');
	try {
		await waitForPort(port, child, output, 'nginx');
	} catch (err) {
		child.kill('SIGKILL');
		fs.rmSync(dir, { recursive: true, force: true });
		throw err;
	}
	return {
		output,
		access: () => fs.readFileSync(path.join(dir, 'access.log'), 'utf8'),
		async stop() {
			if (child.exitCode === null) {
				const done = new Promise((r) => child.once('exit', r));
				child.kill('SIGQUIT');
				const t = setTimeout(() => child.kill('SIGKILL'), 3000);
				await done;
				clearTimeout(t);
			}
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
