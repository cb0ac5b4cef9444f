/**
 * The interpreter the Python extension (ms-python.python) has selected, if it is installed.
 * Only the few members of its API used here are typed.
 */

import * as vscode from 'vscode';

interface PythonEnvironment {
  executable: { uri?: vscode.Uri };
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(environment: { path: string }): Promise<PythonEnvironment | undefined>;
  };
}

const PYTHON_EXTENSION = 'ms-python.python';
const TIMEOUT_MS = 10_000;

/** Return the selected interpreter's executable, or undefined (no extension, no answer). */
export async function selectedPython(resource?: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (extension === undefined) return undefined;
  const lookup = async (): Promise<string | undefined> => {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const environments = api.environments;
    if (environments === undefined) return undefined;
    const environment = await environments.resolveEnvironment(environments.getActiveEnvironmentPath(resource));
    return environment?.executable.uri?.fsPath;
  };
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => { resolve(undefined); }, TIMEOUT_MS));
  try {
    return await Promise.race([lookup(), timeout]);
  } catch {
    return undefined;
  }
}
