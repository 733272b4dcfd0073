/**
 * A route's {@link TestAnswer} written in each framework's own terms: on an Express response, a
 * Fastify reply, a node:http response, or as a Web `Response` (Hono, fetch), or as a plan (the core).
 */
import type { ServerResponse } from 'node:http';
import type { Response as ExpressResponse } from 'express';
import type { FastifyReply } from 'fastify';
import { respond } from '../../src/fetch.ts';
import type { ResponsePlan } from '../../src/index.ts';
import type { TestAnswer } from './test-routes.ts';

/** The answer as a plan: what the core's own hooks (node:http's error view) return. */
export function planOf(answer: TestAnswer): ResponsePlan {
  if (!('json' in answer) && !('text' in answer)) return answer;
  if ('json' in answer) return { status: answer.status ?? 200, headers: { 'content-type': 'application/json; charset=utf-8', ...answer.headers }, body: JSON.stringify(answer.json) };
  return { status: answer.status ?? 200, headers: { 'content-type': 'text/plain; charset=utf-8', ...answer.headers }, body: answer.text };
}

/** On an Express response, unless one was sent (oidc.login()/logout() send theirs). */
export function sendExpress(res: ExpressResponse, answer: TestAnswer): void {
  if (res.headersSent) return; // oidc.login()/logout() sent their answer already
  if (!('json' in answer) && !('text' in answer)) res.status(answer.status).set(answer.headers).end(answer.body);
  else if ('json' in answer) res.status(answer.status ?? 200).set(answer.headers ?? {}).json(answer.json);
  else res.status(answer.status ?? 200).set(answer.headers ?? {}).type('text/plain').send(answer.text);
}

/** On a node:http response, unless one was sent. */
export function sendNode(res: ServerResponse, answer: TestAnswer): void {
  if (res.headersSent) return;
  if (!('json' in answer) && !('text' in answer)) res.writeHead(answer.status, answer.headers).end(answer.body);
  else if ('json' in answer) res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...answer.headers }).end(JSON.stringify(answer.json));
  else res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain; charset=utf-8', ...answer.headers }).end(answer.text);
}

/** On a Fastify reply. */
export function sendFastify(reply: FastifyReply, answer: TestAnswer): FastifyReply {
  if (!('json' in answer) && !('text' in answer)) return reply.code(answer.status).headers(answer.headers).send(answer.body);
  if ('json' in answer) return reply.code(answer.status ?? 200).headers(answer.headers ?? {}).type('application/json; charset=utf-8').send(JSON.stringify(answer.json));
  return reply.code(answer.status ?? 200).headers(answer.headers ?? {}).type('text/plain; charset=utf-8').send(answer.text);
}

/** As a Web `Response`. */
export function webAnswer(answer: TestAnswer): Response {
  if (!('json' in answer) && !('text' in answer)) return respond(answer);
  if ('json' in answer) return Response.json(answer.json, { status: answer.status ?? 200, headers: answer.headers ?? {} });
  return new Response(answer.text, { status: answer.status ?? 200, headers: { 'content-type': 'text/plain; charset=utf-8', ...answer.headers } });
}
