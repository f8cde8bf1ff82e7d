// `node --import ./test/support/module-trace.mjs ...`: appends the URL of every module the
// process loads to the file named by MODULE_TRACE_FILE (the CLI suite checks what a command loads):
// ES modules as they resolve, and at exit every CommonJS file in the require cache (a `require`
// inside CommonJS or through createRequire does not pass the resolve hook).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

register(new URL('./module-trace-hooks.mjs', import.meta.url));

const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  if (process.env.MODULE_TRACE_FILE)
    appendFileSync(
      process.env.MODULE_TRACE_FILE,
      Object.keys(cache)
        .map((f) => `file://${f}\n`)
        .join(''),
    );
});
