/**
 * Development secrets, made once under the data dir. Processes started together race here, so the
 * file is written aside and hard-linked into place: exactly one link wins and everyone reads it.
 * Production never comes here: it must pass its secrets explicitly.
 */
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

export async function developmentSecret(dataDir: string, name: string, create: () => string): Promise<string> {
  const dir = path.join(dataDir, "keys");
  const file = path.join(dir, name);
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, create(), { mode: 0o600 });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(temp);
  }
  return readFile(file, "utf8");
}
