#!/usr/bin/env node
// Makes the pinned solc-js (npm `solc`) answer like a native solc binary, for the tools that
// expect one: py-solc-x (`--version`, `--standard-json --allow-paths …`), forge and slither.
// Only `--version` and `--standard-json` are supported; path options are accepted and used to
// resolve imports that the standard-JSON input does not already carry.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const args = process.argv.slice(2);

function writeAll(text) {
  // Synchronous writes: asynchronous stdout to a pipe is cut at 64 KiB when the process exits.
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(1, buffer, offset, buffer.length - offset);
    } catch (err) {
      if (err.code !== "EAGAIN") throw err;
    }
  }
}

function optionValues(name) {
  const values = [];
  args.forEach((arg, i) => {
    if (arg === name && i + 1 < args.length) values.push(...args[i + 1].split(","));
    else if (arg.startsWith(name + "=")) values.push(...arg.slice(name.length + 1).split(","));
  });
  return values;
}

if (args.includes("--version")) {
  // solc-js reports "0.8.x+commit.abcdef12.Emscripten.clang"; tools parse "Version: x.y.z+commit".
  writeAll("solc, the solidity compiler commandline interface\nVersion: " + solc.version() + "\n");
  process.exit(0);
}

if (!args.includes("--standard-json")) {
  process.stderr.write("solc-shim: only --version and --standard-json are supported\n");
  process.exit(2);
}

const roots = [process.cwd(), ...optionValues("--base-path"), ...optionValues("--include-path"),
  ...optionValues("--allow-paths"), path.join(process.cwd(), "node_modules")];

function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.resolve(root, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: "File not found: " + importPath };
}

const input = fs.readFileSync(0, "utf8");
writeAll(solc.compile(input, { import: findImports }));
