// Micro-benchmark of meshc's YAML emitter against JSON.stringify, js-yaml and yaml.
// Run `npx tsc -p tsconfig.build.json` first (this imports dist/), then `node scripts/bench-yaml.mjs`.
//   --objects N   Istio-like objects to emit (default 5000)
//   --runs N      runs per emitter; the best is reported (default 5)
import { parseArgs } from 'node:util';
import jsYaml from 'js-yaml';
import YAML from 'yaml';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
  },
});
const { emitYaml } = await import(new URL('../dist/render/yaml.js', import.meta.url));

/** A small deterministic PRNG, so every run emits the same corpus. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function corpus(n) {
  const r = rng(42);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const objs = [];
  for (let i = 0; objs.length < n; i++) {
    const name = `svc-${i}`;
    const ns = `team-${i % 37}`;
    const metadata = {
      name,
      namespace: ns,
      labels: {
        'app.kubernetes.io/name': name,
        'app.kubernetes.io/managed-by': 'meshc',
        'meshc.dev/environment': 'prod',
      },
      annotations: { 'meshc.dev/source': `services/${ns}/${name}.yaml`, 'meshc.dev/canary': 'true' },
    };
    const versions = ['v1', 'v2', 'v3'].slice(0, 1 + Math.floor(r() * 3));
    objs.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata,
      spec: {
        hosts: [`${name}.${ns}.svc.cluster.local`, `*.${name}.example.com`],
        gateways: ['mesh', `${ns}/ingress`],
        http: Array.from({ length: 1 + Math.floor(r() * 4) }, (_, k) => ({
          name: `route-${k}`,
          match: [
            {
              uri: { prefix: `/api/v${k}/` },
              headers: { 'x-user-group': { exact: pick(['beta', 'internal', 'on', '1']) } },
            },
          ],
          route: versions.map((v, j) => ({
            destination: { host: `${name}.${ns}.svc.cluster.local`, subset: v, port: { number: 8080 } },
            weight: j === 0 ? 100 - 10 * (versions.length - 1) : 10,
          })),
          retries: {
            attempts: 3,
            perTryTimeout: '2s',
            retryOn: 'gateway-error,connect-failure,refused-stream',
          },
          timeout: `${5 + k}s`,
          fault: k === 2 ? { delay: { fixedDelay: '100ms', percentage: { value: 0.5 } } } : undefined,
        })),
      },
    });
    objs.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata,
      spec: {
        host: `${name}.${ns}.svc.cluster.local`,
        trafficPolicy: {
          tls: { mode: 'ISTIO_MUTUAL' },
          connectionPool: {
            tcp: { maxConnections: 100, connectTimeout: '30ms' },
            http: { http2MaxRequests: 1000, maxRequestsPerConnection: 10 },
          },
          outlierDetection: {
            consecutive5xxErrors: 7,
            interval: '5m',
            baseEjectionTime: '15m',
            maxEjectionPercent: 50,
          },
        },
        subsets: versions.map((v) => ({ name: v, labels: { version: v } })),
      },
    });
    objs.push({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata,
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        action: 'ALLOW',
        rules: Array.from({ length: 1 + Math.floor(r() * 3) }, (_, k) => ({
          from: [
            {
              source: {
                principals: [`cluster.local/ns/${ns}/sa/client-${k}`, `cluster.local/ns/ops/sa/probe`],
              },
            },
          ],
          to: [{ operation: { methods: ['GET', 'POST'], paths: [`/api/v${k}/*`, '/healthz'] } }],
          when: k === 1 ? [{ key: 'request.headers[x-tenant]', values: ['a', 'b', 'null'] }] : undefined,
        })),
      },
    });
  }
  return objs.slice(0, n);
}

const objs = corpus(Number(values.objects));
const runs = Number(values.runs);

const emitters = [
  ['JSON.stringify', (o) => JSON.stringify(o)],
  ['emitYaml', (o) => emitYaml(o)],
  ['js-yaml dump', (o) => jsYaml.dump(o, { sortKeys: false, lineWidth: -1, noRefs: true })],
  ['yaml stringify', (o) => YAML.stringify(o, { lineWidth: 0 })],
];

let checksum = 0;
function time(fn) {
  let best = Infinity;
  let bytes = 0;
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    let b = 0;
    for (const o of objs) {
      const text = fn(o);
      b += text.length;
      // Reading a character flattens a string built by concatenation, as writing it to a file would.
      checksum += text.charCodeAt(text.length >> 1);
    }
    const t = performance.now() - t0;
    if (i > 0) best = Math.min(best, t); // the first run is a warm-up
    bytes = b;
  }
  return { best, bytes };
}

console.log(`${objs.length} objects, best of ${runs} runs (after one warm-up), Node ${process.version}`);
const results = emitters.map(([name, fn]) => ({ name, ...time(fn) }));
const base = results[0].best;
for (const { name, best, bytes } of results) {
  const mbps = bytes / 1048576 / (best / 1000);
  console.log(
    `${name.padEnd(15)} ${best.toFixed(1).padStart(8)} ms  ${(bytes / 1048576).toFixed(2).padStart(6)} MiB out  ${mbps.toFixed(1).padStart(7)} MiB/s  ${(best / base).toFixed(1).padStart(6)}x JSON.stringify`,
  );
}
if (checksum === 0) console.log('(empty output?)');
