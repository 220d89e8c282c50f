// Rendering a CompareReport: a terminal table with diffs, JSON, and a self-contained HTML page.
import type { CaseReport, CompareReport, SeedReport } from './compare.js';
import type { Verdict } from './diff.js';

const LABEL: Record<Verdict, string> = {
  identical: 'identical',
  different: 'DIFFERENT',
  'legacy-only-failed': 'LEGACY ONLY FAILED',
  'wasm-only-failed': 'WASM ONLY FAILED',
  error: 'ERROR',
  skipped: 'skipped',
};

function seedSummary(c: CaseReport): string {
  const ran = c.seeds.filter((s) => s.verdict !== 'skipped');
  const same = ran.filter((s) => s.verdict === 'identical').length;
  const skipped = c.seeds.length - ran.length;
  return `${same}/${ran.length}${skipped ? ` (+${skipped} skipped)` : ''}`;
}

/** What failed, briefly: the exception both (or one) sides ended with. */
function outcomeSummary(c: CaseReport): string {
  const s = c.seeds.find((x) => x.verdict !== 'identical' && x.verdict !== 'skipped') ?? c.seeds.find((x) => x.verdict !== 'skipped');
  if (!s || !s.legacy || !s.wasm) return '';
  const side = (r: NonNullable<SeedReport['legacy']>): string => r.error ? `runner error` : r.ok ? 'ok' : (r.exception ?? `status ${r.status}`);
  const l = side(s.legacy);
  const w = side(s.wasm);
  return l === w ? l : `legacy: ${l} | wasm: ${w}`;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - [...s].length));
}

