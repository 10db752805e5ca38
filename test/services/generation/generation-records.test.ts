import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { GenerationStatus } from '../../../db/codes';
import { ISOLATION_LEVELS } from '../../../db/connection';
import { planImage } from '../../../domain/generation/generation-plan';
import type { GenerationTaskFields } from '../../../domain/generation/generation-types';
import { DEFAULT_PRICING } from '../../../domain/pricing';
import {
  openRecords,
  StoryboardBusyError,
  type OpenedRecords,
} from '../../../services/generation/generation-records';
import { migratedTestDatabaseAt } from '../../support/database';

// Under both isolation levels the code supports (MYSQL_ISOLATION_LEVEL), every session at that level.
describe.each(ISOLATION_LEVELS)('generation records (real MariaDB, %s)', (isolationLevel) => {
  const run = randomUUID().slice(0, 8);
  const projectId = `rec-${run}`;
  let sequelize: Sequelize;

  beforeAll(async () => {
    sequelize = await migratedTestDatabaseAt(isolationLevel);
  });
  afterAll(async () => {
    await sequelize.query(
      `DELETE FROM template_executions WHERE credit_transaction_id IN
         (SELECT id FROM jimeng_image_generation_records WHERE project_id = ?)`,
      { replacements: [projectId] },
    );
    await sequelize.query('DELETE FROM jimeng_image_generation_records WHERE project_id = ?', {
      replacements: [projectId],
    });
    await sequelize.query('DELETE FROM generation_tasks WHERE project_id = ?', { replacements: [projectId] });
    await sequelize.close();
  });

  const task = (taskId: string, storyboardId: string): GenerationTaskFields => ({
    taskId,
    userId: randomUUID(),
    projectId,
    projectName: 'records',
    storyboardId,
    workId: 'w-1',
    createdBy: 'tenant-records',
  });
  const open = (taskId: string, storyboardId: string, prompt = 'a red fox in the snow') => {
    const fields = task(`${run}-${taskId}`, storyboardId);
    return openRecords(sequelize, {
      type: 'image',
      task: fields,
      plan: planImage(fields, { prompt }, DEFAULT_PRICING),
      prompt,
      workflowId: `jimeng-image/${projectId}/${storyboardId}`,
      now: new Date('2026-11-23T04:00:00.000Z'),
    });
  };
  const count = async (sql: string, ...replacements: unknown[]) =>
    Number((await sequelize.query<{ n: number }>(sql, { replacements, type: QueryTypes.SELECT }))[0]!.n);
  const records = (storyboardId: string) =>
    sequelize.query<{ id: string; is_deleted: number | null }>(
      `SELECT id, is_deleted FROM jimeng_image_generation_records
        WHERE project_id = ? AND storyboard_id = ? ORDER BY id`,
      { replacements: [projectId, storyboardId], type: QueryTypes.SELECT },
    );
  const executionsOf = (taskId: string) =>
    count(
      'SELECT COUNT(*) AS n FROM template_executions WHERE credit_transaction_id = ?',
      `${run}-${taskId}`,
    );

  it('keeps a prompt of 4-byte characters (emoji, CJK Extension B) whole in the record, execution and history', async () => {
    const prompt = '月亮上的猫 🐱🌕 in 𠀋 style';
    expect([...prompt].some((c) => c.codePointAt(0)! > 0xffff)).toBe(true);
    await open('emoji', 'sb-emoji', prompt);
    const [record] = await sequelize.query<{ prompt: string }>(
      'SELECT prompt FROM jimeng_image_generation_records WHERE id = ?',
      { replacements: [`${run}-emoji`], type: QueryTypes.SELECT },
    );
    const [execution] = await sequelize.query<{ prompt: string }>(
      'SELECT prompt FROM template_executions WHERE credit_transaction_id = ?',
      { replacements: [`${run}-emoji`], type: QueryTypes.SELECT },
    );
    expect(record!.prompt).toBe('月亮上的猫 🐱🌕 in 𠀋 style');
    expect(execution!.prompt).toBe('月亮上的猫 🐱🌕 in 𠀋 style');
  });

  it('opens one record and one execution when two attempts of one task race, and the loser’s retry finds them', async () => {
    const settled = await Promise.allSettled([open('twice', 'sb-twice'), open('twice', 'sb-twice')]);
    const rejected = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    expect(rejected.every((err) => err instanceof StoryboardBusyError)).toBe(true);
    const retried = await Promise.all(rejected.map(() => open('twice', 'sb-twice')));
    const opened = [
      ...settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
      ...retried,
    ] as OpenedRecords[];
    expect(opened).toHaveLength(2);
    expect(opened.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(opened.map((o) => o.executionId)).size).toBe(1);
    expect(await records('sb-twice')).toEqual([{ id: `${run}-twice`, is_deleted: 0 }]);
    expect(await executionsOf('twice')).toBe(1);
    expect(await count('SELECT COUNT(*) AS n FROM generation_tasks WHERE task_id = ?', `${run}-twice`)).toBe(
      1,
    );
  });

  it('lets one of two tasks racing for a new storyboard open it; the other is told it is busy, also on retry', async () => {
    const settled = await Promise.allSettled([open('new-a', 'sb-new'), open('new-b', 'sb-new')]);
    const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [['new-a', 'new-b'][i]!] : []));
    expect(won).toHaveLength(1);
    const loser = won[0] === 'new-a' ? 'new-b' : 'new-a';
    const lost = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(StoryboardBusyError);
    await expect(open(loser, 'sb-new')).rejects.toThrow(StoryboardBusyError);
    expect(await records('sb-new')).toEqual([{ id: `${run}-${won[0]}`, is_deleted: 0 }]);
    expect(await executionsOf(won[0]!)).toBe(1);
    expect(await executionsOf(loser)).toBe(0);
  });

  it('lets one of two new tasks retire a finished storyboard’s record; the other is told it is busy', async () => {
    await open('old', 'sb-redo');
    await sequelize.query('UPDATE jimeng_image_generation_records SET generation_status = ? WHERE id = ?', {
      replacements: [GenerationStatus.COMPLETED, `${run}-old`],
    });
    const settled = await Promise.allSettled([open('redo-a', 'sb-redo'), open('redo-b', 'sb-redo')]);
    const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [['redo-a', 'redo-b'][i]!] : []));
    expect(won).toHaveLength(1);
    const lost = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(StoryboardBusyError);
    expect(await records('sb-redo')).toEqual([
      { id: `${run}-old`, is_deleted: 1 },
      { id: `${run}-${won[0]}`, is_deleted: 0 },
    ]);
    expect(await executionsOf(won[0] === 'redo-a' ? 'redo-b' : 'redo-a')).toBe(0);
  });
});
