import { spawnSync } from 'node:child_process';

/** Debian packages not yet installed (dpkg says so). */
export function missingPackages(names: readonly string[]): string[] {
  return names.filter((name) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax, not a JS template.
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

/** Installs missing Debian packages with apt-get; throws naming each package that could not be installed. */
export function installPackages(names: readonly string[], log: (m: string) => void): void {
  const missing = missingPackages(names);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(', ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  log(`installing Debian packages: ${missing.join(', ')} ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    encoding: 'utf8',
    env,
  });
  const still = missingPackages(missing);
  if (r.status !== 0 || still.length > 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
    throw new Error(`could not install Debian package(s) ${still.join(', ') || missing.join(', ')}:\n${why}`);
  }
  // The packages' own init scripts may start system-wide daemons on default ports; our stack runs its own.
  for (const unit of ['prometheus', 'prometheus-alertmanager', 'influxdb']) {
    spawnSync('service', [unit, 'stop'], { stdio: 'ignore' });
  }
}
