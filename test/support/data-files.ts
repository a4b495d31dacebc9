/** What tests read of the files under DATA_DIR, to prove what is (not) stored in them. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir`, subdirectories included. */
export const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

/** The bytes of the files directly in `dir` whose name `wanted` accepts (a database with its `-wal` and `-shm`). */
export const bytesOfFiles = (dir: string, wanted: (name: string) => boolean): Buffer =>
  Buffer.concat(readdirSync(dir).filter(wanted).map((name) => readFileSync(join(dir, name))));
