import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** Debian's chromium package (`apt-get install chromium`); .ci/run installs it. Nothing is downloaded. */
export const CHROMIUM = process.env.KEYWARDEN_CHROMIUM ?? '/usr/bin/chromium';

let available: boolean | undefined;

/** Whether headless Chromium can run here. Under CI=true a missing Chromium is an error, never a skip. */
export function chromiumAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync(CHROMIUM, ['--version'], { stdio: 'ignore', timeout: 20_000 });
      available = true;
    } catch {
      available = false;
    }
  }
  if (!available && process.env.CI) {
    throw new Error(`${CHROMIUM} is not installed; CI requires it (apt-get install chromium)`);
  }
  return available;
}

/** Offline and quiet: no network services, no first-run work, a fresh profile that is removed afterwards. */
async function runHeadless(extra: string[], file: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'keywarden-chromium-'));
  try {
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        ...extra,
        pathToFileURL(file).href,
      ],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The DOM as Chromium parsed and laid out the file (in a window of `size`, when given). */
export function dumpDom(file: string, size?: { width: number; height: number }): Promise<string> {
  return runHeadless(['--dump-dom', ...(size ? [`--window-size=${size.width},${size.height}`] : [])], file);
}

export async function screenshot(file: string, png: string, size: { width: number; height: number }) {
  await runHeadless([`--screenshot=${png}`, `--window-size=${size.width},${size.height}`], file);
}

/** The text a person reads in a dumped DOM: no style, no tags, entities decoded, whitespace collapsed. */
export function visibleText(dom: string): string {
  return dom
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<title[\s\S]*?<\/title>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
