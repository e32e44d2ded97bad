import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { answerScrapes, createScrapeServer, DEFAULT_SCRAPE_SERVER_LIMITS } from '../../src/export/scrape-server.js';

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('scrape server', () => {
  // The header size limit is not a property of the server; the endpoint's tests see it answer 431.
  test('applies the default limits to the server', () => {
    const server = createScrapeServer(DEFAULT_SCRAPE_SERVER_LIMITS);
    assert.deepEqual(
      {
        maxConnections: server.maxConnections,
        headersTimeout: server.headersTimeout,
        requestTimeout: server.requestTimeout,
        idleTimeout: server.timeout,
        keepAliveTimeout: server.keepAliveTimeout,
      },
      { maxConnections: 64, headersTimeout: 10_000, requestTimeout: 15_000, idleTimeout: 20_000, keepAliveTimeout: 65_000 },
    );
  });

  test('counts a failed accept and keeps listening', async () => {
    const server = createScrapeServer(DEFAULT_SCRAPE_SERVER_LIMITS);
    const refused: string[] = [];
    answerScrapes(server, {
      scrape: async () => ({ contentType: 'text/plain; charset=utf-8', text: 'up 1\n' }),
      requestFailed: () => {},
      connectionRefused: (reason) => refused.push(reason),
    });
    const port = await listening(server);
    try {
      // What net.Server emits when accept() fails (ENOBUFS, or a network error pending on the
      // new connection): the kernel cannot be made to do that on demand.
      server.emit('error', Object.assign(new Error('accept ENOBUFS'), { code: 'ENOBUFS', syscall: 'accept' }));
      assert.deepEqual(refused, ['accept_error']);
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'up 1\n');
    } finally {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    }
  });
});
