// 18-fuzz-finds: bugs the fuzz harnesses (fuzz/) found, each checked once more against the real
// binary.  The input that found each one is replayed by its harness from fuzz/regressions/.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { refdeskBin } from './lib/server.mjs';

function serve(args) {
	return spawnSync(refdeskBin, ['serve', ...args], { encoding: 'utf8', timeout: 10000 });
}

// "[]:PORT" passed as an empty host: the server said it was listening while lws bound nothing.
test('an empty host in --listen is refused, on the command line and in a config file', () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-listen-'));
	const conf = path.join(dir, 'refdesk.conf');
	fs.writeFileSync(conf, 'listen = []:8080\n');
	for (const args of [['--listen', '[]:8080'], ['--config', conf]]) {
		const run = serve([...args, '--data', path.join(dir, 'var')]);
		assert.equal(run.status, 2, `${args.join(' ')}: exit ${run.status} (${run.stderr})`);
		assert.match(run.stderr, /--listen wants HOST:PORT/);
		assert.doesNotMatch(run.stdout, /listening/);
		assert.ok(!fs.existsSync(path.join(dir, 'var')), 'nothing may be created');
	}
	// A bracketed host is still read (--help, after it, exits 0 once the options parsed).
	const ok = serve(['--listen', '[::1]:8080', '--help']);
	assert.equal(ok.status, 0, ok.stderr);
	fs.rmSync(dir, { recursive: true, force: true });
});
