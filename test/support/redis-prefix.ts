/**
 * The `REDIS_KEY_PREFIX` of this test run, given to every server, process and Redis store the tests
 * open: concurrent runs (or a deployment) on the same Redis database never share a key.
 */
import { randomBytes } from 'node:crypto';

export const TEST_REDIS_KEY_PREFIX = `crm-test-${process.pid}-${randomBytes(4).toString('hex')}`;
