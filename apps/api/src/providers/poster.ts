const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

/** Breaks a prompt into lines of about `width` characters for the poster. */
function wrap(text: string, width: number, maxLines: number) {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if ((line + word).length > width && line) {
      lines.push(line.trim());
      line = '';
    }
    line += `${word} `;
  }
  if (line.trim()) lines.push(line.trim());
  return lines.slice(0, maxLines);
}

/**
 * What a simulated video "is": a poster (SVG, any browser shows it) with the task's prompt, the
 * model and, when known, the task's number in its batch.
 */
export function simulatorPoster(video: {
  prompt: string;
  model: string;
  size: string | undefined;
  batchIndex?: number | undefined;
}): string {
  const [w, h] = (video.size ?? '1280x720').split('x').map(Number) as [number, number];
  const lines = wrap(video.prompt, Math.max(20, Math.round(w / 28)), 6)
    .map((text, i) => `<tspan x="50%" dy="${i === 0 ? 0 : 1.3}em">${escapeXml(text)}</tspan>`)
    .join('');
  const footer = ['Batchreel simulator', escapeXml(video.model)]
    .concat(video.batchIndex === undefined ? [] : [`video #${video.batchIndex}`])
    .join(' · ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1e3a8a"/><stop offset="1" stop-color="#7c3aed"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#g)"/>
<polygon points="${w / 2 - 40},${h * 0.28 - 45} ${w / 2 - 40},${h * 0.28 + 45} ${w / 2 + 50},${h * 0.28}" fill="#ffffff" opacity="0.85"/>
<text x="50%" y="${h * 0.5}" fill="#ffffff" font-family="sans-serif" font-size="${Math.round(w / 32)}" text-anchor="middle">${lines}</text>
<text x="50%" y="${h - 40}" fill="#c7d2fe" font-family="sans-serif" font-size="${Math.round(w / 60)}" text-anchor="middle">${footer}</text>
</svg>`;
}
