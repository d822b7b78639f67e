/**
 * The demo page: a <video> that seeks every `seekMs` ms (positions seeded by `seed`) and an
 * EventSource, with their state on screen and in `window.h2race` (the browser test reads it). The video is /video.mp4 when the
 * origin was given a real file, otherwise the deterministic /video (which does not decode, but
 * still drives the same Range requests and cancels).
 */
import type { DemoResponse } from '../types.js';

export function servePage(res: DemoResponse, hasVideoFile: boolean): void {
  const html = PAGE.replace('__VIDEO_SRC__', hasVideoFile ? '/video.mp4' : '/video');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>h2race demo</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; background: #fafafa; color: #222; }
video { width: 480px; background: #000; display: block; }
#state { font-family: ui-monospace, monospace; white-space: pre; margin-top: 1em; }
</style>
</head>
<body>
<h1>h2race demo</h1>
<p>A video that seeks (each seek cancels the in-flight Range request) beside an SSE stream on the
same HTTP/2 connection. Through a safe pooling mode the ticks never stop.</p>
<video id="video" src="__VIDEO_SRC__" muted autoplay loop playsinline preload="auto"></video>
<div id="state"></div>
<script>
const params = new URLSearchParams(location.search);
const seekMs = Number(params.get('seekMs') || 0);
// Seeded (mulberry32, ?seed=), so a test sees the same seek positions every run.
let seed = Number(params.get('seed') || 1) >>> 0;
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const state = window.h2race = {
  sseEvents: 0, sseErrors: 0, sseOpens: 0, lastEventId: null, badEvents: 0,
  videoErrors: [], seeks: 0, currentTimes: [], log: [],
};
function note(msg) { state.log.push(new Date().toISOString().slice(11, 23) + ' ' + msg); }
const es = new EventSource('/events');
es.onopen = () => { state.sseOpens++; note('sse open'); };
es.onmessage = (e) => {
  const id = Number(e.lastEventId);
  if (!e.data.startsWith('tick ' + id + ' ')) state.badEvents++;
  state.sseEvents++; state.lastEventId = id;
};
es.onerror = () => { state.sseErrors++; note('sse error (readyState ' + es.readyState + ')'); };
const video = document.getElementById('video');
video.addEventListener('error', () => {
  const err = video.error;
  state.videoErrors.push(err ? err.code + ' ' + err.message : 'unknown');
  note('video error ' + (err ? err.message : ''));
});
setInterval(() => {
  state.currentTimes.push(video.currentTime);
  if (state.currentTimes.length > 200) state.currentTimes.shift();
}, 200);
if (seekMs > 0) {
  setInterval(() => {
    if (!(video.duration > 0)) return;
    video.currentTime = random() * video.duration * 0.9;
    state.seeks++;
  }, seekMs);
}
setInterval(() => {
  document.getElementById('state').textContent =
    'SSE events ' + state.sseEvents + ' (last id ' + state.lastEventId + '), errors ' + state.sseErrors +
    '\\nvideo t=' + video.currentTime.toFixed(2) + ' seeks ' + state.seeks + ' errors ' + state.videoErrors.length +
    '\\n' + state.log.slice(-8).join('\\n');
}, 250);
</script>
</body>
</html>
`;
