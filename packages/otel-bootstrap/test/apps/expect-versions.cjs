// Test apps that can load their framework from another directory (APP_MODULES) check that they got the major the
// test asked for (EXPECT_MAJORS="koa@2 koa-router-12@12"): a fall-back to the current majors would otherwise pass
// silently. The package.json is found from the resolved entry point (some packages do not export it).
const { readFileSync, existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

function versionOf(load, name) {
  let dir = dirname(load.resolve(name));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof pkg.version === 'string' && typeof pkg.name === 'string') return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${name}`);
    dir = up;
  }
}

module.exports = function expectMajors(load) {
  for (const spec of (process.env.EXPECT_MAJORS || '').split(/\s+/).filter(Boolean)) {
    const at = spec.lastIndexOf('@');
    const name = spec.slice(0, at);
    const version = versionOf(load, name);
    if (version.split('.')[0] !== spec.slice(at + 1)) {
      process.stderr.write(`expected ${spec}, loaded ${name} ${version}\n`);
      process.exit(3);
    }
  }
};
