// The two drawings: a download's piece map and its rate over the last minutes. Both canvases
// keep a fixed size, so updates never move the layout.

/** Colours of piece states: missing, in flight, done (sender unknown), then one per seeder. */
export const MISSING_COLOUR = "#d9dde3";
export const IN_FLIGHT_COLOUR = "#f0a500";
export const DONE_COLOUR = "#2f6f4f";
export const SOURCE_COLOURS = ["#1f77b4", "#9467bd", "#17becf", "#d62728", "#8c564b", "#e377c2"];

/** The colour of one piece state value (see piece_runs.ts). */
export function colourOf(value) {
  if (value === 0) return MISSING_COLOUR;
  if (value === 1) return IN_FLIGHT_COLOUR;
  if (value === 2) return DONE_COLOUR;
  return SOURCE_COLOURS[(value - 3) % SOURCE_COLOURS.length];
}

/** Size a canvas's backing store to its CSS size (sharp on high-density screens). */
function prepare(canvas) {
  const ratio = globalThis.devicePixelRatio || 1;
  const width = canvas.clientWidth || 300;
  const height = canvas.clientHeight || 60;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { context, width, height };
}

/**
 * Draw every piece as a cell in rows, left to right.
 *
 * @param {HTMLCanvasElement} canvas
 * @param {Uint8Array} states
 */
export function drawPieceMap(canvas, states) {
  const { context, width, height } = prepare(canvas);
  context.clearRect(0, 0, width, height);
  const count = states.length;
  if (count === 0) return;
  // The largest square cells that fit all pieces in the canvas.
  let side = Math.max(1, Math.floor(Math.sqrt((width * height) / count)));
  while (side > 1 && Math.floor(width / side) * Math.floor(height / side) < count) side--;
  const perRow = Math.max(1, Math.floor(width / side));
  const gap = side >= 6 ? 1 : 0;
  for (let index = 0; index < count; index++) {
    context.fillStyle = colourOf(states[index]);
    const x = (index % perRow) * side;
    const y = Math.floor(index / perRow) * side;
    context.fillRect(x, y, side - gap, side - gap);
  }
}

/**
 * Draw a rate history (bytes per second, one point a second) as a filled line.
 *
 * @param {HTMLCanvasElement} canvas
 * @param {number[]} history
 * @param {number} points how many seconds the width stands for
 */
export function drawRateGraph(canvas, history, points) {
  const { context, width, height } = prepare(canvas);
  context.clearRect(0, 0, width, height);
  context.strokeStyle = "#c5cbd3";
  context.strokeRect(0.5, 0.5, width - 1, height - 1);
  if (history.length < 2) return;
  const top = Math.max(...history, 1);
  const step = width / Math.max(points - 1, 1);
  const start = width - (history.length - 1) * step;
  context.beginPath();
  context.moveTo(start, height);
  history.forEach((rate, i) =>
    context.lineTo(start + i * step, height - (rate / top) * (height - 4))
  );
  context.lineTo(width, height);
  context.closePath();
  context.fillStyle = "rgba(31, 119, 180, 0.25)";
  context.fill();
  context.strokeStyle = "#1f77b4";
  context.beginPath();
  history.forEach((rate, i) => {
    const x = start + i * step;
    const y = height - (rate / top) * (height - 4);
    if (i === 0) context.moveTo(x, y);
    else context.lineTo(x, y);
  });
  context.stroke();
}
