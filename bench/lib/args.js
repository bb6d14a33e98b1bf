'use strict';
/** Command-line options of the bench scripts: `--name=value` and bare `--flag`. */
const args = process.argv.slice(2);

/** The value of `--name=value`, or `fallback` when it is not given. */
function option(name, fallback) {
  const found = args.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
}

/** Whether the bare `--name` is given. */
function flag(name) {
  return args.includes(`--${name}`);
}

module.exports = { option, flag };
