// Every piece of the dev platform, in the order the stack starts them
// (tools/devstack/README.md: "The pieces"). Each has the one shape of lib/piece.mjs.
import { piece as daprd } from './dapr-toolchain.mjs';
import { piece as devIssuer } from './dev-issuer.mjs';
import { piece as chartTools } from './helm.mjs';
import { piece as kafka } from './kafka.mjs';
import { piece as maildev } from './maildev.mjs';
import { piece as postgres } from './postgres.mjs';
import { piece as pythonTools } from './python.mjs';
import { piece as sentry } from './sentry.mjs';
import { piece as zipkin } from './zipkin.mjs';

export const PIECES = Object.freeze([daprd, postgres, kafka, maildev, zipkin, sentry, devIssuer, pythonTools, chartTools]);
