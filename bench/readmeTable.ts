// Puts the table of the last `npm run bench` (bench/results.json) into README.md, between the
// markers <!-- bench:begin --> and <!-- bench:end -->, with the run's date, machine and load.
//
//   node dist/bench/readmeTable.js [results.json] [README.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const resultsPath = process.argv[2] ?? `${root}bench/results.json`;
const readmePath = process.argv[3] ?? `${root}README.md`;
const r = JSON.parse(readFileSync(resultsPath, 'utf8')) as {
  generatedAt: string; markdown: string;
  environment: { cores: number; node: string; loadavgAtStart: number[]; loadavgAtEnd: number[]; workers: number };
};
const e = r.environment;
const block = [
  '<!-- bench:begin -->',
  `From \`bench/results.json\` (${r.generatedAt.slice(0, 10)}; ${e.cores} cores, Node ${e.node}, load average ${e.loadavgAtStart[0]} at the start and ${e.loadavgAtEnd[0]} at the end; regenerate with \`npm run bench && node dist/bench/readmeTable.js\`):`,
  '',
  r.markdown,
  '<!-- bench:end -->',
].join('\n');
const readme = readFileSync(readmePath, 'utf8');
const begin = readme.indexOf('<!-- bench:begin -->');
const end = readme.indexOf('<!-- bench:end -->');
if (begin < 0 || end < begin) throw new Error(`${readmePath} has no <!-- bench:begin --> ... <!-- bench:end --> section`);
writeFileSync(readmePath, readme.slice(0, begin) + block + readme.slice(end + '<!-- bench:end -->'.length));
console.log(`README.md: benchmark table from ${r.generatedAt}`);
