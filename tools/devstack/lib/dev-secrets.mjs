// Development-only secrets for the local stack, made on first use and kept in
// .local/secrets/dev-secrets.json (gitignored, mode 600): nothing secret is ever
// committed. The sidecars read them through the Dapr secret store
// components/local-secrets.yaml (secretstores.local.file); components refer to
// them with secretKeyRef, so no password sits in a component's YAML.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL } from './settings.mjs';

export const DEV_SECRETS_FILE = path.join(LOCAL, 'secrets', 'dev-secrets.json');

/** @returns {{ 'smtp-user': string, 'smtp-password': string }} */
export function ensureDevSecrets() {
  if (fs.existsSync(DEV_SECRETS_FILE)) return JSON.parse(fs.readFileSync(DEV_SECRETS_FILE, 'utf8'));
  const secrets = {
    // Local MailDev's SMTP login (DEVELOPMENT ONLY; real ones live in Kubernetes Secrets).
    'smtp-user': 'orderflow-dev',
    'smtp-password': crypto.randomBytes(18).toString('base64url'),
  };
  fs.mkdirSync(path.dirname(DEV_SECRETS_FILE), { recursive: true, mode: 0o700 });
  fs.writeFileSync(DEV_SECRETS_FILE, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
