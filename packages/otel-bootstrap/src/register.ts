// The side-effect entry: `node --require @foursignals/otel-bootstrap/register app.js` (or `--import`), and the
// package's `main`, so `node --require ./packages/otel-bootstrap app.js` works from a checkout.
import { start } from './start.ts';

start();
