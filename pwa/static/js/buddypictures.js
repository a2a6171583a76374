// The pictures of "about me": what a young person likes and what helps on a
// hard day, drawn for Heard as simple strokes (24×24, currentColor), so they
// cost a few bytes and take the theme's colours and large text.

const SVG = 'http://www.w3.org/2000/svg';

const PAW = [['circle', { cx: 7, cy: 9, r: 2 }], ['circle', { cx: 12, cy: 6, r: 2 }], ['circle', { cx: 17, cy: 9, r: 2 }], ['path', { d: 'M8 17c0-3 2-5 4-5s4 2 4 5c0 2-2 3-4 3s-4-1-4-3z' }]];
const NOTE = [['path', { d: 'M9 18V5l10-2v13' }], ['circle', { cx: 6, cy: 18, r: 3 }], ['circle', { cx: 16, cy: 16, r: 3 }]];
const PENCIL = [['path', { d: 'M4 20l4-1 11-11-3-3L5 16z' }], ['path', { d: 'M14 7l3 3' }]];

const PICTURES = {
  music: NOTE,
  football: [['circle', { cx: 12, cy: 12, r: 9 }], ['path', { d: 'M12 8l3.5 2.5-1.3 4h-4.4l-1.3-4zM12 3v5M3.5 10l5 .5M20.5 10l-5 .5M7 19.5l2.8-5M17 19.5l-2.8-5' }]],
  sport: [['path', { d: 'M8 4h8v5a4 4 0 0 1-8 0zM12 13v4M8 20h8M8 6H5a3 3 0 0 0 3 4M16 6h3a3 3 0 0 1-3 4' }]],
  gaming: [['rect', { x: 3, y: 8, width: 18, height: 10, rx: 5 }], ['path', { d: 'M7 13h4M9 11v4' }], ['circle', { cx: 15.5, cy: 12, r: 1 }], ['circle', { cx: 17.5, cy: 14.5, r: 1 }]],
  art: [['path', { d: 'M12 3a9 9 0 1 0 0 18c1.5 0 2-1 2-2s-1-2 0-3 2-1 3-1a4 4 0 0 0 4-4c0-4.5-4-8-9-8z' }], ['circle', { cx: 7.5, cy: 11, r: 1.2 }], ['circle', { cx: 10, cy: 7, r: 1.2 }], ['circle', { cx: 15, cy: 7.5, r: 1.2 }]],
  drawing: PENCIL,
  dancing: [['circle', { cx: 12, cy: 4, r: 2 }], ['path', { d: 'M12 6v7l-4 7M12 13l4 7M5 10l7-2 6-4' }]],
  cooking: [['path', { d: 'M4 11h16v2a7 7 0 0 1-7 7h-2a7 7 0 0 1-7-7zM2 11h20M9 4c0 2 2 2 2 4M14 4c0 2 2 2 2 4' }]],
  animals: PAW,
  films: [['rect', { x: 3, y: 7, width: 18, height: 13, rx: 2 }], ['path', { d: 'M3 11h18M3 7l3-3M9 7l3-3M15 7l3-3' }]],
  reading: [['path', { d: 'M3 5h6a3 3 0 0 1 3 3v12a2 2 0 0 0-2-2H3zM21 5h-6a3 3 0 0 0-3 3v12a2 2 0 0 1 2-2h7z' }]],
  nature: [['path', { d: 'M12 21v-9M12 15l-3-2M12 13l3-2M12 3c4 2 6 6 5 10H7C6 9 8 5 12 3z' }]],
  making: [['path', { d: 'M14 4l6 6-3 3-6-6zM12 8l-8 8 4 4 8-8' }]],
  phones: [['rect', { x: 7, y: 3, width: 10, height: 18, rx: 2 }], ['path', { d: 'M11 18h2' }]],
  fashion: [['path', { d: 'M9 4L3 7l2 4 3-1v10h8V10l3 1 2-4-6-3a3 3 0 0 1-6 0z' }]],
  swimming: [['circle', { cx: 17, cy: 7, r: 2 }], ['path', { d: 'M4 13l5-5 4 4M2 17c2 0 2-1.5 4-1.5s2 1.5 4 1.5 2-1.5 4-1.5 2 1.5 4 1.5 2-1 4-1M2 21c2 0 2-1.5 4-1.5s2 1.5 4 1.5 2-1.5 4-1.5 2 1.5 4 1.5 2-1 4-1' }]],
  quiet_space: [['path', { d: 'M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z' }]],
  talk_to_someone: [['path', { d: 'M3 5h12v8H8l-4 3v-3H3zM18 9h3v8h-1v3l-3-3h-5v-2' }]],
  walk: [['circle', { cx: 13, cy: 4, r: 2 }], ['path', { d: 'M13 7l-3 6 3 3v5M10 13l-3 2v5M13 9l4 3' }]],
  tv: [['rect', { x: 3, y: 7, width: 18, height: 12, rx: 2 }], ['path', { d: 'M8 22h8M9 3l3 4 3-4' }]],
  food: [['path', { d: 'M12 8c-3-2-8-1-8 5s4 8 6 8c1 0 1.5-.5 2-.5s1 .5 2 .5c2 0 6-2 6-8s-5-7-8-5zM12 8c0-2 1-4 3-5' }]],
  sleep: [['path', { d: 'M3 19V7M3 15h18v4M21 15a3 3 0 0 0-3-3h-7v3' }], ['circle', { cx: 7, cy: 12, r: 1.8 }]],
  pet: PAW,
  alone_time: [['circle', { cx: 12, cy: 8, r: 3 }], ['path', { d: 'M6 20c0-3.3 2.7-6 6-6s6 2.7 6 6M4 9a8 8 0 0 1 16 0' }]],
};

/** The picture for a code, decorative (its word is shown beside it). */
export function pictureIcon(code) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'bd-pic-svg');
  for (const [tag, attrs] of PICTURES[code] || []) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}
