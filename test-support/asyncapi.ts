// Checks messages against an AsyncAPI 3 document: each message's payload is
// JSON Schema draft-07 (AsyncAPI's default schema format extends it), compiled
// with ajv. No AsyncAPI parser: the few structural rules we rely on are checked
// by asyncApiProblems below.
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, any>;

/** The value a local `$ref` (`#/a/b`) points at, or undefined. */
export function resolveRef(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Json)[part] : undefined), document);
}

const deref = (document: Json, node: Json): Json => (typeof node?.$ref === 'string' ? (resolveRef(document, node.$ref) as Json) : node);

/** What an AsyncAPI 3.0 document lacks or gets wrong in the parts we use (empty: none found). */
export function asyncApiProblems(document: Json): string[] {
  const problems: string[] = [];
  if (document.asyncapi !== '3.0.0') problems.push(`asyncapi is ${document.asyncapi}, not 3.0.0`);
  if (typeof document.info?.title !== 'string' || typeof document.info?.version !== 'string') problems.push('info needs title and version');
  for (const [id, channel] of Object.entries<Json>(document.channels ?? {})) {
    if (typeof channel.address !== 'string') problems.push(`channel ${id} has no address`);
    for (const [name, message] of Object.entries<Json>(channel.messages ?? {})) {
      if (!deref(document, message)?.payload) problems.push(`channel ${id} message ${name} has no payload (or its $ref does not resolve)`);
    }
  }
  for (const [id, operation] of Object.entries<Json>(document.operations ?? {})) {
    if (!['send', 'receive'].includes(operation.action)) problems.push(`operation ${id}: action must be send or receive`);
    const channel = resolveRef(document, operation.channel?.$ref ?? '');
    if (!channel) problems.push(`operation ${id}: channel must be a $ref to a channel`);
    for (const message of operation.messages ?? []) {
      // AsyncAPI 3: an operation's messages must be messages of its channel.
      if (!String(message.$ref).startsWith(`${operation.channel?.$ref}/messages/`) || !resolveRef(document, message.$ref)) {
        problems.push(`operation ${id}: message ${message.$ref} is not a message of its channel`);
      }
    }
  }
  return problems;
}

/**
 * The payload (or headers) schema of `components.messages[name]`, compiled
 * (throws when it is not valid draft-07).
 */
export function messageValidator(document: Json, name: string, part: 'payload' | 'headers' = 'payload'): (value: unknown) => string[] {
  const message = document.components?.messages?.[name];
  if (!message?.[part]) throw new Error(`the document has no message ${name} with ${part}`);
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: true });
  addFormats(ajv);
  const validate: ValidateFunction = ajv.compile(message[part]);
  return (value) =>
    validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''}`.trim());
}
