/**
 * `proxy: 'env'` on Cloudflare Workers (bundled by `bun build`, run by workerd through Miniflare):
 * making the fetch adapter with it must fail, naming the option. The Worker answers what was thrown.
 */
import { ConfigurationError } from '../../../src/index.ts';
import { OpenIDConnect } from '../../../src/fetch.ts';

export default {
  fetch(): Response {
    try {
      new OpenIDConnect({ resourceServerOnly: true, issuer: 'https://op.example', proxy: 'env' });
      return Response.json({ made: true });
    } catch (error) {
      return Response.json({ made: false, option: error instanceof ConfigurationError ? error.option : null, message: String(error) });
    }
  },
};
