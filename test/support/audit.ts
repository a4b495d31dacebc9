/** The audit API's JSONL export, read whole. */
import type { TestServer } from './server.js';

/** Every line of `GET /api/audit/events/export?format=jsonl&<query>`, parsed. */
export const auditExport = async (server: TestServer, token: string, query: string): Promise<any[]> => {
  const res = await fetch(`${server.url}/api/audit/events/export?format=jsonl&${query}`, { headers: { Authorization: `Bearer ${token}` } });
  const text = (await res.text()).trim();
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line));
};
