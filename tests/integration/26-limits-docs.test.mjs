// 26-limits-docs: every limit docs/ARCHITECTURE.md and docs/PROTOCOL.md state, and the defaults
// of docs/OPERATIONS.md's options, against `refdesk limits` — the values printed from the very
// constants and defaults the code uses — as 15-access-matrix does for docs/SECURITY.md against
// `refdesk routes`. Each claim below is a
// sentence of a document (a regular expression that must still match it) and the limits its
// numbers must equal; a changed number in either place fails here, and so does a reworded
// sentence, which then needs its claim updated. The pages' own copies of limits
// (web/shared/text.js) are checked against the same list.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { repoRoot, runBinary } from '../lib/server.mjs';
import { MAX_INVITATION, MAX_NAME, MAX_TEXT } from '../../web/shared/text.js';

const KiB = 1024;
const MiB = 1024 * 1024;
const WORDS = { one: 1, two: 2, three: 3, four: 4, five: 5 };

/** "4,000" → 4000, "two" → 2. */
function num(text) {
	const t = text.trim().toLowerCase();
	if (t in WORDS)
		return WORDS[t];
	assert.match(t, /^\d[\d,]*(\.\d+)?$/, `not a number: "${text}"`);
	return Number(t.replace(/,/g, ''));
}
const times = (k) => (text) => num(text) * k;

/*
 * [document, sentence, [limit, how the captured text reads]...]: the n-th pair goes with the
 * n-th capture group. A pair whose limit is a function gets every limit and checks a number
 * derived from them.
 */
