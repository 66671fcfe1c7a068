// `node src/cli.ts generate [--out DIR]`: writes the rules, dashboards and provisioning files (default: into the
// repository). An invalid config prints every problem and exits 2.
import { REPO_ROOT, renderAll, writeAll } from './generate.ts';

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command !== 'generate') {
    process.stderr.write('usage: foursignals-dashboards generate [--out DIR]\n');
    return 2;
  }
  const outIndex = rest.indexOf('--out');
  const out = outIndex >= 0 ? rest[outIndex + 1] : REPO_ROOT;
  if (!out) {
    process.stderr.write('--out needs a directory\n');
    return 2;
  }
  let files: Map<string, string>;
  try {
    files = renderAll(REPO_ROOT);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  for (const path of writeAll(out, files)) process.stdout.write(`wrote ${path}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
