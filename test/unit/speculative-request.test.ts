import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSpeculativeRequest, speculativeRefusal } from '../../src/speculative-request.ts';

const view = (headers: Record<string, string>) => ({ header: (name: string) => headers[name] });

test('speculative requests: what browsers and Next.js send on a prefetch or prerender, and nothing a click sends', () => {
  const speculative: Array<Record<string, string>> = [
    { 'sec-purpose': 'prefetch' },
    { 'sec-purpose': 'prefetch;prerender' },
    { 'sec-purpose': 'prefetch;anonymous-client-ip' },
    { 'sec-purpose': ' Prefetch ' },
    { purpose: 'prefetch' },
    { 'x-purpose': 'preview' },
    { 'x-moz': 'prefetch' },
    { 'next-router-prefetch': '1' },
    { 'next-router-prefetch': '2' },
    { 'x-middleware-prefetch': '1' },
  ];
  for (const headers of speculative) {
    assert.equal(isSpeculativeRequest(view(headers)), true, JSON.stringify(headers));
  }
  const clicks: Array<Record<string, string>> = [
    {},
    { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
    { rsc: '1' },
    { accept: 'text/x-component' },
    { 'next-router-prefetch': '0' },
    { 'next-router-prefetch': '' },
    { 'sec-purpose': 'prefetchx' },
    { 'sec-purpose': 'other, prefetch' },
    { purpose: 'navigate' },
  ];
  for (const headers of clicks) {
    assert.equal(isSpeculativeRequest(view(headers)), false, JSON.stringify(headers));
  }
});

test('the refusal is a 403 no cache keeps: not a page, not a redirect', () => {
  const plan = speculativeRefusal();
  assert.equal(plan.status, 403);
  assert.equal(plan.headers['cache-control'], 'no-store');
  assert.equal(plan.headers['location'], undefined);
});