const CLAIMS = [
	['docs/PROTOCOL.md', /A transcript whose text is over (\d+) KiB is not mailed/, ['email_transcript_bytes', times(KiB)]],
	['docs/PROTOCOL.md', /already has (\d+) active blocks: one library cannot fill the server's list of ([\d,]+)\)/,
		['blocks_per_account', num], ['blocks_max', num]],
	['docs/ARCHITECTURE.md', /the receive buffer is (\d+) KiB/, ['rx_buffer', times(KiB)]],
	['docs/ARCHITECTURE.md', /One `send\(\)` carries up to (\d+) KiB \(`SERVER_SEND_MAX`/, ['tx_packet', times(KiB)]],
	['docs/ARCHITECTURE.md', /outbox is bounded \((\d+) MiB or ([\d,]+) frames\)/,
		['ws_outbox_bytes', times(MiB)], ['ws_outbox_frames', num]],
	['docs/ARCHITECTURE.md', /when the writer reports ([\d,]+) new pages in the log/, ['checkpoint_pages', num]],
	['docs/ARCHITECTURE.md', /reassembles the frame \(≤ (\d+) KiB\)/, ['ws_frame_max', times(KiB)]],
	['docs/ARCHITECTURE.md', /\*\*(\w+) worker threads\*\*/, ['workers', num]],
	['docs/ARCHITECTURE.md', /once\s+(\d+) messages wait or the oldest has waited (\d+) s \(never more often than every (\d+) ms\)/,
		['index_messages', num], ['index_wait_ms', times(1000)], ['index_every_ms', num]],
	['docs/ARCHITECTURE.md', /A run takes at most (\d+) chats/, ['index_chats', num]],
	['docs/ARCHITECTURE.md', /while that was more than (\d+) pages \((\d+) copies at most\)/,
		['checkpoint_rest', num], ['checkpoint_passes', num]],
	['docs/ARCHITECTURE.md', /a stop gives the index (\d+) s at\s+most/, ['index_stop_ms', times(1000)]],
	['docs/ARCHITECTURE.md', /and (\d+) ms\s+after the last while more chats wait/, ['index_catch_up_ms', num]],
	['docs/ARCHITECTURE.md', /once it is quiet \((\d+) ms\)/, ['ws_quiet_ms', num]],

	['docs/PROTOCOL.md', /JSON bodies \(`Content-Type: application\/json`\), at most (\d+) KiB/, ['http_body_max', times(KiB)]],
	['docs/PROTOCOL.md', /\| 413 \| `too_large` \| body over (\d+) KiB \|/, ['http_body_max', times(KiB)]],
	['docs/PROTOCOL.md', /JSON of (\d+) bytes or more\) are sent gzipped/, ['gzip_min', num]],
	['docs/PROTOCOL.md', /holding that file \(one of up to (\d+) KiB/, ['inline_style_max', times(KiB)]],
	['docs/OPERATIONS.md', /A\s+catalogue or index larger than (\d+) KiB/, ['page_lang_file_max', times(KiB)]],
	['docs/PROTOCOL.md', /Sessions last (\d+) hours from their last use/, ['session_hours', num]],
	['docs/PROTOCOL.md', /at most (\d+) per minute per address and\s+(\d+) failures per (\d+) minutes per username/,
		['signin_ip_attempts', num], ['signin_user_failures', num], ['signin_user_window', times(60)]],
	['docs/PROTOCOL.md', /at most \d+ per (minute) per address/, ['signin_ip_window', () => 60]],
	['docs/PROTOCOL.md', /Passwords are (\d+) to (\d+) characters; names 1 to (\d+); usernames `\[A-Za-z0-9\._-\]\{1,(\d+)\}`/,
		['password_min', num], ['password_max', num], ['name_chars', num], ['username_bytes', num]],
	['docs/PROTOCOL.md', /the queue; names are `\[a-z0-9-\]\{1,(\d+)\}`, unique across the server/, ['queue_name_bytes', num]],
	['docs/PROTOCOL.md', /`share_invite` is the screensharing invitation .*?\((\d+)–(\d+) characters/,
		[() => 0, num], ['share_text_chars', num]],
	['docs/PROTOCOL.md', /images up to (\d+) MB, other files up to (\d+) MB \(`--max-image-mb`,/,
		['image_bytes', times(MiB)], ['file_bytes', times(MiB)]], // the options' MB are 2^20 bytes
	['docs/PROTOCOL.md', /a JSON object of at most (\d+) KiB/, ['annotation_bytes', times(KiB)]],
	['docs/PROTOCOL.md', /cleaned to its last path segment, at most (\d+)\s+bytes/, ['file_name_bytes', num]],
	['docs/PROTOCOL.md', /`X-Alt` \(optional, percent-encoded, ≤ ([\d,]+) characters\)/, ['alt_chars', num]],
	['docs/PROTOCOL.md', /\((\d+) megapixels, `--max-image-megapixels`\)/, ['image_pixels', times(1e6)]],
	['docs/PROTOCOL.md', /A thumbnail fits (\d+)×(\d+)/, ['thumb_width', num], ['thumb_height', num]],
	['docs/PROTOCOL.md', /over (\d+) uploads a second per chat \(burst (\d+);/, ['upload_rate', num], ['upload_burst', num]],
	['docs/PROTOCOL.md', /\(also when (\d+) MB of uploads are arriving at once\)/, ['uploads_memory', times(MiB)]],
	['docs/PROTOCOL.md', /every event \(at most ([\d,]+)\) in the wire form/, ['history_events_max', num]],
	['docs/PROTOCOL.md', /\| `q` \| search words \(at most (\d+) bytes\)/, ['search_bytes', num]],
	['docs/PROTOCOL.md', /\| `limit` \| rows per page, 1–(\d+) \(default 25\)/, ['history_page_max', num]],
	['docs/PROTOCOL.md', /`--manage-grace-hours` ago \(default (\d+)\)/, ['manage_grace_hours', num]],
	['docs/PROTOCOL.md', /at most (\d+) days from `from` to `to` \(two years\)/, ['report_days', num]],
	['docs/PROTOCOL.md', /Frames are text, one JSON object each, at most (\d+) KiB/, ['ws_frame_max', times(KiB)]],
	['docs/PROTOCOL.md', /The server pings a socket it has heard nothing from for (\d+) s \(`--ping-secs`\), and drops one it\s+has heard nothing from for (\d+) s \(`--idle-close-secs`; (\d+) s after that ping\)/,
		['ws_ping_secs', num], ['ws_hangup_secs', num], [(l) => l.ws_hangup_secs - l.ws_ping_secs, num]],
	['docs/PROTOCOL.md', /own id for this message,\s+1 to (\d+) characters/, ['ws_id_max', num]],
	['docs/PROTOCOL.md', /\(≤ (\d+) chars once cleaned/, ['name_chars', num]],
	['docs/PROTOCOL.md', /\| `msg\.send` \| `chat`, `text` \(1–([\d,]+) characters after trimming\)/, ['text_chars', num]],
	['docs/PROTOCOL.md', /`queues`: \[s\] \(1–(\d+) names\)/, ['presence_queues', num]],
	['docs/PROTOCOL.md', /`--abandon-secs`, default (\w+) minutes/, ['abandon_secs', times(60)]],
	['docs/PROTOCOL.md', /\| `chat\.transfer` \| `chat`, either `operator`: n or `queue`: s, `note`\?: s \(0–(\d+) characters after trimming\)/, ['transfer_note_chars', num]],
	['docs/PROTOCOL.md', /the chat's last (\d+) events as `event` frames/, ['transfer_transcript', num]],
	['docs/PROTOCOL.md', /`--transfer-timeout-secs` \(default (\d+)\)/, ['transfer_timeout_secs', num]],
	['docs/PROTOCOL.md', /Both required: whole numbers, 0–([\d,]+) minutes and 0–(\d+) chats/, ['tidy_mins_max', num], ['tidy_chats_max', num]],
	['docs/PROTOCOL.md', /"mins_max": ([\d,]+), "chats_max": (\d+)/, ['tidy_mins_max', num], ['tidy_chats_max', num]],
	['docs/PROTOCOL.md', /\| `too_long` \| text over ([\d,]+) characters or a name over (\d+) \|/, ['text_chars', num], ['name_chars', num]],
	['docs/PROTOCOL.md', /a guest socket already follows (\d+) chats/, ['chats_per_guest_socket', num]],
	['docs/PROTOCOL.md', /more than (\d+) messages in a second from this socket \(burst (\d+)\)/, ['msg_rate', num], ['msg_burst', num]],
	['docs/PROTOCOL.md', /\((\d+) dropped messages without a (\d+)-second pause;/, ['ws_flood_close', num], ['ws_flood_pause', num]],
	['docs/PROTOCOL.md', /`1009` frame or message over (\d+) KiB/, ['ws_frame_max', times(KiB)]],
	['docs/PROTOCOL.md', /`4002` stopped reading \(more than (\d+) MiB or ([\d,]+) frames waiting\)/,
		['ws_outbox_bytes', times(MiB)], ['ws_outbox_frames', num]],
	['docs/PROTOCOL.md', /At most (\d+) open connections and (\d+) new connections per second \(burst (\d+)\) per client address/,
		['max_conns_per_ip', num], ['conn_rate', num], ['conn_burst', num]],
	['docs/PROTOCOL.md', /Headers must\s+arrive within (\d+) s\./, ['header_timeout', num]],
	['docs/PROTOCOL.md', /\| `share\.invite` \| .*?`text` \(1–(\d+) characters after trimming\)/, ['share_text_chars', num]],
	['docs/PROTOCOL.md', /gives the viewer `--share-frame-secs` \(default (\d+)\)/, ['share_frame_secs', num]],
	['docs/PROTOCOL.md', /at most four media sections, at most (\d+) KiB of printable ASCII/, ['share_sdp_bytes', times(KiB)]],
	['docs/PROTOCOL.md', /An invitation lasts `--share-invite-secs` \(default (\d+);/, ['share_invite_secs', num]],
	['docs/PROTOCOL.md', /a guest who accepted has\s+(\w+) minutes to pick a screen/, ['share_consent_secs', times(60)]],
	['docs/PROTOCOL.md', /A reply is a short `name` \(1–(\d+) characters/, ['canned_name_chars', num]],
	['docs/PROTOCOL.md', /more than (\d+) questions an hour from one client address, or a\s+queue that took (\d+) at once and then more than (\d+) an hour/,
		['followup_ip_questions', num], ['followup_queue_burst', num], ['followup_queue_per_hour', num]],
	['docs/PROTOCOL.md', /at most (\d+) requests an hour per client address/, ['email_transcript_ip', num]],
	['docs/PROTOCOL.md', /`--smtp-retry-secs` \(default (\d+)\)/, ['smtp_retry_secs', num]],
	['docs/PROTOCOL.md', /A try lasts at most (\d+) s\./, ['smtp_timeout_secs', num]],
	['docs/PROTOCOL.md', /`--smtp-attempts` times in all \(default (\d+)\)/, ['smtp_attempts', num]],
	['docs/PROTOCOL.md', /`--followup-keep-days` \(default (\d+)\)/, ['followup_keep_days', num]],
	['docs/PROTOCOL.md', /and a `text` \(1–([\d,]+) characters, like a message;/, ['text_chars', num]],
	['docs/PROTOCOL.md', /Each operator may have at most (\d+) replies of\s+their own and each account (\d+) shared ones/,
		['canned_max', num], ['canned_max', num]],

	// The defaults of the options' table.
	['docs/OPERATIONS.md', /\| `max-conns-per-ip` \| (\d+) \|/, ['max_conns_per_ip', num]],
	['docs/OPERATIONS.md', /\| `conn-rate`, `conn-burst` \| (\d+)\/s, (\d+) \|/, ['conn_rate', num], ['conn_burst', num]],
	['docs/OPERATIONS.md', /\| `header-timeout` \| (\d+) s \|/, ['header_timeout', num]],
	['docs/OPERATIONS.md', /\| `msg-rate`, `msg-burst` \| (\d+)\/s, (\d+) \|/, ['msg_rate', num], ['msg_burst', num]],
	['docs/OPERATIONS.md', /\| `abandon-secs` \| (\d+) \|/, ['abandon_secs', num]],
	['docs/OPERATIONS.md', /\| `transfer-timeout-secs` \| (\d+) \|/, ['transfer_timeout_secs', num]],
	['docs/OPERATIONS.md', /\| `tidy-minute-secs` \| (\d+) \|/, ['tidy_minute_secs', num]],
	['docs/OPERATIONS.md', /\| `max-image-mb`, `max-file-mb` \| (\d+), (\d+) \|/, ['image_bytes', times(MiB)], ['file_bytes', times(MiB)]],
	['docs/OPERATIONS.md', /\| `max-image-megapixels` \| (\d+) \|/, ['image_pixels', times(1e6)]],
	['docs/OPERATIONS.md', /\| `upload-rate`, `upload-burst` \| (\d+)\/s, (\d+) \|/, ['upload_rate', num], ['upload_burst', num]],
	['docs/OPERATIONS.md', /\| `session-hours` \| (\d+) \|/, ['session_hours', num]],
	['docs/OPERATIONS.md', /\| `ping-secs`, `idle-close-secs` \| (\d+), (\d+) \|/, ['ws_ping_secs', num], ['ws_hangup_secs', num]],
	['docs/OPERATIONS.md', /\| `manage-grace-hours` \| (\d+) \|/, ['manage_grace_hours', num]],
	['docs/OPERATIONS.md', /`--turn-ttl` seconds \(default (\d+)\)/, ['turn_ttl', num]],
	['docs/OPERATIONS.md', /`--share-invite-secs` \(default (\d+)\)/, ['share_invite_secs', num]],
	['docs/OPERATIONS.md', /`--share-frame-secs` \(default (\d+)\)/, ['share_frame_secs', num]],
	['docs/OPERATIONS.md', /\| `purge-interval-secs` \| (\d+) \|/, ['purge_interval_secs', num]],
	['docs/OPERATIONS.md', /Every `purge-interval-secs` \(default (\d+) s\)/, ['purge_interval_secs', num]],
	['docs/OPERATIONS.md', /in batches of at most (\d+) chats per queue/, ['purge_batch_chats', num]],
	['docs/OPERATIONS.md', /The most a rule keeps is ([\d,]+) days/, ['retention_days_max', num]],
	['docs/PROTOCOL.md', /whole numbers of days 0–([\d,]+) and a boolean/, ['retention_days_max', num]],
	['docs/PROTOCOL.md', /\| `note.send` \| an operator of the chat's account \| `chat`, `text` \(1–([\d,]+) characters/,
		['staff_text_chars', num]],
	['docs/PROTOCOL.md', /\| `room.send` \| any operator \| `text` \(1–([\d,]+) characters/, ['staff_text_chars', num]],
	['docs/PROTOCOL.md', /`notes`: \[NOTE\], the chat's newest (\d+), oldest first/, ['staff_notes_sent', num]],
	['docs/PROTOCOL.md', /`messages`: \[ROOM_MESSAGE\], the newest (\d+) kept/, ['staff_room_history', num]],
	['docs/PROTOCOL.md', /`--staff-room-keep-secs` \(default (\d+), 7 days\)/, ['staff_room_keep_secs', num]],
	['docs/OPERATIONS.md', /\| `staff-room-keep-secs` \| (\d+) \|/, ['staff_room_keep_secs', num]],
];

/** `refdesk limits` (with `args`) as {name: value}, checking the form of every line. */
async function readLimits(args = []) {
	const r = await runBinary(['limits', ...args]);
	assert.equal(r.code, 0, `refdesk limits exited ${r.code}: ${r.stderr}`);
	assert.equal(r.stderr, '');
	const limits = {};
	for (const line of r.stdout.trimEnd().split('\n')) {
		const m = /^([a-z][a-z0-9_]*) +(-?\d+(?:\.\d+)?) ([a-z_]+) {2}# \S.*$/.exec(line);
		assert.ok(m, `not a "name value unit  # what" line: ${JSON.stringify(line)}`);
		assert.ok(!(m[1] in limits), `${m[1]} is printed twice`);
		limits[m[1]] = Number(m[2]);
	}
	return limits;
}

/** Every claim's numbers as [document, limit name or null, stated, printed] rows. */
export function checkClaims(limits, docs) {
	const rows = [];
	for (const [doc, sentence, ...pairs] of CLAIMS) {
		const m = sentence.exec(docs[doc]);
		assert.ok(m, `${doc} no longer says ${sentence} — update the claim in this test with the sentence`);
		assert.equal(m.length - 1, pairs.length, `${sentence}: one limit per captured number`);
		pairs.forEach(([limit, read], i) => {
			const stated = read(m[i + 1]);
			if (typeof limit === 'function') {
				rows.push([doc, null, stated, limit(limits), m[0]]);
			} else {
				assert.ok(limit in limits, `${doc}: \`refdesk limits\` prints no ${limit}`);
				rows.push([doc, limit, stated, limits[limit], m[0]]);
			}
		});
	}
	return rows;
}

let limits;
let docs;

before(async () => {
	limits = await readLimits();
	docs = Object.fromEntries(['docs/ARCHITECTURE.md', 'docs/PROTOCOL.md', 'docs/OPERATIONS.md']
		.map((d) => [d, fs.readFileSync(path.join(repoRoot, d), 'utf8')]));
});

test('refdesk limits prints one "name value unit  # what" line per limit, each name once', () => {
	for (const name of ['rx_buffer', 'tx_packet', 'ws_outbox_bytes', 'ws_outbox_frames', 'checkpoint_pages',
		'ws_frame_max', 'http_body_max', 'text_chars', 'name_chars', 'msg_rate', 'msg_burst', 'max_conns_per_ip',
		'conn_rate', 'conn_burst', 'header_timeout', 'ws_ping_secs', 'ws_hangup_secs', 'signin_ip_attempts',
		'signin_user_failures', 'image_bytes', 'file_bytes', 'share_invite_secs', 'share_frame_secs'])
		assert.ok(name in limits, `no ${name} in refdesk limits`);
	assert.ok(Object.keys(limits).length >= 60, `only ${Object.keys(limits).length} limits`);
});

test('refdesk limits prints the configured values, as serve would have them', async () => {
	const set = await readLimits(['--max-image-mb', '5', '--msg-rate', '2.5', '--header-timeout', '3',
		'--share-invite-secs', '90']);
	assert.equal(set.image_bytes, 5 * MiB);
	assert.equal(set.msg_rate, 2.5);
	assert.equal(set.header_timeout, 3);
	assert.equal(set.share_invite_secs, 90);
	assert.equal(set.file_bytes, limits.file_bytes, 'the others keep their defaults');
	const bad = await runBinary(['limits', '--max-image-mb', 'lots']);
	assert.equal(bad.code, 2);
	assert.equal(bad.stdout, '');
	assert.match(bad.stderr, /usage: refdesk/);
});

test('every limit docs/ARCHITECTURE.md, docs/PROTOCOL.md and docs/OPERATIONS.md state is the one the server prints', () => {
	const rows = checkClaims(limits, docs);
	const wrong = rows.filter(([, , stated, printed]) => stated !== printed)
		.map(([doc, name, stated, printed, text]) => `${doc}: "${text}" says ${stated}; refdesk limits ${name ?? '(derived)'}: ${printed}`);
	assert.deepEqual(wrong, [], wrong.join('\n'));
	assert.ok(rows.length >= 80, `${rows.length} numbers checked`);
});

test('a wrong number in a document fails the check (the check can fail)', () => {
	const broken = { ...docs, 'docs/ARCHITECTURE.md': docs['docs/ARCHITECTURE.md'].replace('(1 MiB or 10,000 frames)', '(1 MiB or 1,000 frames)') };
	assert.notEqual(broken['docs/ARCHITECTURE.md'], docs['docs/ARCHITECTURE.md']);
	const rows = checkClaims(limits, broken);
	assert.deepEqual(rows.filter(([, , s, p]) => s !== p).map(([, name, s]) => [name, s]), [['ws_outbox_frames', 1000]]);
});

test('the defaults `refdesk --help` states are the ones refdesk limits prints', async () => {
	const OPTION_LIMIT = {
		'max-conns-per-ip': ['max_conns_per_ip', 1], 'conn-rate': ['conn_rate', 1], 'conn-burst': ['conn_burst', 1],
		'header-timeout': ['header_timeout', 1], 'msg-rate': ['msg_rate', 1], 'msg-burst': ['msg_burst', 1],
		'session-hours': ['session_hours', 1], 'abandon-secs': ['abandon_secs', 1], 'transfer-timeout-secs': ['transfer_timeout_secs', 1], 'block-hour-secs': ['block_hour_secs', 1],
		'tidy-minute-secs': ['tidy_minute_secs', 1], 'max-image-mb': ['image_bytes', MiB],
		'max-file-mb': ['file_bytes', MiB], 'max-image-megapixels': ['image_pixels', 1e6], 'upload-rate': ['upload_rate', 1],
		'upload-burst': ['upload_burst', 1], 'turn-ttl': ['turn_ttl', 1], 'share-invite-secs': ['share_invite_secs', 1],
		'share-frame-secs': ['share_frame_secs', 1], 'manage-grace-hours': ['manage_grace_hours', 1],
		'ping-secs': ['ws_ping_secs', 1], 'idle-close-secs': ['ws_hangup_secs', 1],
		'purge-interval-secs': ['purge_interval_secs', 1], 'staff-room-keep-secs': ['staff_room_keep_secs', 1],
		'smtp-attempts': ['smtp_attempts', 1], 'smtp-retry-secs': ['smtp_retry_secs', 1],
		'followup-keep-days': ['followup_keep_days', 1],
	};
	const usage = (await runBinary(['--help'])).stdout;
	// One block per option: its line and the indented lines that continue it.
	const blocks = usage.split(/\n(?=  --)/).filter((b) => b.startsWith('  --'));
	const seen = [];
	for (const block of blocks) {
		const option = /^ {2}--([a-z-]+)/.exec(block)[1];
		const stated = /\(default ([\d.]+)[);]/.exec(block.replace(/\s+/g, ' '));
		if (!stated)
			continue;
		assert.ok(option in OPTION_LIMIT, `--${option} states a default that no limit is checked against`);
		const [name, k] = OPTION_LIMIT[option];
		assert.equal(Number(stated[1]) * k, limits[name], `--help: --${option} (default ${stated[1]}); refdesk limits ${name}`);
		seen.push(option);
	}
	assert.deepEqual(seen.sort(), Object.keys(OPTION_LIMIT).sort(), 'every option with a limit states its default');
});

test("the pages' copies of the limits (web/shared/text.js) are the server's", () => {
	assert.equal(MAX_TEXT, limits.text_chars);
	assert.equal(MAX_NAME, limits.name_chars);
	assert.equal(MAX_INVITATION, limits.share_text_chars);
});

test("the box's name fields take no more than the server's name limit", () => {
	const html = fs.readFileSync(path.join(repoRoot, 'web/widget/box.html'), 'utf8');
	for (const id of ['guest-name', 'question-name']) {
		const tag = html.match(new RegExp(`<input[^>]*id="${id}"[^>]*>`))?.[0];
		assert.ok(tag, `the field #${id}`);
		assert.equal(Number(tag.match(/maxlength="(\d+)"/)?.[1]), limits.name_chars, tag);
	}
});
