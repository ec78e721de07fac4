import cron from 'node-cron';
import { cronLogger } from '../../src/worker/scheduler';

const recorder = () => {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
};

describe("cronLogger: node-cron's own messages go through our logger", () => {
  it('passes a warning on with the job named', () => {
    const { lines, log } = recorder();
    cronLogger(log, 'access.issue-due-codes').warn('missed execution');
    expect(lines).toEqual([{ level: 'warn', obj: { job: 'access.issue-due-codes', source: 'node-cron' }, msg: 'missed execution' }]);
  });

  it('passes an error on as err, whichever argument carries it, and drops debug', () => {
    const { lines, log } = recorder();
    const boom = new Error('boom');
    const l = cronLogger(log, 'j');
    l.error('Task failed with error!', boom);
    l.error(boom);
    l.debug('tick');
    expect(lines).toEqual([
      { level: 'error', obj: { job: 'j', source: 'node-cron', err: boom }, msg: 'Task failed with error!' },
      { level: 'error', obj: { job: 'j', source: 'node-cron', err: boom }, msg: undefined },
    ]);
  });

  it('receives the warning node-cron gives when a run is still going at the next tick (noOverlap, as the scheduler uses it)', async () => {
    const { lines, log } = recorder();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    let release!: () => void;
    const running = new Promise<void>((r) => (release = r));
    const task = cron.schedule('* * * * * *', () => running, { name: 'slow', noOverlap: true, logger: cronLogger(log, 'slow') });
    try {
      for (let i = 0; i < 60 && !lines.some((l) => l.level === 'warn'); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      release();
      await task.stop();
      warn.mockRestore();
    }
    expect(lines.find((l) => l.level === 'warn')).toMatchObject({ obj: { job: 'slow', source: 'node-cron' }, msg: expect.stringMatching(/still running/) });
    expect(warn).not.toHaveBeenCalled();
  });
});