export function renderTable(r: CompareReport, opts: { diffs?: boolean; maxDiffLines?: number; width?: number } = {}): string {
  const width = opts.width ?? 200;
  const rows = r.cases.map((c) => [LABEL[c.verdict], c.id, seedSummary(c), truncate(outcomeSummary(c), 56),
    c.notes.map((n) => n.id).join(', ')]);
  const head = ['RESULT', 'CASE', 'SEEDS SAME', 'OUTCOME', 'KNOWN PLATFORM DIFFERENCES'];
  const idWidth = Math.min(60, Math.max(head[1]!.length, ...rows.map((x) => [...x[1]!].length)));
  for (const row of rows) row[1] = truncate(row[1]!, idWidth);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => [...x[i]!].length)));
  const line = (cells: string[]): string => truncate(cells.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd(), width);
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const s = r.summary;
  out.push('', `${s.total} cases: ${s.identical} identical, ${s.different} different, ${s.wasmOnlyFailed} failed only in wasm, ` +
    `${s.legacyOnlyFailed} failed only natively, ${s.errors} errors${s.skipped ? `, ${s.skipped} skipped` : ''}` +
    `${s.withPlatformNotes ? ` (${s.withPlatformNotes} with known platform differences flagged)` : ''}; seeds ${r.seeds.join(',')}; legacy python ${r.python}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  if (opts.diffs !== false) {
    const maxLines = opts.maxDiffLines ?? 40;
    for (const c of r.cases) {
      if (c.verdict === 'identical' || c.verdict === 'skipped') continue;
      const s0 = c.seeds.find((x) => x.verdict !== 'identical' && x.verdict !== 'skipped')!;
      out.push('', `== ${LABEL[c.verdict]}: ${c.id} (seed ${s0.seed}${s0.legacyNondeterministic ? '; legacy side is nondeterministic' : ''})`);
      for (const n of c.notes) out.push(`   known platform difference [${n.id}]: ${n.text}`);
      const lines = s0.diff.split('\n');
      out.push(...lines.slice(0, maxLines).map((l) => '   ' + l));
      if (lines.length > maxLines) out.push(`   ... ${lines.length - maxLines} more lines (see --json / --html)`);
    }
  }
  return out.join('\n') + '\n';
}

export function renderJson(r: CompareReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function diffHtml(diff: string): string {
  return diff.split('\n').map((l) => {
    const cls = l.startsWith('+++') || l.startsWith('---') ? 'hd' : l.startsWith('@@') ? 'hk' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : '';
    return `<span class="${cls}">${esc(l)}</span>`;
  }).join('\n');
}

function sideHtml(name: string, s: SeedReport['legacy']): string {
  if (!s) return '';
  const rows: [string, string][] = [
    ['status', String(s.status)],
    ['wall ms', s.wallMs.toFixed(1)],
  ];
  if (s.fuel !== undefined) rows.push(['fuel', String(s.fuel)]);
  if (s.limitHit) rows.push(['limit hit', s.limitHit]);
  if (s.error) rows.push(['runner error', s.error]);
  const blocks = [s.ok ? ['globals', s.globals ?? ''] : ['exception', s.emsg ?? ''], ['stderr', s.stderr]]
    .filter(([, v]) => v)
    .map(([k, v]) => `<div class="k">${esc(k!)}</div><pre>${esc(v!)}</pre>`).join('');
  return `<div class="side"><h4>${esc(name)}</h4><table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>${blocks}</div>`;
}

export function renderHtml(r: CompareReport): string {
  const s = r.summary;
  const css = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}table.sum{border-collapse:collapse;margin:1em 0}table.sum td,table.sum th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
.v{font-weight:600;padding:.1em .4em;border-radius:3px;white-space:nowrap}.v-identical{background:#d9f2d9}.v-skipped{background:#eee}
.v-different{background:#ffe0b3}.v-legacy-only-failed,.v-wasm-only-failed,.v-error{background:#ffc2c2}
pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:30em;white-space:pre-wrap;word-break:break-all}
.add{color:#0a6b0a;background:#e6ffe6}.del{color:#a00;background:#ffe6e6}.hk{color:#06c}.hd{color:#666;font-weight:600}
.sides{display:flex;gap:1em}.side{flex:1;min-width:0}.k{font-weight:600;margin-top:.5em}.note{color:#8a5a00}
details{margin:.4em 0;border:1px solid #ddd;padding:.3em .6em;border-radius:4px}summary{cursor:pointer}`;
  const rows = r.cases.map((c, i) => `<tr><td><span class="v v-${c.verdict}">${esc(LABEL[c.verdict])}</span></td>` +
    `<td><a href="#c${i}">${esc(c.id)}</a></td><td>${esc(seedSummary(c))}</td><td>${esc(outcomeSummary(c))}</td>` +
    `<td>${c.notes.map((n) => `<span class="note" title="${esc(n.text)}">${esc(n.id)}</span>`).join(', ')}</td></tr>`).join('\n');
  const details = r.cases.map((c, i) => {
    const seeds = c.seeds.map((sd) => {
      const body = sd.skipped ? `<p>skipped: ${esc(sd.skipped)}</p>`
        : `${sd.diff ? `<pre class="diff">${diffHtml(sd.diff)}</pre>` : '<p>identical</p>'}` +
          `${sd.legacyNondeterministic ? '<p class="note">The legacy side gave a different result on a second run.</p>' : ''}` +
          `<div class="sides">${sideHtml('legacy (native)', sd.legacy)}${sideHtml('wasm', sd.wasm)}</div>`;
      return `<details${sd.verdict !== 'identical' && sd.verdict !== 'skipped' ? ' open' : ''}><summary>seed ${sd.seed}: <span class="v v-${sd.verdict}">${esc(LABEL[sd.verdict])}</span></summary>${body}</details>`;
    }).join('\n');
    const notes = c.notes.length ? `<ul>${c.notes.map((n) => `<li class="note"><b>${esc(n.id)}</b>: ${esc(n.text)}</li>`).join('')}</ul>` : '';
    return `<section id="c${i}"><h3><span class="v v-${c.verdict}">${esc(LABEL[c.verdict])}</span> ${esc(c.id)}</h3>` +
      `<p>source ${esc(c.source)} · ${esc(c.kind)}${c.capa ? ' · capa prolog' : ''}</p>${notes}${seeds}</section>`;
  }).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>codejail-wasm compare report</title><style>${css}</style></head>
<body><h1>codejail-wasm compare: legacy (native CPython) vs wasm</h1>
<p>${s.total} cases: ${s.identical} identical, ${s.different} different, ${s.wasmOnlyFailed} failed only in wasm, ${s.legacyOnlyFailed} failed only natively, ${s.errors} errors, ${s.skipped} skipped.
Seeds ${esc(r.seeds.join(', '))}; legacy python ${esc(r.python)}; limits ${esc(JSON.stringify(r.limits))}; generated ${esc(r.generatedAt)}.
Jail directory names are normalised to /tmp/codejail-XXXXXXXX on both sides.</p>
${r.warnings.length ? `<ul>${r.warnings.map((w) => `<li class="note">${esc(w)}</li>`).join('')}</ul>` : ''}
<table class="sum"><tr><th>result</th><th>case</th><th>seeds same</th><th>outcome</th><th>known platform differences</th></tr>
${rows}</table>
${details}
</body></html>
`;
}
