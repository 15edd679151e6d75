/**
 * An exclusive lock on a state folder, so two processes never share one database or identity.
 * The holder's pid is written into the lock file so the refusal can name it.
 */
export class FolderLock {
  readonly #file: Deno.FsFile;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Create the folder if needed and lock it.
   *
   * @throws {Error} with one line naming the folder and the holding process when it is taken
   */
  static async acquire(dir: string): Promise<FolderLock> {
    await Deno.mkdir(dir, { recursive: true });
    const path = `${dir}/lock`;
    const file = await Deno.open(path, { read: true, write: true, create: true });
    if (!(await file.tryLock(true))) {
      let holder = "another process";
      try {
        const pid = (await Deno.readTextFile(path)).trim();
        if (/^\d+$/.test(pid)) holder = `process ${pid}`;
      } catch (error) {
        // The pid only improves the message; the refusal stands without it.
        if (!(error instanceof Deno.errors.NotFound)) holder = "another process";
      }
      file.close();
      throw new Error(`Folder "${dir}" is in use by ${holder}`);
    }
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    return new FolderLock(file);
  }

  /** Release the lock; the file stays so the next holder reuses it. */
  release(): void {
    try {
      this.#file.close();
    } catch (error) {
      // Closing twice is harmless: the lock is already gone.
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }

  /** Release the lock (for `using`). */
  [Symbol.dispose](): void {
    this.release();
  }
}
