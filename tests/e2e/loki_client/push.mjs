// Sends log lines to a Loki push endpoint through pino + pino-loki, as a Node service would send
// them to Grafana Loki. Used by tests/e2e/test_logs.py against Firebreak's /loki/api/v1/push.
//
//   node push.mjs BASE_URL TOKEN < lines.jsonl
//
// Each input line: {"level": "info"|"warn"|"error", "msg": "...", "service": "...", "meta": {...}}
// ("meta" becomes Loki structured metadata). The token goes in basic auth, as Grafana Cloud
// clients send it. Batches are flushed when stdin ends; pino-loki prints push failures on stderr.
import { once } from 'node:events';
import { createInterface } from 'node:readline';

import { pino } from 'pino';
import { pinoLoki } from 'pino-loki';

const [host, token] = process.argv.slice(2);
const transport = pinoLoki({
  host,
  basicAuth: { username: 'firebreak', password: token },
  labels: { env: 'e2e' },
  propsToLabels: ['service'],
  batching: { interval: 1 },
  timeout: 10000,
});
const logger = pino({ level: 'debug', base: { hostname: 'e2e-host' } }, transport);

let n = 0;
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { level, msg, ...fields } = JSON.parse(line);
  logger[level](fields, msg);
  n++;
}
transport.end();
await once(transport, 'close');
console.log(`sent ${n}`);
