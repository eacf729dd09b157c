// The header's downloads: the view shown as a PNG, and the last run as CSV (every path) or JSON
// (the request and the engine's full answer).
import * as S from './state.js';
import { $ } from './page.js';

/* global Plotly */

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function exportPng(app) {
  const gd = $(app.state.view);
  Plotly.downloadImage(gd, { format: 'png', filename: `descent-${app.state.view}`, width: gd.clientWidth, height: gd.clientHeight });
}

export function wireExports(app) {
  $('export-png').addEventListener('click', () => exportPng(app));
  $('export-csv').addEventListener('click', () => app.run && download('descent-run.csv', 'text/csv', S.runToCsv(app.run)));
  $('export-json').addEventListener('click', () => app.run &&
    download('descent-run.json', 'application/json', JSON.stringify({ request: app.runRequest, response: app.run }, null, 2)));
}
