// `node --import ./test/support/module-trace.mjs ...`: appends the URL of every module the
// process loads to the file named by MODULE_TRACE_FILE (the CLI suite checks what a command loads).
import { register } from 'node:module';

register(new URL('./module-trace-hooks.mjs', import.meta.url));
