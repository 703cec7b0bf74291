// box_transcript.js: the box's Save transcript button, loaded on its first click.
//
// The file is made here, in the guest's browser, from the transcript the
// box already holds (transcript_file.js builds it): no route on the server
// hands transcripts out. The snapshots' thumbnails are fetched as the
// transcript view fetches them — the chat token in an Authorization
// header, never in a URL — and put into the file as data: URIs; a
// thumbnail that cannot be fetched is named in the file instead. The file
// is handed to the browser as a download (a blob: URL with <a download>).

import { blobUrl } from '../shared/attachments.js';
import { buildTranscriptFile, transcriptFileName } from './transcript_file.js';
import { language } from '../shared/i18n.js';

/** The bytes of `blob` as a data: URI. */
function dataUri(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * Thumbnails of the stored snapshots among `items`, as a Map of hash ->
 * data: URI; `auth` is { chat, token }. Failures are left out.
 */
async function fetchThumbnails(items, auth) {
  const hashes = new Set(items.filter((i) => i.kind === 'snapshot' && i.seq !== null && (i.thumb || i.blob))
    .map((i) => i.thumb || i.blob));
  const images = new Map();
  await Promise.all([...hashes].map(async (hash) => {
    try {
      const res = await fetch(blobUrl(auth.chat, hash), { headers: { Authorization: `Bearer ${auth.token}` },
        cache: 'default', credentials: 'omit' });
      if (!res.ok) return;
      images.set(hash, await dataUri(await res.blob()));
    } catch {
      // Offline or refused: the file says the picture could not be included.
    }
  }));
  return images;
}

/**
 * Build the transcript file of the chat `auth` ({ chat, token }) whose
 * items and guest label are in `transcript`, under the queue's `title`,
 * and download it. Resolves to the file's name.
 */
export async function saveTranscript({ transcript, auth, title }) {
  const items = transcript.items.slice();
  const images = await fetchThumbnails(items, auth);
  const savedAt = Date.now();
  const html = buildTranscriptFile({ title, items, guestLabel: transcript.guestLabel, images, savedAt,
    // English keeps the file's own default (en-GB dates); other languages write theirs.
    locale: language().lang === 'en' ? undefined : language().lang });
  const name = transcriptFileName(items, { savedAt });
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // The browser has taken the bytes once the download starts.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}
