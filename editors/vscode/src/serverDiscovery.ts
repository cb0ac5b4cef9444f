/**
 * Finding the poe-lsp server to start. In order:
 * 1. `poe.server.path`, an executable;
 * 2. `poe.server.pythonPath`, an interpreter that runs `-m poe_lsp`;
 * 3. the poe-lsp bundled in the extension (`bundled/libs`, started by
 *    `bundled/tool/poe_lsp_server.py`), run by the Python extension's interpreter, else
 *    `python3` (`python` on Windows), whichever is Python 3.11+ and runs it;
 * 4. `poe-lsp` on the `PATH`;
 * 5. `python -m poe_lsp` with the Python extension's interpreter, else `python3`.
 * A setting the user made wins over anything found; what it names must work, or the user is
 * told so rather than silently getting another server.
 *
 * The search itself is pure; it looks at the machine through a {@link Probe}: {@link nodeProbe}
 * in the extension, a fake in the unit tests.
 */

import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface ServerCommand {
  command: string;
  args: string[];
  /** For the log: where the command came from. */
  origin: string;
}

export interface ServerMissing {
  /** What was tried, in a sentence for the user. */
  reason: string;
  /** The interpreter to install poe-lsp into, when one was found. */
  python: string | undefined;
  /** No Python 3.11+ was found to run the bundled server: the user must install one. */
  needsPython?: boolean;
}

/** What to install when no Python 3.11+ is there, for the user's platform. */
export function pythonAdvice(platform: NodeJS.Platform): string {
  if (platform === 'win32') return 'Install Python 3.11 or newer from https://www.python.org/downloads/ (or `winget install Python.Python.3.12`)';
  if (platform === 'darwin') return 'Install Python 3.11 or newer: `brew install python@3.12`, or https://www.python.org/downloads/';
  return 'Install Python 3.11 or newer: `sudo apt install python3` (Debian 12, Ubuntu 24.04), `sudo dnf install python3`, or https://www.python.org/downloads/';
}

export interface DiscoveryInput {
  serverPath: string | undefined;
  pythonPath: string | undefined;
  /** The interpreter the Python extension has selected, if it is installed. */
  selectedPython: () => Promise<string | undefined>;
  envPath: string;
  platform: NodeJS.Platform;
  /** `PATHEXT` on Windows. */
  pathExt?: string;
  /** The bundled server's launcher script, when the extension carries one. */
  bundledServer?: string;
}

export interface Probe {
  isExecutable(file: string): Promise<boolean>;
  /** Whether `command args` runs and exits with status 0. */
  succeeds(command: string, args: string[]): Promise<boolean>;
}

export const SERVER_EXECUTABLE = 'poe-lsp';
/**
 * `-P` (Python 3.11+, which poe-lsp needs anyway) keeps the working directory off `sys.path`, so
 * a `poe_lsp` folder in the workspace can never be what runs.
 */
export const PYTHON_MODULE_ARGS: readonly string[] = ['-P', '-m', 'poe_lsp'];
const VERSION_ARGS = [...PYTHON_MODULE_ARGS, '--version'];
/** `-I`: only the bundle and the standard library, never the workspace or the user's packages. */
export function bundledArgs(launcher: string): string[] {
  return ['-I', launcher];
}

/** Find the server; say what was tried when there is none. */
export async function discoverServer(input: DiscoveryInput, probe: Probe): Promise<ServerCommand | ServerMissing> {
  if (input.serverPath !== undefined) {
    if (await probe.isExecutable(input.serverPath)) {
      return { command: input.serverPath, args: [], origin: 'poe.server.path' };
    }
    return { reason: `poe.server.path is ${input.serverPath}, which is not an executable file.`, python: undefined };
  }
  if (input.pythonPath !== undefined) {
    if (await probe.succeeds(input.pythonPath, VERSION_ARGS)) {
      return { command: input.pythonPath, args: [...PYTHON_MODULE_ARGS], origin: 'poe.server.pythonPath' };
    }
    return {
      reason: `poe.server.pythonPath is ${input.pythonPath}, which cannot run poe-lsp (python -m poe_lsp).`,
      python: input.pythonPath,
    };
  }
  const selected = await input.selectedPython();
  const fallback = input.platform === 'win32' ? 'python' : 'python3';
  if (input.bundledServer !== undefined) {
    const args = bundledArgs(input.bundledServer);
    for (const [python, origin] of [
      [selected, 'the bundled poe-lsp, with the Python extension\'s interpreter'],
      [fallback, `the bundled poe-lsp, with ${fallback}`],
    ] as const) {
      if (python !== undefined && (await probe.succeeds(python, [...args, '--version']))) {
        return { command: python, args, origin };
      }
    }
  }
  const onPath = await findOnPath(SERVER_EXECUTABLE, input, probe);
  if (onPath !== undefined) return { command: onPath, args: [], origin: 'PATH' };
  for (const [python, origin] of [
    [selected, 'the Python extension'],
    [fallback, fallback],
  ] as const) {
    if (python !== undefined && (await probe.succeeds(python, VERSION_ARGS))) {
      return { command: python, args: [...PYTHON_MODULE_ARGS], origin };
    }
  }
  if (input.bundledServer !== undefined) {
    const tried = selected === undefined ? `${fallback} is not one` : `neither ${selected} nor ${fallback} is one`;
    return {
      reason: `The poe-lsp bundled with this extension needs Python 3.11 or newer, and ${tried} (nor is poe-lsp on the PATH). ${pythonAdvice(input.platform)}, then restart the server.`,
      python: undefined,
      needsPython: true,
    };
  }
  return {
    reason: `poe-lsp is not on the PATH, and ${selected ?? fallback} cannot run it (python -m poe_lsp).`,
    python: selected ?? fallback,
  };
}

/** Whether the discovery found a server. */
export function isFound(result: ServerCommand | ServerMissing): result is ServerCommand {
  return 'command' in result;
}

/** Return the first executable named `name` on the PATH. */
export async function findOnPath(name: string, input: DiscoveryInput, probe: Probe): Promise<string | undefined> {
  const windows = input.platform === 'win32';
  const separator = windows ? ';' : ':';
  const paths = windows ? path.win32 : path.posix;
  const extensions = windows ? (input.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean) : [''];
  for (const dir of input.envPath.split(separator)) {
    if (dir === '') continue;
    for (const extension of extensions) {
      const candidate = paths.join(dir, name + extension.toLowerCase());
      if (await probe.isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

const PROBE_TIMEOUT_MS = 20_000;

/** The probe the extension uses: the file system and child processes. */
export const nodeProbe: Probe = {
  async isExecutable(file) {
    try {
      if (!(await fs.stat(file)).isFile()) return false;
      if (process.platform !== 'win32') await fs.access(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  succeeds(command, args) {
    return new Promise((resolve) => {
      execFile(command, args, { timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (error) => {
        resolve(error === null);
      });
    });
  },
};
