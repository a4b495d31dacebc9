/**
 * given(events).when(command).then(events) / .thenFails(code): tests a decider as the log sees it.
 */
import { expect } from 'chai';
import { fold, type Decider, type DomainEvent } from '../../src/commands/decider.js';
import { AppError } from '../../src/errors.js';

export const specFor = <C, E extends DomainEvent, S>(decider: Decider<C, E, S>) => ({
  given: (...history: E[]) => ({
    when: (command: C) => {
      const run = () => decider.decide(command, fold(decider, history));
      return {
        then: (...expected: E[]) => expect(run()).to.deep.equal(expected),
        thenFails: (code: string) => {
          let error: unknown;
          try {
            run();
          } catch (e) {
            error = e;
          }
          expect(error, 'decide should have thrown').to.be.instanceOf(AppError);
          expect((error as AppError).code).to.equal(code);
        },
      };
    },
  }),
});
