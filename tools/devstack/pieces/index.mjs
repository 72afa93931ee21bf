// Every piece of the dev platform (tools/devstack/README.md), each with the one shape
// of lib/piece.mjs. A list for the tests and for reading, not the start order:
// stack.mjs imports and starts each piece itself, in its own order.
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
