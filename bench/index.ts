/**
 * Benchmark dispatcher: `npm run bench -- <suite>`. Each suite is one line below, loaded only
 * when it runs (so a suite's heavy or optional dependencies never affect the others).
 */
const suites: Record<string, () => Promise<void>> = {
  store: async () => (await import('./store.js')).runStoreSuite(),
  commands: async () => (await import('./commands.js')).runCommandsSuite(),
  http: async () => (await import('./http.js')).runHttpSuite(),
  projections: async () => {
    await (await import('./projections.js')).runProjectionsBench();
    await (await import('./list.js')).runListBench();
  },
  list: async () => void (await (await import('./list.js')).runListBench()),
};

const usage = (): string =>
  ['usage: npm run bench -- <suite>', '', 'suites:', ...Object.keys(suites).map((name) => `  ${name}`)].join('\n');

const main = async (name: string | undefined): Promise<number> => {
  const suite = name !== undefined && Object.hasOwn(suites, name) ? suites[name] : undefined;
  if (!suite) {
    console.error(name === undefined ? usage() : `unknown suite: ${name}\n\n${usage()}`);
    return 1;
  }
  await suite();
  return 0;
};

process.exitCode = await main(process.argv[2]).catch((error: unknown) => {
  console.error(error);
  return 1;
});
