// uploads.js: sending snapshots and files into a chat's transcript.
//
// send() adds a pending item to the Transcript (with a local preview of an
// image), posts the file with upload_client.js and follows its progress;
// the HTTP ack settles the item like a message's ack, and the event that
// comes over the WebSocket (same cid) fills in the server's thumbnail.
// A failed upload stays in the transcript with the reason; one that may
// pass later can be tried again — with the same client id, so the server
// stores it once — or removed. The File stays in memory for that (a file
// cannot be kept across a reload as a message's text is).

import { checkUpload, uploadErrorText, uploadHeaders, uploadUrl } from './attachments.js';
import { uploadWithRetry } from './upload_client.js';
import { newId } from './text.js';

export class Uploads {
  /**
   * credentials() returns the extra headers proving who we are
   * ({ Authorization } for a guest, { 'X-CSRF-Token' } for an operator);
   * onChange() redraws; `from` is 'guest' or 'operator'.
   */
  constructor({ credentials, onChange, from }) {
    this.credentials = credentials;
    this.onChange = onChange;
    this.from = from;
    this.jobs = new Map(); // cid -> { chat, kind, file, alt, preview }
  }

  /**
   * Upload `file` into `chat`, shown in `transcript`. `kind` is 'image' or
   * 'file'; `alt` the description typed for an image; `operatorId` the
   * signed-in operator's id on an operator's page. Returns
   * { ok, message } — not ok when the file is refused before sending.
   */
  send(transcript, chat, { kind, file, alt = '', name = null, operatorId = null }) {
    const check = checkUpload(file, kind);
    if (!check.ok) return check;
    const cid = newId(this.from === 'guest' ? 'gu' : 'ou');
    const preview = kind === 'image' ? URL.createObjectURL(file) : null;
    this.jobs.set(cid, { chat, kind, file, alt, preview, transcript });
    transcript.addPendingUpload({ cid, kind: kind === 'image' ? 'snapshot' : 'file', from: this.from, operatorId, name,
      fileName: file.name, mime: file.type || 'application/octet-stream', size: file.size, preview, alt });
    this.onChange();
    this.post(cid);
    return check;
  }

  async post(cid) {
    const job = this.jobs.get(cid);
    if (!job) return;
    const { transcript } = job;
    const headers = { ...uploadHeaders({ kind: job.kind, cid, name: job.file.name, alt: job.alt, type: job.file.type }),
      ...this.credentials() };
    let shown = 0;
    const result = await uploadWithRetry({
      url: uploadUrl(job.chat),
      body: job.file,
      headers,
      onProgress: (f) => {
        // Whole steps of 5 % are plenty for eyes and for screen readers.
        const step = Math.floor(f * 20) / 20;
        if (step === shown) return;
        shown = step;
        if (transcript.setProgress(cid, step)) this.onChange();
      },
    });
    if (result.ok) {
      transcript.ack(cid, result.data.seq);
    } else {
      const { text, retry } = uploadErrorText(result.status, result.error?.code);
      transcript.fail(cid, text, { retryable: retry });
    }
    this.sweep(transcript);
    this.onChange();
  }

  /** Try a failed upload again (same client id). */
  retry(transcript, item) {
    if (!this.jobs.has(item.cid) || !transcript.retry(item.cid)) return;
    this.onChange();
    this.post(item.cid);
  }

  /** Give up a failed upload. */
  discard(transcript, item) {
    const job = this.jobs.get(item.cid);
    if (job?.preview) URL.revokeObjectURL(job.preview);
    this.jobs.delete(item.cid);
    transcript.remove(item.cid);
    this.onChange();
  }

  /**
   * Let go of uploads that are done: once the server's event has replaced
   * the local preview, its blob: URL is revoked and the File released.
   */
  sweep(transcript) {
    for (const [cid, job] of this.jobs) {
      if (job.transcript !== transcript) continue;
      const item = transcript.byCid.get(cid);
      if (!item) continue;
      if (item.state === 'sent' && (item.blob || job.kind === 'file')) {
        if (job.preview && item.blob) URL.revokeObjectURL(job.preview);
        this.jobs.delete(cid);
      }
    }
  }

  /** Forget every upload (the chat was left); revoke their previews. */
  reset() {
    for (const job of this.jobs.values()) if (job.preview) URL.revokeObjectURL(job.preview);
    this.jobs.clear();
  }
}
