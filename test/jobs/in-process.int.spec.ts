import { createInProcessJobQueue } from '../../src/jobs/in-process.js';
import { jobQueueContract } from './contract.js';

jobQueueContract('in-process', {
  open: async ({ logger, retention }) => createInProcessJobQueue({ logger, retention }),
  dispose: async (queue) => queue.close(),
});
