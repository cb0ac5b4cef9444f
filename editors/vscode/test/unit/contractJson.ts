// editors/contract.json, the contract the server declares (`python -m poe_lsp.contract` writes it).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../../../..');

export interface ContractAction {
  name: string;
  command: string;
  title: string;
  label: string;
  edits: boolean;
}

export interface ContractSetting {
  key: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  description: string;
  default: unknown;
  unset?: string;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  items?: string;
  properties?: string[];
  values?: string;
  userOnly?: boolean;
}

export interface Contract {
  constants: Record<string, string>;
  actions: ContractAction[];
  outcomes: string[];
  codeActions: { action?: string; kind: string; command: string; title: string }[];
  commands: Record<string, { arguments: string | null; result: string }>;
  shapes: Record<
    'ActionArgs' | 'JobStarted' | 'JobArgs' | 'CancelResult' | 'BalanceResult' | 'JobEnded' | 'CommitMessageArgs',
    Record<string, string>
  >;
  notifications: Record<string, { params: string; clientCapability: string }>;
  settings: ContractSetting[];
  environment: Record<string, string>;
}

export const CONTRACT = JSON.parse(readFileSync(resolve(ROOT, 'editors/contract.json'), 'utf8')) as Contract;
