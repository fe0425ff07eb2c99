// Small SVG plots drawn here (no library): horizontal bars for counts by category, and a time series with
// threshold lines. Each plot has a <title>/<desc> and is followed by the same numbers as a table, so a screen
// reader (or a person who would rather read) gets them too.

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Horizontal bars: items are {label, value, tone}; the longest bar is the largest value. Returns an <svg role="img">.
 */
export function bars(title, items, {width = 560, unit = ''} = {}) {
  const row = 26, labelW = 150, valueW = 70;
  const height = Math.max(row * items.length + 8, 40);
  const max = Math.max(1, ...items.map((i) => i.value));
  const svg = s('svg', {viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', class: 'plot bars'});
  svg.append(s('title', {}, title),
    s('desc', {}, items.map((i) => `${i.label}: ${i.value}${unit}`).join('; ')));
  items.forEach((item, k) => {
    const y = 4 + k * row;
    const w = Math.round(((width - labelW - valueW) * item.value) / max);
    svg.append(s('text', {x: labelW - 8, y: y + 16, 'text-anchor': 'end', class: 'label'}, item.label),
      s('rect', {x: labelW, y: y + 3, width: Math.max(item.value > 0 ? 2 : 0, w), height: row - 8, rx: 2, class: `bar ${item.tone || ''}`}),
      s('text', {x: labelW + w + 6, y: y + 16, class: 'value'}, `${item.value}${unit}`));
  });
  return svg;
}

/**
 * A time series: points are {t: Date, v: number}; thresholds are {value, label, tone} drawn as dashed lines with
 * their label, so "is this over the line?" is answered at a glance. The y axis starts at 0 and reaches the larger of
 * the data and the highest threshold.
 */
export function series(title, points, {thresholds = [], width = 560, height = 180, format = (v) => String(v), from, to} = {}) {
  const left = 56, right = 110, top = 10, bottom = 26;
  const svg = s('svg', {viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', class: 'plot series'});
  const last = points.length ? points[points.length - 1] : null;
  svg.append(s('title', {}, title), s('desc', {}, last
    ? `${points.length} points from ${points[0].t.toISOString()} to ${last.t.toISOString()}; last ${format(last.v)}; `
      + thresholds.map((t) => `${t.label} at ${format(t.value)}`).join(', ')
    : 'no data yet'));
  const plotW = width - left - right, plotH = height - top - bottom;
  const ymax = Math.max(...points.map((p) => p.v), ...thresholds.map((t) => t.value), 1e-9) * 1.1;
  // the x axis spans the asked window (from, to) when given, so a rate measured only lately sits at the right
  const t0 = from ? from.getTime() : points.length ? points[0].t.getTime() : 0;
  const t1 = Math.max(to ? to.getTime() : points.length ? points[points.length - 1].t.getTime() : 1, t0 + 1);
  const x = (t) => left + ((t.getTime() - t0) / (t1 - t0)) * plotW;
  const y = (v) => top + plotH - (v / ymax) * plotH;
  svg.append(s('line', {x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, class: 'axis'}),
    s('line', {x1: left, y1: top, x2: left, y2: top + plotH, class: 'axis'}),
    s('text', {x: left - 6, y: top + plotH, 'text-anchor': 'end', class: 'tick'}, format(0)),
    s('text', {x: left - 6, y: top + 10, 'text-anchor': 'end', class: 'tick'}, format(ymax / 1.1)));
  for (const t of thresholds) {
    svg.append(s('line', {x1: left, y1: y(t.value), x2: left + plotW, y2: y(t.value), class: `threshold ${t.tone || ''}`}),
      s('text', {x: left + plotW + 6, y: y(t.value) + 4, class: `tick ${t.tone || ''}`}, `${t.label} ${format(t.value)}`));
  }
  if (points.length) {
    const hhmm = (d) => d.toISOString().slice(11, 16);
    svg.append(s('text', {x: left, y: height - 6, class: 'tick'}, hhmm(new Date(t0))),
      s('text', {x: left + plotW, y: height - 6, 'text-anchor': 'end', class: 'tick'}, `${hhmm(new Date(t1))} UTC`));
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    svg.append(s('path', {d, class: 'line'}));
    for (const p of points) svg.append(s('circle', {cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 2.5, class: 'dot'}));
  } else {
    svg.append(s('text', {x: left + plotW / 2, y: top + plotH / 2, 'text-anchor': 'middle', class: 'tick'}, 'no data yet'));
  }
  return svg;
}
