// 18-fuzz-finds: bugs the fuzz harnesses (fuzz/) found, each checked once more against the real
// binary.  The input that found each one is replayed by its harness from fuzz/regressions/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runBinary } from '../lib/server.mjs';

/** `refdesk serve ARGS`: {code, stdout, stderr}; a sanitizer report fails the test. */
function serve(args) {
	return runBinary(['serve', ...args]);
}

// "[]:PORT" passed as an empty host: the server said it was listening while lws bound nothing.
test('an empty host in --listen is refused, on the command line and in a config file', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-listen-'));
	const conf = path.join(dir, 'refdesk.conf');
	fs.writeFileSync(conf, 'listen = []:8080\n');
	for (const args of [['--listen', '[]:8080'], ['--config', conf]]) {
		const run = await serve([...args, '--data', path.join(dir, 'var')]);
		assert.equal(run.code, 2, `${args.join(' ')}: exit ${run.code} (${run.stderr})`);
		assert.match(run.stderr, /--listen wants HOST:PORT/);
		assert.doesNotMatch(run.stdout, /listening/);
		assert.ok(!fs.existsSync(path.join(dir, 'var')), 'nothing may be created');
	}
	// A bracketed host is still read (--help, after it, exits 0 once the options parsed).
	const ok = await serve(['--listen', '[::1]:8080', '--help']);
	assert.equal(ok.code, 0, ok.stderr);
	fs.rmSync(dir, { recursive: true, force: true });
});
