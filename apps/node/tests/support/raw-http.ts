// Test helper: one HTTP GET whose request target is sent exactly as given (fetch would normalize it
// first), so tests can send targets a browser never would.
import { request as httpRequest } from 'node:http';

/** GETs `target` from the server at `base` (http://host:port); resolves with the status code. */
export function rawGet(base: string, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const request = httpRequest({ hostname, port, path: target, method: 'GET' }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}
