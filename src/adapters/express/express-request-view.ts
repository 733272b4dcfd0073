import type { Request } from 'express';
import { isFormContentType } from '../../form-body.ts';
import { NodeRequestView } from '../node/node-request-view.ts';

/**
 * The core's view of an Express request: Node's, with Express's `originalUrl` (a mounted router
 * sees a shortened `req.url`) and body parsers.
 *
 * @example
 * ```ts
 * const view = new ExpressRequestView(req);
 * view.header('cookie');
 * ```
 */
export class ExpressRequestView extends NodeRequestView {
  declare protected readonly raw: Request;

  override get url(): string {
    return this.raw.originalUrl;
  }

  protected override parsedBody(): unknown {
    return this.raw.body;
  }

  /**
   * The body stream can be read once: after oidc-kit read a form body (a form-body bearer token, a
   * logout token), later body parsers would find nothing. Like body-parser, leave the parsed form
   * in `req.body` and mark it read (`_body`), which express.urlencoded() respects.
   */
  protected override keepBody(text: string): void {
    if (!isFormContentType(this.raw.headers['content-type'])) return;
    const form = Object.create(null) as Record<string, string | string[]>; // no prototype: a field named __proto__ stays a field
    for (const [name, value] of new URLSearchParams(text)) {
      const existing = form[name];
      form[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    const target = this.raw as Request & { _body?: boolean };
    target.body = form;
    target._body = true;
  }
}
