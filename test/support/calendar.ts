/**
 * For specs whose expectations name the current month or year (reports group by the events'
 * times): when fewer than `marginMs` remain before the next UTC month, waits until it has begun,
 * so every event of the spec falls in one month (and one quarter and year).
 */
export const awayFromMonthEnd = async (marginMs = 60_000): Promise<void> => {
  const now = new Date();
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const left = next - now.getTime();
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
};
