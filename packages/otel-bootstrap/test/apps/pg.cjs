// Makes a known set of PostgreSQL queries through pg (pool and client, promise and callback styles) and exits.
const { Client, Pool } = require('pg');

async function main() {
  const pool = new Pool({ connectionString: process.env.PG_URL, max: 2 });
  for (let i = 0; i < 5; i++) await pool.query('SELECT $1::int AS n', [i]);
  const client = new Client({ connectionString: process.env.PG_URL });
  await client.connect();
  await client.query('CREATE TEMP TABLE t (n int)');
  for (let i = 0; i < 3; i++) await client.query({ text: 'INSERT INTO t VALUES ($1)', values: [i] });
  await new Promise((resolve, reject) =>
    client.query('SELECT count(*) FROM t', (err) => (err ? reject(err) : resolve())),
  );
  let failed = 0;
  try {
    await client.query('SELEKT nonsense');
  } catch {
    failed++;
  }
  await client.end();
  await pool.end();
  process.stdout.write(`${JSON.stringify({ port: 0, failed })}\n`);
}
main();
