/**
 * The layer rules of ../shared/design/architecture.md ("Dependency direction"), checked by
 * `npm run lint` (depcruise). Each rule names the layer it protects and why.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle makes load order matter and layers meaningless. Type-only imports are erased by TypeScript and load nothing, so a cycle made only of them (a module naming a type of the class that uses it) is allowed.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'comm-not-launcher',
      severity: 'error',
      comment: 'comm/ runs inside every rank; launcher code must not load there. The launcher↔rank contract is comm/bootstrap/env.ts.',
      from: { path: '^src/comm/' },
      to: { path: '^src/launcher/' },
    },
    {
      name: 'comm-not-pool',
      severity: 'error',
      comment: 'The task pool is built on the public Communicator, never the other way round.',
      from: { path: '^src/comm/' },
      to: { path: '^src/pool/' },
    },
    {
      name: 'pool-only-public-communicator',
      severity: 'error',
      comment: 'The pool uses the public Communicator API, not the engine, collectives, transports or diagnostics under it.',
      from: { path: '^src/pool/' },
      to: { path: '^src/(launcher/|comm/(p2p|coll|transport|serialization|diagnostics|shared|topology)/|comm/world\\.ts)' },
    },
    {
      name: 'coll-not-transport',
      severity: 'error',
      comment: 'Collectives talk to peers through p2p only; they never touch a transport.',
      from: { path: '^src/comm/coll/' },
      to: { path: '^src/comm/transport/' },
    },
    {
      name: 'transport-nothing-above',
      severity: 'error',
      comment: 'A transport moves frames between peers; it knows nothing of messages, collectives or communicators.',
      from: { path: '^src/comm/transport/' },
      to: { path: '^src/comm/(p2p|coll|diagnostics|topology|shared)/|^src/comm/(communicator|world|request)\\.ts' },
    },
    {
      name: 'zeromq-only-transport-and-control-plane',
      severity: 'error',
      comment: 'One place owns the native binding and its concurrency rules: the ZeroMQ transport and the control plane (rendezvous client and server).',
      from: {
        pathNot: '^src/comm/transport/(zmq-transport|zap|zmq-info)\\.ts$|^src/comm/bootstrap/control-client\\.ts$|^src/launcher/rendezvous-server\\.ts$',
      },
      to: { path: '^node_modules/zeromq/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
