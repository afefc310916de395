// spanlog recipe: Node.js. AsyncLocalStorage keeps each request's span across awaits; log()
// first tells spanlog which span the running callback works for (a switch marker), and span()
// says who the parent is before it opens. No library: markers are writes to /dev/null.
//
// Run: spanlog run -- node node_service.js [REQUESTS]
'use strict';
const { AsyncLocalStorage } = require('node:async_hooks');
const fs = require('node:fs');

const devnull = fs.openSync('/dev/null', 'w');
const current = new AsyncLocalStorage(); // { id, tags } of the request's span
let nextId = 1;

function mark(marker) {
  fs.writeSync(devnull, marker + '\n'); // one write, before the line it concerns
}

function switchToCurrent() {
  const span = current.getStore();
  mark(span ? `=:${span.id}:${span.tags}::` : '=:none:::');
}

function log(message) {
  switchToCurrent();
  console.log(message); // synchronous on Linux for terminals, files and pipes
}

async function span(name, args, body) {
  switchToCurrent();
  const parent = current.getStore();
  const self = { id: nextId++, tags: parent ? `${parent.tags}.${name}` : name };
  const argText = Object.entries(args).map(([key, value]) => `${key}=${value}`).join(',');
  mark(`>:${self.id}:${self.tags}:${argText}:` + (argText ? '' : ':'));
  try {
    return await current.run(self, body);
  } finally {
    mark(`<:${self.id}:${self.tags}::`);
  }
}

const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 20));

async function handle(number) {
  await span('request', { n: number }, async () => {
    log(`request ${number} accepted`);
    await pause();
    await span('db', {}, async () => {
      log(`request ${number} query`);
      await pause();
    });
    log(`request ${number} done`);
  });
}

const count = Number(process.argv[2] || 40);
log(`serving ${count} requests`);
Promise.all(Array.from({ length: count }, (_, number) => handle(number)));
